# Reference values for meta/comparison.py: the predictive test of the index study against one
# historical study (tau^2 included), the widened prediction interval it is positioned against, and
# the PFT back-transform of the index with its own n.
# Run: Rscript tests/reference/r/comparison_predictive.R  (writes fixtures/comparison_predictive.json)
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
ctrl <- list(threshold = 1e-12, maxiter = 10000)
# ORR of the RT + ICI benchmark arms of the bundled library (events/total) and the index 81/108
xi <- c(19, 20, 23, 53, 24, 22, 11, 24, 18); ni <- c(40, 37, 54, 93, 39, 25, 21, 25, 50)
dat <- escalc(measure = "PLO", xi = xi, ni = ni)
idx <- escalc(measure = "PLO", xi = 81, ni = 108)
cases <- list()
for (test in c("z", "knha")) {
  fit <- rma(yi, vi, data = dat, method = "REML", test = test, control = ctrl)
  y0 <- idx$yi[1]; v0 <- idx$vi[1]
  b <- as.numeric(fit$beta); se <- fit$se; tau2 <- fit$tau2
  s <- sqrt(v0 + se^2 + tau2)
  z <- (y0 - b) / s
  if (test == "z") { p <- 2 * pnorm(-abs(z)); crit <- qnorm(0.975) } else {
    p <- 2 * pt(-abs(z), df = fit$k - 1); crit <- qt(0.975, df = fit$k - 1) }
  pr <- predict(fit)
  half <- crit * sqrt(se^2 + tau2 + v0)
  cases[[test]] <- list(test = test, estimate = b, se = se, tau2 = tau2, index_yi = y0,
                        index_vi = v0, pred_z = z, pred_pval = p, pi_lb = pr$pi.lb,
                        pi_ub = pr$pi.ub, observed_lb = b - half, observed_ub = b + half)
}
# PFT: the index back-transformed with its own n, the pooled value with the harmonic mean of ni
pft <- escalc(measure = "PFT", xi = xi, ni = ni)
ipft <- escalc(measure = "PFT", xi = 81, ni = 108)
fitp <- rma(yi, vi, data = pft, method = "REML", control = ctrl)
out <- list(
  script = "tests/reference/r/comparison_predictive.R",
  r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
  settings = "rma(method='REML', control=list(threshold=1e-12, maxiter=10000))",
  data = list(xi = xi, ni = ni, index_xi = 81, index_ni = 108),
  plo = cases,
  pft = list(index_yi = ipft$yi[1], index_bt = transf.ipft(ipft$yi[1], ni = 108),
             pooled = as.numeric(fitp$beta),
             pooled_bt = transf.ipft.hm(as.numeric(fitp$beta), targs = list(ni = ni))))
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
      "tests/reference/fixtures/comparison_predictive.json")
