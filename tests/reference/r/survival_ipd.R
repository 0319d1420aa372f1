# Reference values for meta.survival on the reconstructed IPD of 18 phase 3 HCC trials
# (studies/ipd/*.csv; hccmeta issue 10): per-arm Kaplan-Meier median with CI, landmark survival
# with Greenwood SE and numbers at risk, RMST to 24 months with SE, Cox HR per trial; and the
# sorafenib-arm benchmark pooled with metafor (cloglog landmarks, RMST, log median, pointwise
# pooled curve made monotone).
# Run from the repository root:  Rscript tests/reference/r/survival_ipd.R
# Writes tests/reference/fixtures/survival_ipd.json.
suppressPackageStartupMessages({library(survival); library(metafor); library(jsonlite)})
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-13)
files <- sort(list.files("studies/ipd", pattern = "\\.csv$", full.names = TRUE))
landmarks <- c(6, 12, 18, 24)
tau <- 24
na <- function(x) ifelse(is.na(x), NA, x)

arm_summary <- function(d) {
  f <- survfit(Surv(time, event) ~ 1, data = d)  # defaults: conf.type = "log", 0.95
  tab <- summary(f, rmean = tau)$table
  s <- summary(f, times = landmarks)  # extend = FALSE: times after follow-up are dropped
  list(n = nrow(d), events = sum(d$event), follow_up = max(d$time),
       median = na(unname(tab["median"])), median_lower = na(unname(tab["0.95LCL"])),
       median_upper = na(unname(tab["0.95UCL"])), rmean = unname(tab["rmean"]),
       rmean_se = unname(tab["se(rmean)"]), landmark_time = s$time, landmark_surv = s$surv,
       landmark_se = s$std.err, landmark_lower = s$lower, landmark_upper = s$upper,
       landmark_n_risk = s$n.risk)
}

trials <- list()
sorafenib <- list()
for (path in files) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  arms <- unique(d$arm)  # the first row's arm is the experimental arm (x = 1)
  d$x <- as.integer(d$arm == arms[1])
  per_arm <- lapply(arms, function(a) arm_summary(d[d$arm == a, ]))
  names(per_arm) <- arms
  cox <- list()
  for (ties in c("efron", "breslow")) {
    fit <- coxph(Surv(time, event) ~ x, data = d, ties = ties,
                 control = coxph.control(eps = 1e-11, iter.max = 100))
    ci <- summary(fit)$conf.int
    cox[[ties]] <- list(coef = unname(coef(fit)), se = unname(sqrt(vcov(fit)[1, 1])),
                        hr = unname(exp(coef(fit))), lower = ci[1, "lower .95"],
                        upper = ci[1, "upper .95"])
  }
  key <- basename(path)
  trials[[key]] <- list(experimental = arms[1], control = arms[2], arms = per_arm, cox = cox,
                        sha256 = strsplit(system2("sha256sum", path, stdout = TRUE), " ")[[1]][1])
  if ("sorafenib" %in% arms) {
    sorafenib[[sub("_.*", "", key)]] <- d[d$arm == "sorafenib", c("time", "event")]
  }
}

# --- sorafenib benchmark: random effects (REML) across the 13 sorafenib arms ---------------
pool <- function(yi, vi) {
  res <- rma(yi, vi, method = "REML", control = ctrl)
  pr <- predict(res)
  half_t <- if (res$k >= 3) qt(0.975, res$k - 2) * sqrt(res$tau2 + res$se^2) else NA
  list(k = res$k, estimate = as.numeric(res$b), se = res$se, ci_lb = res$ci.lb,
       ci_ub = res$ci.ub, pi_lb = pr$pi.lb, pi_ub = pr$pi.ub, tau2 = res$tau2, I2 = res$I2,
       pi_t_lb = as.numeric(res$b) - half_t, pi_t_ub = as.numeric(res$b) + half_t)
}
cloglog_at <- function(t) {  # each arm's S(t), SE of S, on log(-log S); NA beyond follow-up
  out <- t(sapply(sorafenib, function(d) {
    f <- survfit(Surv(time, event) ~ 1, data = d)
    if (t > max(d$time)) return(c(NA, NA))
    s <- summary(f, times = t)
    c(s$surv, s$std.err)
  }))
  ok <- !is.na(out[, 1]) & out[, 1] > 0 & out[, 1] < 1 & out[, 2] > 0
  list(yi = log(-log(out[ok, 1])), vi = (out[ok, 2] / (out[ok, 1] * log(out[ok, 1])))^2,
       arms = names(sorafenib)[ok])
}
bench <- list()
for (t in landmarks) {
  cl <- cloglog_at(t)
  bench[[paste0("S(", t, ")")]] <- c(pool(cl$yi, cl$vi), list(arms = cl$arms))
}
sa <- lapply(sorafenib, arm_summary)
full <- sapply(sa, function(a) a$follow_up >= tau)
bench[["RMST(24)"]] <- c(pool(sapply(sa[full], `[[`, "rmean"), sapply(sa[full], `[[`, "rmean_se")^2),
                         list(arms = names(sa)[full]))
