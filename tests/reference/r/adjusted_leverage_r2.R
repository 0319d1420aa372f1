# Reference values for meta/adjusted.py's joint extrapolation check (leverage of the index vs the
# arms') and for the pseudo-R² when tau² of the model without moderators is 0 (meta/model.py).
# Run from the repository root: Rscript tests/reference/r/adjusted_leverage_r2.R
#   (writes tests/reference/fixtures/adjusted_leverage_r2.json)
# Data: made-up arm-level effects, not study data.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
ctrl <- list(threshold = 1e-12, maxiter = 10000)
# 1. hidden extrapolation: two correlated covariates; the index is inside each range but off
#    the arms' joint cloud. metafor: hatvalues = w_i x_i'(X'WX)^-1 x_i and, with test = "z",
#    predict(newmods = x0)$se^2 = x0'(X'WX)^-1 x0.
yi <- c(2.05, 2.21, 2.30, 2.38, 2.47, 2.55, 2.62, 2.71)
vi <- c(0.021, 0.012, 0.009, 0.010, 0.008, 0.011, 0.009, 0.013)
x1 <- c(2006, 2007, 2009, 2010, 2012, 2014, 2016, 2018)
x2 <- c(40, 38, 35, 33, 30, 28, 25, 22)
x0 <- c(2008, 24)   # both in range, jointly far from the arms (old era, low PVTT)
f <- rma(yi, vi, mods = ~ x1 + x2, method = "REML", control = ctrl)
pr <- predict(f, newmods = x0)
x0_in <- c(2012, 31)
pr_in <- predict(f, newmods = x0_in)
hidden <- list(yi = yi, vi = vi, x1 = x1, x2 = x2, x0 = x0, x0_inside = x0_in,
               tau2 = f$tau2, weights = as.numeric(weights(f)) / 100,
               hat = as.numeric(hatvalues(f)), w = 1 / (vi + f$tau2),
               pred_se = as.numeric(pr$se), pred_se_inside = as.numeric(pr_in$se))
# 2. tau² of the intercept-only model is 0: metafor's pseudo-R² is 0 (we report None)
y2 <- c(0.10, 0.12, 0.09, 0.11, 0.10, 0.13)
v2 <- c(0.05, 0.04, 0.06, 0.05, 0.05, 0.04)
m2 <- c(1, 2, 3, 4, 5, 6)
undefined <- list()
for (method in c("REML", "DL", "ML")) {
  r0 <- rma(y2, v2, method = method, control = ctrl)
  r1 <- rma(y2, v2, mods = ~ m2, method = method, control = ctrl)
  undefined[[method]] <- list(tau2_null = r0$tau2, tau2 = r1$tau2, R2 = r1$R2,
                              beta = as.numeric(r1$beta))
}
out <- list(
  script = "tests/reference/r/adjusted_leverage_r2.R",
  r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
  settings = "rma(mods = ~ x1 + x2, method='REML', control=list(threshold=1e-12, maxiter=10000)); hatvalues(); predict(newmods=)",
  hidden = hidden,
  r2_undefined = list(yi = y2, vi = v2, mod = m2, fits = undefined))
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
      "tests/reference/fixtures/adjusted_leverage_r2.json")
