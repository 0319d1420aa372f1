# Reference values for meta/adjusted.py (era / case-mix adjusted benchmark) and for the exponential
# variance of meta/index_uncertainty.py.
# Run from the repository root: Rscript tests/reference/r/adjusted_benchmark.R
#   (writes tests/reference/fixtures/adjusted_benchmark.json)
# Data: made-up arm-level log medians (months) with enrolment mid-points (years) and PVTT %,
# shaped like sorafenib control arms; not study data.
suppressPackageStartupMessages({library(metafor); library(survival); library(jsonlite)})
ctrl <- list(threshold = 1e-12, maxiter = 10000)
yi <- log(c(6.5, 10.7, 9.9, 10.2, 8.5, 9.8, 12.3, 14.7))
vi <- c(0.0210, 0.0095, 0.0060, 0.0055, 0.0071, 0.0069, 0.0052, 0.0063)
year <- c(2005.9, 2006.3, 2008.4, 2009.0, 2009.6, 2010.1, 2014.8, 2016.7)
pvtt <- c(36, 38, NA, 40, 34, NA, 23, 32)
fit_case <- function(name, fit, newmods) {
  pr <- predict(fit, newmods = newmods)
  list(name = name, k = fit$k, beta = as.numeric(fit$beta), se = as.numeric(fit$se),
       ci_lb = as.numeric(fit$ci.lb), ci_ub = as.numeric(fit$ci.ub), pval = as.numeric(fit$pval),
       tau2 = fit$tau2, R2 = ifelse(is.null(fit$R2), NA, fit$R2), QM = fit$QM, QMp = fit$QMp,
       newmods = as.numeric(newmods), pred = as.numeric(pr$pred), pred_se = as.numeric(pr$se),
       pred_ci_lb = as.numeric(pr$ci.lb), pred_ci_ub = as.numeric(pr$ci.ub),
       pred_pi_lb = as.numeric(pr$pi.lb), pred_pi_ub = as.numeric(pr$pi.ub))
}
cases <- list()
# 1. a moderator with missing values: metafor drops the rows with NA (with a warning)
f1 <- suppressWarnings(rma(yi, vi, mods = ~ year + pvtt, method = "REML", control = ctrl))
cases$missing <- fit_case("missing", f1, c(2019.9, 63.9))
cases$missing$dropped <- which(is.na(pvtt))
# 2. k = 5 (the first five arms), one moderator, prediction inside the range
f2 <- rma(yi[1:5], vi[1:5], mods = ~ year[1:5], method = "REML", control = ctrl)
cases$k5 <- fit_case("k5", f2, 2008.0)
# 3. extrapolated prediction (index enrolled after every arm), z and knha
f3 <- rma(yi, vi, mods = ~ year, method = "REML", control = ctrl)
cases$extrapolated <- fit_case("extrapolated", f3, 2019.9)
f4 <- rma(yi, vi, mods = ~ year, method = "REML", test = "knha", control = ctrl)
cases$extrapolated_knha <- fit_case("extrapolated_knha", f4, 2019.9)
# exponential model of survival: SE of the log median = SE of the intercept = 1/sqrt(d)
set.seed(11)
n <- 108; lam <- log(2) / 17
t <- rexp(n, lam); cens <- runif(n, 0, 2 * 18.8)
time <- pmin(t, cens); status <- as.integer(t <= cens)
sr <- survreg(Surv(time, status) ~ 1, dist = "exponential")
out <- list(
  script = "tests/reference/r/adjusted_benchmark.R",
  r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
  survival_version = as.character(packageVersion("survival")),
  settings = "rma(method='REML', control=list(threshold=1e-12, maxiter=10000)); predict(newmods=)",
  data = list(yi = yi, vi = vi, year = year, pvtt = pvtt),
  cases = cases,
  exponential = list(time = time, status = status, events = sum(status),
                     log_median = as.numeric(coef(sr)) + log(log(2)),
                     se_log_median = sqrt(as.numeric(vcov(sr)))))
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
      "tests/reference/fixtures/adjusted_benchmark.json")