z <- qnorm(0.975)
med_ok <- sapply(sa, function(a) !is.na(a$median_lower) && !is.na(a$median_upper))
bench[["median"]] <- c(pool(log(sapply(sa[med_ok], `[[`, "median")),
                            sapply(sa[med_ok], function(a)
                              ((log(a$median_upper) - log(a$median_lower)) / (2 * z))^2)),
                       list(arms = names(sa)[med_ok]))
cl17 <- cloglog_at(17)
bench[["S(17)"]] <- c(pool(cl17$yi, cl17$vi), list(arms = cl17$arms))

# survival scale at t when a followed arm has S = 1 (no event yet; meta/survival/curve.py):
# each arm's S with variance Sbar (1 - Sbar) / n_eff, n_eff = S (1 - S) / se^2 (0 < S < 1) or
# the number at risk (S = 1), Sbar = sum(n_eff S) / sum(n_eff)
boundary_at <- function(t) {
  out <- t(sapply(sorafenib, function(d) {
    f <- survfit(Surv(time, event) ~ 1, data = d)
    if (t > max(d$time)) return(c(NA, NA, NA))
    s <- summary(f, times = t, extend = TRUE)
    c(s$surv, s$std.err, s$n.risk)
  }))
  followed <- !is.na(out[, 1])
  top <- followed & out[, 1] == 1 & out[, 3] > 0
  inside <- followed & out[, 1] > 0 & out[, 1] < 1 & out[, 2] > 0
  ok <- top | inside
  n_eff <- ifelse(top, out[, 3], out[, 1] * (1 - out[, 1]) / out[, 2]^2)[ok]
  s <- out[ok, 1]
  sbar <- sum(n_eff * s) / sum(n_eff)
  list(any_top = any(followed & out[, 1] == 1), yi = s, vi = sbar * (1 - sbar) / n_eff,
       sbar = sbar)
}

# --- pooled curve: pointwise pooling on a 0.5-month grid, then isotonic (non-increasing) ---
follow <- sort(sapply(sorafenib, function(d) max(d$time)), decreasing = TRUE)
need <- max(2, ceiling(length(sorafenib) / 2))
grid <- seq(0, follow[need] + 1e-9, by = 0.5)
boundary <- rep(FALSE, length(grid))
raw <- matrix(NA, length(grid), 6, dimnames = list(NULL, c("est", "ci_lb", "ci_ub", "pi_lb",
                                                           "pi_ub", "k")))
for (i in seq_along(grid)) {
  t <- grid[i]
  if (t == 0) { raw[i, ] <- c(1, 1, 1, 1, 1, length(sorafenib)); next }
  if (sum(follow >= t) < need) next
  bd <- boundary_at(t)
  if (bd$any_top) {
    if (length(bd$yi) < 2) next
    boundary[i] <- TRUE
    if (bd$sbar == 1) { raw[i, ] <- c(1, 1, 1, 1, 1, length(bd$yi)); next }
    p <- pool(bd$yi, bd$vi)
    raw[i, ] <- c(pmin(pmax(c(p$estimate, p$ci_lb, p$ci_ub, p$pi_lb, p$pi_ub), 0), 1), p$k)
    next
  }
  cl <- cloglog_at(t)
  if (length(cl$yi) < 2) next
  p <- pool(cl$yi, cl$vi)
  b <- exp(-exp(c(p$estimate, p$ci_ub, p$ci_lb, p$pi_ub, p$pi_lb)))
  raw[i, ] <- c(b, p$k)
}
mono <- function(y) { ok <- !is.na(y); y[ok] <- -isoreg(-y[ok])$yf; y }
curve <- list(time = grid, k = raw[, "k"], boundary = boundary, raw = lapply(1:5, function(j) raw[, j]),
              monotone = lapply(1:5, function(j) mono(raw[, j])))
names(curve$raw) <- names(curve$monotone) <- colnames(raw)[1:5]

out <- list(
  script = "tests/reference/r/survival_ipd.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  metafor_version = as.character(packageVersion("metafor")),
  settings = list(survfit = "defaults: conf.type = 'log', conf.int = 0.95, Greenwood",
                  rmean = "summary(survfit, rmean = 24)$table", landmarks = landmarks,
                  cox = "coxph(Surv(time, event) ~ x), x = 1 for the first row's arm; eps 1e-11",
                  rma = "method REML, threshold 1e-12, tol 1e-13; predict() for the PI",
                  pi_t = "Higgins 2009 eq. 12: b +- qt(0.975, k - 2) sqrt(tau2 + se^2)",
                  landmark_scale = "cloglog: log(-log S), var = se^2 / (S log S)^2",
                  median_se = "(log UCL - log LCL) / (2 qnorm(0.975))",
                  curve = paste("0.5-month grid while >= max(2, ceiling(K/2)) arms are followed;",
                                "cloglog; where a followed arm has S = 1: S with variance",
                                "Sbar (1 - Sbar) / n_eff (n_eff = S(1-S)/se^2, n.risk at S = 1),",
                                "limits clipped to [0, 1]")),
  trials = trials, sorafenib_benchmark = bench, sorafenib_curve = curve)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE),
           "tests/reference/fixtures/survival_ipd.json")
