# Reference logit, Agresti-Coull and Jeffreys CIs of a proportion for
# extraction/audit/proportions.py (base R only: the binom package is not installed).
# Run from the repository root: Rscript tests/reference/r/audit_proportion_ci_more.R
#   logit:         plogis(qlogis(p) -/+ z / sqrt(n p (1 - p)))  (Brown, Cai & DasGupta 2001, 4.2.2)
#   Agresti-Coull: n~ = n + z^2, p~ = (x + z^2/2) / n~, p~ -/+ z sqrt(p~ (1 - p~) / n~), clipped
#                  to [0, 1]  (Agresti & Coull 1998)
#   Jeffreys:      qbeta(c(a/2, 1 - a/2), x + 0.5, n - x + 0.5), lower 0 if x = 0, upper 1 if
#                  x = n  (Brown, Cai & DasGupta 2001, 4.1.2)
suppressPackageStartupMessages(library(jsonlite))
cases <- data.frame(x = c(0, 1, 5, 30, 30, 81, 89, 50, 12, 60, 3, 7),
                    n = c(20, 8, 50, 100, 100, 108, 326, 50, 25, 120, 7, 7),
                    level = c(95, 95, 95, 95, 90, 95, 95, 95, 99, 95, 95, 95))
rows <- lapply(seq_len(nrow(cases)), function(i) {
  x <- cases$x[i]; n <- cases$n[i]; lv <- cases$level[i] / 100
  z <- qnorm(1 - (1 - lv) / 2)
  p <- x / n
  logit <- if (x > 0 && x < n) plogis(qlogis(p) + c(-1, 1) * z / sqrt(n * p * (1 - p))) else NULL
  nt <- n + z^2
  pt <- (x + z^2 / 2) / nt
  ac <- pmin(1, pmax(0, pt + c(-1, 1) * z * sqrt(pt * (1 - pt) / nt)))
  jf <- qbeta(c((1 - lv) / 2, 1 - (1 - lv) / 2), x + 0.5, n - x + 0.5)
  if (x == 0) jf[1] <- 0
  if (x == n) jf[2] <- 1
  list(x = x, n = n, level = cases$level[i], logit = logit, agresti_coull = ac, jeffreys = jf)
})
out <- list(script = "tests/reference/r/audit_proportion_ci_more.R", r_version = R.version.string,
            settings = paste("base R stats: qnorm, plogis/qlogis, qbeta; logit is null for 0 or n",
                             "events (undefined)"),
            cases = rows)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null"),
           "tests/reference/fixtures/audit_proportion_ci_more.json")
