# Reference values for meta/comparison.py and meta/ipd_comparison.py (hccmeta issue 6).
# Run from the repository root: Rscript tests/reference/r/comparison.R
# Writes tests/reference/fixtures/comparison.json and tests/reference/fixtures/comparison_ipd.csv.
# The data are SYNTHETIC (not study numbers): chosen to exercise the comparison, not to report.
suppressMessages({library(metafor); library(survival); library(jsonlite)})
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-13, tau2.min = 0)
z <- qnorm(0.975)

# --- proportions (PLO) with a moderator -------------------------------------------------
xi <- c(11, 24, 30, 19, 40, 9, 15)
ni <- c(21, 50, 47, 40, 60, 25, 30)
pvtt <- c(40, 94, 55, 60, 20, 70, 35)
x0 <- 81; n0 <- 108; pvtt0 <- 63.9
dat <- escalc("PLO", xi = xi, ni = ni)
idx <- escalc("PLO", xi = x0, ni = n0)
comp <- function(method, test) {
  res <- rma(yi, vi, data = dat, method = method, test = test, control = ctrl)
  pr <- predict(res)
  if (is.null(pr$pi.lb)) { pr$pi.lb <- pr$ci.lb; pr$pi.ub <- pr$ci.ub }  # FE: PI = CI
  d <- as.numeric(idx$yi) - as.numeric(res$b)
  se <- sqrt(as.numeric(idx$vi) + res$se^2)
  if (test == "z") { p <- 2 * pnorm(-abs(d / se)); crit <- z } else {
    p <- 2 * pt(-abs(d / se), res$k - 1); crit <- qt(0.975, res$k - 1) }
  list(method = method, test = test, estimate = as.numeric(res$b), se = res$se,
       ci_lb = res$ci.lb, ci_ub = res$ci.ub, pi_lb = pr$pi.lb, pi_ub = pr$pi.ub,
       tau2 = res$tau2, I2 = res$I2, Q = res$QE, Q_pval = res$QEp,
       weights_pct = as.numeric(weights(res)),
       diff = d, diff_se = se, diff_stat = d / se, diff_pval = p,
       diff_ci_lb = d - crit * se, diff_ci_ub = d + crit * se,
       bt_estimate = transf.ilogit(as.numeric(res$b)), bt_pi_lb = transf.ilogit(pr$pi.lb),
       bt_pi_ub = transf.ilogit(pr$pi.ub))
}
methods <- c("FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE")
z_rows <- lapply(methods, comp, test = "z")
knha <- comp("REML", "knha")
reg <- rma(yi, vi, mods = ~ pvtt, data = dat, method = "REML", control = ctrl)
pr0 <- predict(reg, newmods = pvtt0)
d_adj <- as.numeric(idx$yi) - pr0$pred
se_adj <- sqrt(as.numeric(idx$vi) + pr0$se^2)

# --- log medians: index without a variance ----------------------------------------------
med <- c(12.1, 15.0, 9.8, 19.6, 14.2)
lo <- c(9.0, 11.8, 7.7, 13.3, 10.1)
hi <- c(15.8, 20.4, 12.9, 25.0, 18.8)
mdat <- data.frame(yi = log(med), vi = ((log(hi) - log(lo)) / (2 * z))^2)
mres <- rma(yi, vi, data = mdat, method = "REML", control = ctrl)
mpr <- predict(mres)

# --- pseudo-IPD: RMST, landmark, clustered Cox ------------------------------------------
set.seed(20261126)
sim <- function(n, scale, arm) {
  t <- rexp(n, log(2) / scale); cens <- runif(n, 6, 40)
  data.frame(time = round(pmin(t, cens), 4), event = as.integer(t <= cens), arm = arm)
}
ipd <- rbind(sim(90, 17, "index"), sim(120, 11, "h1"), sim(100, 13, "h2"), sim(80, 10, "h3"))
write.csv(ipd, "tests/reference/fixtures/comparison_ipd.csv", row.names = FALSE)
tau <- 24; lm_t <- 12
per_arm <- lapply(split(ipd, ipd$arm), function(d) {
  f <- survfit(Surv(time, event) ~ 1, data = d)
  tab <- summary(f, rmean = tau)$table
  s <- summary(f, times = lm_t)
  list(rmst = unname(tab["rmean"]), rmst_se = unname(tab["se(rmean)"]),
       surv = s$surv, surv_se = s$std.err)
})
h <- per_arm[c("h1", "h2", "h3")]
rm_res <- rma(sapply(h, `[[`, "rmst"), sapply(h, `[[`, "rmst_se")^2, method = "REML",
              control = ctrl)
ipd$index <- as.integer(ipd$arm == "index")
cx <- coxph(Surv(time, event) ~ index, data = ipd, cluster = arm, ties = "breslow")
cx_s <- summary(cx)$coefficients
# Model-based (naive) variance: the default of meta.ipd_comparison.one_stage_cox, because the
# clustered SE above is biased downwards when the index group is one cluster (review finding 1).
cm <- coxph(Surv(time, event) ~ index, data = ipd, ties = "breslow")
cm_s <- summary(cm)$coefficients
# Robust variance where it is allowed: two index arms (index, h1) vs two historical (h2, h3).
ipd$index2 <- as.integer(ipd$arm %in% c("index", "h1"))
c2 <- coxph(Surv(time, event) ~ index2, data = ipd, cluster = arm, ties = "breslow")
c2_s <- summary(c2)$coefficients

out <- list(
  script = "tests/reference/r/comparison.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  survival_version = as.character(packageVersion("survival")),
  settings = list(rma_control = ctrl, level = 95, note = "synthetic data"),
  plo = list(xi = xi, ni = ni, pvtt = pvtt, x0 = x0, n0 = n0, pvtt0 = pvtt0,
             index_yi = as.numeric(idx$yi), index_vi = as.numeric(idx$vi),
             by_method = z_rows, knha = knha,
             metareg = list(slope = as.numeric(reg$b[2]), slope_se = reg$se[2],
                            slope_pval = reg$pval[2], pred = pr0$pred, pred_se = pr0$se,
                            diff = d_adj, diff_pval = 2 * pnorm(-abs(d_adj / se_adj)))),
  med = list(median = med, lower = lo, upper = hi, index_median = 17.0,
             estimate = as.numeric(mres$b), pi_lb = mpr$pi.lb, pi_ub = mpr$pi.ub,
             ratio = 17.0 / exp(as.numeric(mres$b))),
  ipd = list(tau = tau, landmark = lm_t, per_arm = per_arm,
             rmst_pooled = as.numeric(rm_res$b), rmst_pooled_se = rm_res$se,
             rmst_diff = per_arm$index$rmst - as.numeric(rm_res$b),
             rmst_diff_se = sqrt(per_arm$index$rmst_se^2 + rm_res$se^2),
             cox_coef = unname(cx_s[1, "coef"]), cox_robust_se = unname(cx_s[1, "robust se"]),
             cox_naive_se = sqrt(cx$naive.var[1, 1]),
             cox_model_coef = unname(cm_s[1, "coef"]), cox_model_se = unname(cm_s[1, "se(coef)"]),
             cox_model_pval = unname(cm_s[1, "Pr(>|z|)"]),
             cox2_index_arms = c("index", "h1"), cox2_coef = unname(c2_s[1, "coef"]),
             cox2_robust_se = unname(c2_s[1, "robust se"]),
             cox2_model_se = sqrt(c2$naive.var[1, 1]))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/reference/fixtures/comparison.json")
