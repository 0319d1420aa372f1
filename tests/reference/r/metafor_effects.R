# Reference values for meta/effects.py and meta/transforms.py (escalc + transf.* of metafor).
# Run from the repository root:  Rscript tests/reference/r/metafor_effects.R
# Writes tests/reference/fixtures/metafor_effects.json. Tests never need R.
suppressMessages(library(metafor))
library(jsonlite)

# Proportion grid: zero-event, all-event, small and large n, k = 2 case included.
xi <- c(0, 1, 5, 12, 30, 20, 0, 7, 49, 3)
ni <- c(15, 20, 40, 25, 30, 100, 1, 7, 50, 60)
props <- list()
for (m in c("PLO", "PFT", "PAS", "PR")) {
  es <- escalc(measure = m, xi = xi, ni = ni)  # defaults add=1/2, to="only0"
  props[[m]] <- list(yi = as.numeric(es$yi), vi = as.numeric(es$vi))
}
es_all <- escalc(measure = "PLO", xi = xi, ni = ni, to = "all")
es_if0 <- escalc(measure = "PLO", xi = xi[2:5], ni = ni[2:5], to = "if0all")
es_none <- escalc(measure = "PR", xi = xi[2:4], ni = ni[2:4], to = "none")

# Back-transforms on a grid of values (estimate, CI, PI all go through the same function).
t_logit <- c(-8, -3, -1.2, 0, 0.4, 2.5, 8)
t_pft <- c(-0.2, 0, 0.05, 0.2, 0.5, 0.785, 1.2, 1.5, 1.6)
n_hm <- c(15, 20, 40, 25, 30, 100)
t_pas <- c(-0.1, 0, 0.3, 0.785, 1.5, 1.7)
# Ratios and medians: metafor 3.8 has no conv.wald, so the reference is the textbook formula in
# base R (log scale, SE = width / (2 qnorm(1 - alpha/2)); from p: SE = |log est| / qnorm(1 - p/2)).
hr <- c(0.70, 1.30, 0.55, 2.10); hr_lo <- c(0.50, 1.00, 0.31, 1.20); hr_hi <- c(0.98, 1.69, 0.97, 3.70)
hr_se95 <- (log(hr_hi) - log(hr_lo)) / (2 * qnorm(0.975))
hr_se90 <- (log(hr_hi) - log(hr_lo)) / (2 * qnorm(0.95))
hr_p <- c(0.04, 0.3, 0.001, 0.5)
hr_sep <- abs(log(hr)) / qnorm(1 - hr_p / 2)
med <- c(10.2, 7.5, 15.0); med_lo <- c(8.1, 5.9, 11.2); med_hi <- c(13.0, 9.8, 20.3)
med_se <- (log(med_hi) - log(med_lo)) / (2 * qnorm(0.975))
# Log-scale asymmetry of a median CI (fraction of its width); 3.7 [3.1, 3.7] is the sorafenib
# PFS of studies/qin2025_cares310.yaml (median equal to the upper bound).
med_a <- c(3.7, 10.2, 6.0); med_a_lo <- c(3.1, 8.1, 4.0); med_a_hi <- c(3.7, 13.0, 12.0)
med_asym <- abs((log(med_a_hi) - log(med_a)) - (log(med_a) - log(med_a_lo))) /
  (log(med_a_hi) - log(med_a_lo))
# Median without a CI, from d events: var(log KM median) = 1 / (d log(2)^2) (asymptotic variance
# of the KM median under exponential survival; see meta/effects.py median_survival).
med_d <- c(64, 30, 120, 7)
med_d_se <- sqrt(1 / (med_d * log(2)^2))
out <- list(
  script = "tests/reference/r/metafor_effects.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  settings = list(escalc = "defaults add=1/2, to='only0' unless stated"),
  xi = xi, ni = ni, proportions = props,
  plo_to_all = list(yi = as.numeric(es_all$yi), vi = as.numeric(es_all$vi)),
  plo_if0all_subset = list(idx = 2:5, yi = as.numeric(es_if0$yi), vi = as.numeric(es_if0$vi)),
  pr_none_subset = list(idx = 2:4, yi = as.numeric(es_none$yi), vi = as.numeric(es_none$vi)),
  ilogit = list(x = t_logit, y = transf.ilogit(t_logit)),
  ipft_hm = list(x = t_pft, ni = n_hm, y = transf.ipft.hm(t_pft, targs = list(ni = n_hm))),
  ipft_n = list(x = t_pft, n = 12, y = transf.ipft(t_pft, 12)),
  iarcsin = list(x = t_pas, y = transf.iarcsin(t_pas)),
  ratio = list(est = hr, lower = hr_lo, upper = hr_hi, yi = log(hr), sei95 = hr_se95,
               sei90 = hr_se90, pval = hr_p, sei_from_p = hr_sep),
  median = list(est = med, lower = med_lo, upper = med_hi, yi = log(med), sei = med_se),
  median_asymmetry = list(est = med_a, lower = med_a_lo, upper = med_a_hi, asym = med_asym,
                          sei = (log(med_a_hi) - log(med_a_lo)) / (2 * qnorm(0.975))),
  median_events = list(events = med_d, sei = med_d_se,
                       formula = "sqrt(1 / (d * log(2)^2))"),
  pft_fwd = list(p = c(0, 0.25, 1), n = 12, y = transf.pft(c(0, 0.25, 1), 12))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/fixtures/metafor_effects.json")
