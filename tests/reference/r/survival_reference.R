# Reference values for meta/survival (KM + CIs, median + CI, landmarks, RMST, Cox, log-rank)
# from R survival. Run from the repository root:
#   Rscript tests/reference/r/survival_reference.R
# Writes tests/reference/fixtures/survival_reference.json and the data CSVs it used
# (survival_lung.csv, survival_veteran.csv; survival_sim.csv is made by Python and read here).
suppressPackageStartupMessages({library(survival); library(jsonlite)})
fx <- "tests/reference/fixtures"
lung_df <- data.frame(time = survival::lung$time, event = as.integer(survival::lung$status == 2),
                      arm = survival::lung$sex - 1L)
vet_df <- data.frame(time = survival::veteran$time, event = survival::veteran$status,
                     arm = survival::veteran$trt - 1L)
write.csv(lung_df, file.path(fx, "survival_lung.csv"), row.names = FALSE, quote = FALSE)
write.csv(vet_df, file.path(fx, "survival_veteran.csv"), row.names = FALSE, quote = FALSE)
sim_df <- read.csv(file.path(fx, "survival_sim.csv"))

na <- function(x) ifelse(is.na(x), NA, x)
one_arm <- function(d, tau, landmarks) {
  out <- list()
  for (ct in c("log", "log-log", "plain")) {
    f <- survfit(Surv(time, event) ~ 1, data = d, conf.type = ct)
    tab <- summary(f, rmean = tau)$table
    lm <- summary(f, times = landmarks, extend = TRUE)
    out[[ct]] <- list(
      time = f$time, n_risk = f$n.risk, n_event = f$n.event, n_censor = f$n.censor,
      surv = f$surv, std_err = f$std.err, lower = na(f$lower), upper = na(f$upper),
      median = na(tab[["median"]]), median_lower = na(tab[["0.95LCL"]]),
      median_upper = na(tab[["0.95UCL"]]), rmean = tab[["rmean"]],
      rmean_se = tab[["se(rmean)"]], landmark_time = lm$time, landmark_surv = lm$surv,
      landmark_lower = na(lm$lower), landmark_upper = na(lm$upper),
      landmark_n_risk = lm$n.risk)
  }
  out
}
two_arm <- function(d) {
  res <- list()
  for (ties in c("efron", "breslow")) {
    fit <- coxph(Surv(time, event) ~ arm, data = d, ties = ties,
                 control = coxph.control(eps = 1e-11, iter.max = 100))
    s <- summary(fit)
    res[[ties]] <- list(coef = unname(coef(fit)), se = unname(sqrt(vcov(fit)[1, 1])),
                        hr = unname(exp(coef(fit))), lower = s$conf.int[1, "lower .95"],
                        upper = s$conf.int[1, "upper .95"], z = s$coefficients[1, "z"],
                        p = s$coefficients[1, "Pr(>|z|)"], loglik = fit$loglik)
  }
  sd <- survdiff(Surv(time, event) ~ arm, data = d)
  res$logrank <- list(chisq = sd$chisq, observed = sd$obs, expected = sd$exp,
                      var = sd$var, p = pchisq(sd$chisq, 1, lower.tail = FALSE))
  res
}
sets <- list(
  lung = list(data = lung_df, tau = 365, landmarks = c(90, 180, 365, 730), unit = "days"),
  veteran = list(data = vet_df, tau = 180, landmarks = c(30, 90, 180, 365), unit = "days"),
  sim = list(data = sim_df, tau = 24, landmarks = c(6, 12, 24), unit = "months"))
result <- list(
  script = "tests/reference/r/survival_reference.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  settings = list(conf_int = 0.95, conf_types = c("log", "log-log", "plain"),
                  cox_control = "eps=1e-11, iter.max=100",
                  rmean = "summary(survfit, rmean=tau)$table (start.time 0)"),
  data = list())
for (nm in names(sets)) {
  s <- sets[[nm]]
  arms <- lapply(split(s$data, s$data$arm), one_arm, tau = s$tau, landmarks = s$landmarks)
  result$data[[nm]] <- list(csv = paste0("survival_", nm, ".csv"), unit = s$unit, tau = s$tau,
                            landmarks = s$landmarks, arms = arms, pooled = one_arm(s$data,
                            s$tau, s$landmarks), compare = two_arm(s$data))
}
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           file.path(fx, "survival_reference.json"))
cat("wrote", file.path(fx, "survival_reference.json"), "\n")
