# Reference values for meta.subgroups and meta.regression from R metafor.
#
# Run from the repository root:
#   Rscript tests/reference/r/metafor_rma_subgroups.R
# writes tests/reference/fixtures/metafor_rma_subgroups.json.
#
# Subgroups (dat.bcg by alloc; dat.hackshaw1998 rows 1-30 by design):
#   common tau2:   rma(yi, vi, mods = ~ factor(g))            -> tau2, QM test, QE
#                  rma(yi, vi, mods = ~ factor(g) - 1)        -> per-group estimates
#   separate tau2: rma(yi, vi, subset = g == level) per group, then the test for subgroup
#                  differences as R meta / RevMan: rma(est_g, sei = se_g, method = "FE")$QE.
# Meta-regression (dat.bcg, ablat; hack30, year): coefficients, QM, R2 and predict() at new
# moderator values, for REML/DL/PM x z/knha.
# Tight convergence: threshold 1e-12, tol 1e-12, maxiter 10000.

suppressMessages(library(metafor))
suppressMessages(library(jsonlite))

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
hack <- dat.hackshaw1998[1:30, ]
datasets <- list(
  bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), group = as.character(bcg$alloc),
             x = bcg$ablat, x_name = "ablat", newx = c(10, 30, 50),
             source = "metadat dat.bcg, escalc(measure='RR'); group = alloc, x = ablat"),
  hack30 = list(yi = hack$yi, vi = hack$vi, group = as.character(hack$design),
                x = hack$year, x_name = "year", newx = c(1985, 1995),
                source = "metadat dat.hackshaw1998 rows 1-30; group = design, x = year")
)

subgroup_case <- function(dname, method, test) {
  d <- datasets[[dname]]
  g <- factor(d$group)
  mixed <- rma(d$yi, d$vi, mods = ~ g, method = method, test = test, control = ctrl)
  cells <- rma(d$yi, d$vi, mods = ~ g - 1, method = method, test = test, control = ctrl)
  sep <- lapply(levels(g), function(lv) {
    f <- rma(d$yi, d$vi, subset = g == lv, method = method,
             test = if (sum(g == lv) > 1) test else "z", control = ctrl)
    list(group = lv, k = f$k, estimate = as.numeric(f$beta), se = f$se, tau2 = f$tau2,
         ci_lb = f$ci.lb, ci_ub = f$ci.ub, QE = f$QE, I2 = f$I2)
  })
  est <- sapply(sep, function(s) s$estimate)
  se <- sapply(sep, function(s) s$se)
  between <- rma(est, sei = se, method = "FE")
  list(id = paste(dname, method, test, sep = "/"), data = dname, method = method, test = test,
       levels = levels(g),
       common = list(tau2 = mixed$tau2, QM = mixed$QM, QMdf = as.numeric(mixed$QMdf),
                     QMp = mixed$QMp, QE = mixed$QE, QEp = mixed$QEp,
                     estimates = as.numeric(cells$beta), se = as.numeric(cells$se),
                     ci_lb = as.numeric(cells$ci.lb), ci_ub = as.numeric(cells$ci.ub)),
       separate = sep,
       between = list(Q = between$QE, df = between$k - 1, pval = between$QEp))
}

regression_case <- function(dname, method, test) {
  d <- datasets[[dname]]
  fit <- rma(d$yi, d$vi, mods = d$x, method = method, test = test, control = ctrl)
  pr <- predict(fit, newmods = d$newx)
  list(id = paste(dname, d$x_name, method, test, sep = "/"), data = dname, method = method,
       test = test, x_name = d$x_name,
       beta = as.numeric(fit$beta), se = fit$se, zval = fit$zval, pval = fit$pval,
       ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, tau2 = fit$tau2, QM = fit$QM,
       QMdf = as.numeric(fit$QMdf), QMp = fit$QMp, QE = fit$QE, QEp = fit$QEp, R2 = fit$R2,
       I2 = fit$I2, H2 = fit$H2,
       newx = d$newx, pred = as.numeric(pr$pred), pred_se = as.numeric(pr$se),
       pred_ci_lb = as.numeric(pr$ci.lb), pred_ci_ub = as.numeric(pr$ci.ub),
       pred_pi_lb = as.numeric(pr$pi.lb), pred_pi_ub = as.numeric(pr$pi.ub))
}

subgroups <- list()
regressions <- list()
for (dname in names(datasets)) {
  for (method in c("REML", "DL", "PM", "FE")) {
    for (test in c("z", "knha")) {
      subgroups[[length(subgroups) + 1]] <- suppressWarnings(subgroup_case(dname, method, test))
      regressions[[length(regressions) + 1]] <-
        suppressWarnings(regression_case(dname, method, test))
    }
  }
}

res <- list(
  script = "tests/reference/r/metafor_rma_subgroups.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  packages = list(metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  settings = list(control = ctrl, level = 95),
  datasets = lapply(datasets, function(d) d[c("yi", "vi", "group", "x", "x_name", "newx",
                                             "source")]),
  subgroups = subgroups,
  regressions = regressions
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           "tests/reference/fixtures/metafor_rma_subgroups.json")
cat("wrote", length(subgroups), "subgroup and", length(regressions), "regression cases\n")
