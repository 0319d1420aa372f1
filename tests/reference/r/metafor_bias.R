# Reference values for meta/bias.py (regtest, trimfill) and meta/sensitivity.py (leave1out,
# influence, cumul, all tau2 estimators). Run from the repository root:
#   Rscript tests/reference/r/metafor_bias.R
# Writes tests/reference/fixtures/metafor_bias.json. Tests never need R.
suppressMessages(library(metafor))
library(jsonlite)

ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-13)
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
hack <- dat.hackshaw1998
sets <- list(
  bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), key = bcg$year),
  hackshaw = list(yi = as.numeric(hack$yi), vi = as.numeric(hack$vi), key = hack$year),
  hackshaw_neg = list(yi = -as.numeric(hack$yi), vi = as.numeric(hack$vi), key = hack$year),
  homog = list(yi = c(0.10, 0.12, 0.09, 0.11, 0.10, 0.13), vi = c(0.04, 0.05, 0.03, 0.06, 0.02, 0.05),
               key = c(2001, 1999, 2005, 2003, 2002, 2010)),
  small3 = list(yi = c(0.30, 0.80, -0.10), vi = c(0.02, 0.20, 0.05), key = c(3, 1, 2)),
  k2 = list(yi = c(0.20, 0.50), vi = c(0.04, 0.09), key = c(2, 1))
)
num <- function(x) as.numeric(x)
fitres <- function(r) list(estimate = num(r$beta), se = num(r$se), tau2 = r$tau2, ci_lb = r$ci.lb,
                           ci_ub = r$ci.ub, pval = r$pval, k = r$k, I2 = r$I2, Q = r$QE)
res <- list()
for (nm in names(sets)) {
  s <- sets[[nm]]
  one <- list(yi = s$yi, vi = s$vi, key = s$key)
  k <- length(s$yi)
  for (m in c("REML", "FE", "DL")) {
    r <- rma(s$yi, s$vi, method = m, control = ctrl)
    blk <- list(fit = fitres(r))
    if (k >= 3) {
      e1 <- regtest(r, model = "lm")
      e2 <- regtest(r, model = "rma", predictor = "sei")
      blk$regtest_lm <- list(stat = e1$zval, pval = e1$pval, df = e1$dfs, est = e1$est,
                             ci_lb = e1$ci.lb, ci_ub = e1$ci.ub,
                             slope = num(coef(e1$fit))[2])
      blk$regtest_rma <- list(stat = e2$zval, pval = e2$pval, est = e2$est, ci_lb = e2$ci.lb,
                              ci_ub = e2$ci.ub, slope = num(e2$fit$beta)[2])
      tf <- trimfill(r, control = ctrl)  # "..." reaches the internal rma() fits
      # trimfill's own refit uses metafor's default control; refit the augmented data with the
      # tight control as well so the comparison is not limited by metafor's convergence.
      tf_tight <- rma(as.numeric(tf$yi), as.numeric(tf$vi), method = m, control = ctrl)
      blk$trimfill <- list(k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side, fit = fitres(tf),
                           fit_tight = fitres(tf_tight),
                           yi = num(tf$yi), vi = num(tf$vi), fill = as.logical(tf$fill))
    }
    l1 <- leave1out(r)
    blk$leave1out <- list(estimate = num(l1$estimate), se = num(l1$se), zval = num(l1$zval),
                          pval = num(l1$pval), ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub),
                          Q = num(l1$Q), Qp = num(l1$Qp), tau2 = num(l1$tau2),
                          I2 = num(l1$I2), H2 = num(l1$H2))
    if (k >= 3) {
      inf <- influence(r)$inf
      blk$influence <- list(rstudent = num(inf$rstudent), dffits = num(inf$dffits),
                            cook_d = num(inf$cook.d), cov_r = num(inf$cov.r),
                            tau2_del = num(inf$tau2.del), QE_del = num(inf$QE.del),
                            hat = num(inf$hat), weight = num(inf$weight))
    }
    cu <- cumul(r, order = s$key)
    blk$cumul <- list(estimate = num(cu$estimate), se = num(cu$se), ci_lb = num(cu$ci.lb),
                      ci_ub = num(cu$ci.ub), pval = num(cu$pval), tau2 = num(cu$tau2),
                      Q = num(cu$Q), I2 = num(cu$I2))
    one[[m]] <- blk
  }
  est <- list()
  for (m in c("FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE")) {
    r <- rma(s$yi, s$vi, method = m, control = ctrl)
    est[[m]] <- fitres(r)
  }
  one$estimators <- est
  res[[nm]] <- one
}
# Ties in |yi - beta|: equal vi, FE, side forced (regtest cannot run with equal sei); checks the
# average-rank treatment of ties (R's rank()). The means here are not data values, so no
# deviation is zero up to rounding noise.
ties <- list(a = c(-0.25, 0, 0, -0.5, 0.5, 0.5, -0.25, 0.75, 0.75),
             b = c(1.25, 1.25, 0.75, -0.25, 0.5, -0.25, 0.75, 0.75, 0.75))
tie_res <- list()
for (nm in names(ties)) {
  tf <- trimfill(rma(ties[[nm]], rep(0.1, 9), method = "FE", control = ctrl), side = "left")
  tie_res[[nm]] <- list(yi = ties[[nm]], vi = rep(0.1, 9), k0 = tf$k0, se_k0 = tf$se.k0,
                        estimate = as.numeric(tf$beta), se = tf$se)
}
out <- list(
  trimfill_ties = tie_res,
  script = "tests/reference/r/metafor_bias.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  settings = list(rma_control = ctrl, test = "z",
                  regtest = "model='lm' and model='rma', predictor='sei' (defaults otherwise)",
                  trimfill = "defaults (side estimated, estimator L0)",
                  cumul = "order = key (year for bcg/hackshaw)",
                  data = "bcg: dat.bcg escalc RR; hackshaw: dat.hackshaw1998; others inline"),
  sets = res)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/fixtures/metafor_bias.json")
