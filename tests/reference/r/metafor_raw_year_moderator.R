# Reference values for tau² with a moderator in raw calendar years (meta/tau2.py fits on the
# design with its non-constant columns standardised: the same column space, so the same tau²).
# Before, REML on k = 3 arms with years ~2000 did not converge (cond(X'WX) ~ 1e12); metafor's
# Fisher scoring does not converge on the raw years of set k3 either (its message is recorded).
# The reference is metafor's fit on the centred years, mapped to the raw-year coefficients by
# beta_raw = A beta_c, vcov_raw = A V A' with A = [[1, -mean(year)], [0, 1]].
# Run from the repository root: Rscript tests/reference/r/metafor_raw_year_moderator.R
#   (writes tests/reference/fixtures/metafor_raw_year_moderator.json)
# Data: simulated effects (found by the statistics review's random search), not study data.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
ctrl <- list(threshold = 1e-12, maxiter = 10000)
sets <- list(
  k3 = list(yi = c(1.8983951489265931, 0.7851583129524682, -12.675660562993842),
            vi = c(0.15591991629887011, 0.06850455897454831, 44.44004464661362),
            year = c(1999.9553929662854, 2000.1618024407298, 2000.928883776232)),
  k8 = list(yi = c(-14.583793290890231, -2.9717452874638943, 0.4754079730158427,
                   8.447114815198494, 3.049229376678485, -16.469633352858818,
                   2.776177323830935, -9.709617314468677),
            vi = c(205.25124197081848, 11.385646558551896, 43.72438607369396,
                   46.04183552026818, 206.81084792764452, 91.39690259504447,
                   108.38065352554456, 51.65615605382412),
            year = c(1999.7922352282947, 2000.9298988247967, 2000.3447285263258,
                     1999.3292318564381, 2001.5762829233386, 1999.4518986863166,
                     1999.9189360313524, 2000.6225740390055)))
fits <- list()
for (name in names(sets)) {
  s <- sets[[name]]
  for (method in c("REML", "ML")) {
    raw <- tryCatch({rma(s$yi, s$vi, mods = ~ s$year, method = method, control = ctrl)
                     "converged"}, error = function(e) conditionMessage(e))
    centred <- s$year - mean(s$year)
    f <- rma(s$yi, s$vi, mods = ~ centred, method = method, control = ctrl)
    A <- matrix(c(1, 0, -mean(s$year), 1), 2, 2)
    V <- A %*% vcov(f) %*% t(A)
    fits[[paste(name, method, sep = "/")]] <- list(
      raw_years = raw, tau2 = f$tau2, beta = as.numeric(A %*% f$beta),
      se = sqrt(diag(V)))
  }
}
out <- list(
  script = "tests/reference/r/metafor_raw_year_moderator.R",
  r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
  settings = "rma(yi, vi, mods = ~ I(year - mean(year)), method = 'REML' / 'ML', control = list(threshold = 1e-12, maxiter = 10000)), coefficients mapped to raw years",
  sets = sets, fits = fits)
write_json(out, "tests/reference/fixtures/metafor_raw_year_moderator.json", digits = NA,
           auto_unbox = TRUE, pretty = TRUE)
