# Robustness reference for the tau² estimators: simulated data sets, every estimator, from R
# metafor rma() with tight convergence (threshold 1e-12, tol 1e-12, maxiter 10000).
#
# Run from the repository root:
#   Rscript tests/reference/r/metafor_rma_simulated.R
# writes tests/reference/fixtures/metafor_rma_simulated.json.
#
# 30 data sets (set.seed(20261126)): k drawn from {3, 4, 5, 8, 12, 20, 40}, vi ~ U(0.005, 0.8),
# true tau² from {0, 0.01, 0.05, 0.2, 1}, yi ~ N(0.2, vi + tau²). The data are written into the
# JSON, so the Python test never depends on R's random number generator.

suppressMessages(library(metafor))
suppressMessages(library(jsonlite))

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
methods <- c("FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE")
set.seed(20261126)
sets <- list()
cases <- list()
for (i in 1:30) {
  k <- sample(c(3, 4, 5, 8, 12, 20, 40), 1)
  tau2 <- sample(c(0, 0.01, 0.05, 0.2, 1), 1)
  vi <- runif(k, 0.005, 0.8)
  yi <- rnorm(k, 0.2, sqrt(vi + tau2))
  name <- sprintf("sim%02d", i)
  sets[[name]] <- list(yi = yi, vi = vi, true_tau2 = tau2)
  for (method in methods) {
    fit <- rma(yi, vi, method = method, control = ctrl)
    case <- list(id = paste(name, method, sep = "/"), data = name, method = method,
                 k = k, beta = as.numeric(fit$beta), se = fit$se, tau2 = fit$tau2,
                 I2 = fit$I2, H2 = fit$H2, QE = fit$QE)
    if (method != "FE") {
      ci <- confint(fit, type = "QP",
                    control = list(tol = 1e-12, maxiter = 10000, tau2.max = 1e7))$random
      case$tau2_lb <- ci["tau^2", "ci.lb"]
      case$tau2_ub <- ci["tau^2", "ci.ub"]
    }
    cases[[length(cases) + 1]] <- case
  }
}
res <- list(
  script = "tests/reference/r/metafor_rma_simulated.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  packages = list(metafor = as.character(packageVersion("metafor")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  settings = list(control = ctrl, seed = 20261126, level = 95),
  datasets = sets,
  cases = cases
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           "tests/reference/fixtures/metafor_rma_simulated.json")
cat("wrote", length(cases), "cases\n")
