# Reference values for meta.model.rma from R metafor (rma.uni, predict, confint).
#
# Run from the repository root:
#   Rscript tests/reference/r/metafor_rma.R
# writes tests/reference/fixtures/metafor_rma.json.
#
# Data sets (all from metadat, shipped with metafor; effect sizes computed here with escalc):
#   bcg      dat.bcg, escalc(measure = "RR"), k = 13, moderators ablat and year
#   bcg_k2   the first two studies of bcg (k = 2)
#   hine     dat.hine1989, escalc(measure = "RD"), k = 6, homogeneous (Q < k - 1, tau2 = 0)
#   hack30   dat.hackshaw1998 (yi = log OR, vi), first 30 studies (k = 30)
# Grid: every estimator (FE DL REML ML PM HS SJ EB HE) x test (z, knha) on every data set,
# the same grid with the moderator ablat (bcg), test = "adhoc" for some methods, and a
# two-moderator model. Tight convergence: threshold 1e-12, tol 1e-12 (PM root, Q-profile),
# maxiter 10000.

suppressMessages(library(metafor))
suppressMessages(library(jsonlite))

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
methods <- c("FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE")

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
hine <- escalc(measure = "RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
hack <- dat.hackshaw1998[1:30, ]

datasets <- list(
  bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi),
             mods = list(ablat = bcg$ablat, year = bcg$year),
             source = "metadat dat.bcg, escalc(measure='RR', ai=tpos, bi=tneg, ci=cpos, di=cneg)"),
  bcg_k2 = list(yi = as.numeric(bcg$yi[1:2]), vi = as.numeric(bcg$vi[1:2]),
                source = "metadat dat.bcg studies 1-2, escalc(measure='RR')"),
  hine = list(yi = as.numeric(hine$yi), vi = as.numeric(hine$vi),
              source = "metadat dat.hine1989, escalc(measure='RD', ai, n1i, ci, n2i)"),
  hack30 = list(yi = hack$yi, vi = hack$vi,
                source = "metadat dat.hackshaw1998 rows 1-30 (yi = log OR, vi as shipped)")
)

num <- function(x) if (is.null(x) || length(x) == 0 || all(is.na(x))) NULL else as.numeric(x)

one_case <- function(dname, method, test, modnames = character(0)) {
  d <- datasets[[dname]]
  if (length(modnames) > 0) {
    X <- do.call(cbind, d$mods[modnames])
    fit <- rma(d$yi, d$vi, mods = X, method = method, test = test, control = ctrl)
  } else {
    fit <- rma(d$yi, d$vi, method = method, test = test, control = ctrl)
  }
  out <- list(
    id = paste(dname, method, test, paste(modnames, collapse = "+"), sep = "/"),
    data = dname, method = method, test = test, mods = I(modnames),
    k = fit$k, p = fit$p,
    beta = num(fit$beta), se = num(fit$se), zval = num(fit$zval), pval = num(fit$pval),
    ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub),
    tau2 = fit$tau2, I2 = fit$I2, H2 = fit$H2, QE = fit$QE, QEp = fit$QEp,
    QM = fit$QM, QMdf = num(fit$QMdf), QMp = fit$QMp, R2 = num(fit$R2),
    weights_pct = as.numeric(weights(fit))
  )
  if (length(modnames) == 0) {
    pr <- predict(fit)
    out$pi_lb <- pr$pi.lb
    out$pi_ub <- pr$pi.ub
    if (test == "z" && fit$k >= 3) {
      pr2 <- predict(fit, pi.type = "riley")  # t(k - 2): Higgins et al. 2009 eq. 12
      out$pi_higgins_lb <- pr2$pi.lb
      out$pi_higgins_ub <- pr2$pi.ub
    }
  }
  if (method != "FE") {
    # tau2.max far above metafor's default (100) so the bound is the root, not the search limit
    ci <- confint(fit, type = "QP",
                  control = list(tol = 1e-12, maxiter = 10000, tau2.max = 1e7))$random
    stopifnot(ci["tau^2", "ci.ub"] < 1e7)
    out$qp <- list(tau2_lb = ci["tau^2", "ci.lb"], tau2_ub = ci["tau^2", "ci.ub"],
                   tau_lb = ci["tau", "ci.lb"], tau_ub = ci["tau", "ci.ub"],
                   I2_lb = ci["I^2(%)", "ci.lb"], I2_ub = ci["I^2(%)", "ci.ub"],
                   H2_lb = ci["H^2", "ci.lb"], H2_ub = ci["H^2", "ci.ub"])
  }
  out
}

cases <- list()
for (dname in names(datasets)) {
  for (method in methods) {
    for (test in c("z", "knha")) {
      cases[[length(cases) + 1]] <- suppressWarnings(one_case(dname, method, test))
    }
  }
}
for (method in methods) {
  for (test in c("z", "knha")) {
    cases[[length(cases) + 1]] <- suppressWarnings(one_case("bcg", method, test, "ablat"))
  }
}
for (method in c("DL", "REML", "PM")) {
  for (dname in c("bcg", "hine", "hack30")) {
    cases[[length(cases) + 1]] <- suppressWarnings(one_case(dname, method, "adhoc"))
  }
}
for (test in c("z", "knha")) {
  cases[[length(cases) + 1]] <- one_case("bcg", "REML", test, c("ablat", "year"))
}

datasets_out <- lapply(datasets, function(d) {
  list(yi = d$yi, vi = d$vi, mods = d$mods, source = d$source)
})

res <- list(
  script = "tests/reference/r/metafor_rma.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  packages = list(metafor = as.character(packageVersion("metafor")),
                  metadat = as.character(packageVersion("metadat")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  settings = list(control = ctrl, level = 95,
                  confint = "type='QP', tol=1e-12, tau2.max=1e7",
                  higgins_pi = "predict(fit, pi.type='riley') on test='z' fits, k >= 3"),
  datasets = datasets_out,
  cases = cases
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           "tests/reference/fixtures/metafor_rma.json")
cat("wrote", length(cases), "cases\n")
