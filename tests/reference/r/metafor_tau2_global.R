# ML / REML tau² at the global maximum of the (restricted) likelihood (issue 15, "Numerical").
#
# Run from the repository root:
#   Rscript tests/reference/r/metafor_tau2_global.R
# writes tests/reference/fixtures/metafor_tau2_global.json.
#
# Named cases where the likelihood has a local maximum at tau² = 0 and a higher interior one:
#   debruin3:  metadat dat.debruin2009 rows 1-3, escalc(measure = "PAS", xi, ni)
#              (metafor ML tau² 0.0090915; hccmeta before the fix: 0)
#   bangert16: metadat dat.bangertdrowns2004 rows 1-16 (standardized mean differences yi, vi)
#              (metafor ML tau² 0.0056809; hccmeta before the fix: 0)
# Random sets (set.seed(20261202)): 3000 data sets with k in 3..8, vi log-uniform on
# [0.0005, 0.2] (wide spread of precisions makes the likelihood multimodal), true tau² from
# {0, 0.005, 0.02, 0.1}, yi ~ N(0, vi + tau²); yi and vi rounded to 6 decimals so the JSON holds
# the data exactly. For each: metafor ML and REML tau² and log likelihood, tight convergence
# (threshold 1e-12, maxiter 10000); random-set values rounded to 10 significant digits.

suppressMessages(library(metafor))
suppressMessages(library(jsonlite))

ctrl <- list(threshold = 1e-12, maxiter = 10000)
fit_both <- function(yi, vi, full = TRUE) {
  out <- list()
  for (method in c("ML", "REML")) {
    fit <- tryCatch(suppressWarnings(rma(yi, vi, method = method, control = ctrl)),
                    error = function(e) NULL)
    out[[method]] <- if (is.null(fit)) NULL else if (full)
      list(tau2 = fit$tau2, beta = as.numeric(fit$beta), se = fit$se,
           ll = as.numeric(logLik(fit))) else
      list(tau2 = signif(fit$tau2, 10), ll = signif(as.numeric(logLik(fit)), 10))
  }
  out
}

deb <- escalc(measure = "PAS", xi = xi, ni = ni, data = dat.debruin2009[1:3, ])
ban <- dat.bangertdrowns2004[1:16, ]
named <- list(
  debruin3 = c(list(yi = as.numeric(deb$yi), vi = as.numeric(deb$vi),
                    source = "metadat dat.debruin2009 rows 1-3, escalc(measure='PAS')"),
               fit_both(as.numeric(deb$yi), as.numeric(deb$vi))),
  bangert16 = c(list(yi = ban$yi, vi = ban$vi,
                     source = "metadat dat.bangertdrowns2004 rows 1-16 (yi, vi as published)"),
                fit_both(ban$yi, ban$vi))
)

set.seed(20261202)
random <- vector("list", 3000)
for (i in seq_along(random)) {
  k <- sample(3:8, 1)
  tau2 <- sample(c(0, 0.005, 0.02, 0.1), 1)
  vi <- round(exp(runif(k, log(0.0005), log(0.2))), 6)
  yi <- round(rnorm(k, 0, sqrt(vi + tau2)), 6)
  random[[i]] <- c(list(yi = yi, vi = vi), fit_both(yi, vi, full = FALSE))
}

res <- list(
  script = "tests/reference/r/metafor_tau2_global.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  packages = list(metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  settings = list(control = ctrl, seed = 20261202, n_random = length(random)),
  named = named,
  random = random
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", na = "null"),
           "tests/reference/fixtures/metafor_tau2_global.json")
