# Reference CIs of a proportion for extraction/audit/proportions.py.
# Run from the repository root: Rscript tests/reference/r/audit_proportion_ci.R
suppressPackageStartupMessages(library(jsonlite))
cases <- data.frame(x = c(0, 1, 5, 30, 30, 81, 89, 50, 12, 60),
                    n = c(20, 8, 50, 100, 100, 108, 326, 50, 25, 120),
                    level = c(95, 95, 95, 95, 90, 95, 95, 95, 99, 95))
rows <- lapply(seq_len(nrow(cases)), function(i) {
  x <- cases$x[i]; n <- cases$n[i]; lv <- cases$level[i] / 100
  cp <- binom.test(x, n, conf.level = lv)$conf.int
  w <- suppressWarnings(prop.test(x, n, conf.level = lv, correct = FALSE))$conf.int
  wc <- suppressWarnings(prop.test(x, n, conf.level = lv, correct = TRUE))$conf.int
  list(x = x, n = n, level = cases$level[i], clopper_pearson = as.numeric(cp),
       wilson = as.numeric(w), wilson_cc = as.numeric(wc))
})
out <- list(script = "tests/reference/r/audit_proportion_ci.R", r_version = R.version.string,
            settings = "binom.test(x, n)$conf.int; prop.test(x, n, correct = FALSE/TRUE)$conf.int (stats package)",
            cases = rows)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/fixtures/audit_proportion_ci.json")
