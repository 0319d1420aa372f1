# Reference values for extraction/audit: Cox HR (Breslow ties) and p-values from ratio CIs.
# Run from the repository root: Rscript tests/reference/r/audit_cox.R
# Input: tests/reference/fixtures/audit_cox_ipd.csv (simulated by tests/extraction/audit/cases/curves/make_curves.py)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
ipd <- read.csv("tests/reference/fixtures/audit_cox_ipd.csv")
fit_b <- coxph(Surv(time, event) ~ group, data = ipd, ties = "breslow",
               control = coxph.control(eps = 1e-10, toler.chol = 1e-12, iter.max = 100))
fit_e <- coxph(Surv(time, event) ~ group, data = ipd, ties = "efron",
               control = coxph.control(eps = 1e-10, toler.chol = 1e-12, iter.max = 100))
ci <- exp(confint(fit_b))
# Altman & Bland (2011) p from a ratio CI, on a grid of (estimate, lower, upper)
grid <- data.frame(est = c(0.58, 0.70, 0.51, 1.20, 0.85, 2.50, 0.95),
                   lo  = c(0.42, 0.55, 0.30, 0.90, 0.70, 1.10, 0.80),
                   hi  = c(0.79, 0.89, 0.86, 1.60, 1.02, 5.70, 1.13))
se <- (log(grid$hi) - log(grid$lo)) / (2 * qnorm(0.975))
grid$p <- 2 * pnorm(-abs(log(grid$est)) / se)
out <- list(
  script = "tests/reference/r/audit_cox.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  settings = "coxph(Surv(time, event) ~ group, ties = 'breslow'|'efron', eps = 1e-10); p = 2*pnorm(-|log est|/((log hi - log lo)/(2*qnorm(0.975))))",
  hr_breslow = unname(exp(coef(fit_b))),
  hr_efron = unname(exp(coef(fit_e))),
  ci_breslow = unname(as.numeric(ci)),
  p_from_ci = grid
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/fixtures/audit_cox.json")
