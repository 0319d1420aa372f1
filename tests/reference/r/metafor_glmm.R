# Reference values for meta/glmm.py: binomial-normal random-intercept model for proportions.
# Run from the repository root:  Rscript tests/reference/r/metafor_glmm.R
# Writes tests/reference/fixtures/metafor_glmm.json. Tests never need R.
suppressMessages({library(metafor); library(lme4)})
library(jsonlite)

sets <- list(
  hetero_zero_all = list(xi = c(0, 1, 5, 12, 30, 20, 7, 3), ni = c(15, 20, 40, 25, 30, 100, 7, 60)),
  k2 = list(xi = c(12, 30), ni = c(40, 60)),
  tau2_zero = list(xi = c(10, 11, 9, 10, 12), ni = c(50, 52, 49, 51, 50)),
  orr_like = list(xi = c(15, 22, 9, 30, 12, 40), ni = c(80, 100, 60, 120, 70, 110))
)
ctrl <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5))
res <- list()
for (nm in names(sets)) {
  s <- sets[[nm]]
  d <- data.frame(xi = s$xi, ni = s$ni, study = factor(seq_along(s$xi)))
  one <- list(xi = s$xi, ni = s$ni)
  for (q in c(1, 7, 15)) {
    g <- glmer(cbind(xi, ni - xi) ~ 1 + (1 | study), data = d, family = binomial, nAGQ = q,
               control = ctrl)
    one[[paste0("glmer_nAGQ", q)]] <- list(
      beta = unname(fixef(g)), se = unname(sqrt(diag(vcov(g)))),  # use.hessian = TRUE default
      tau2 = unname(VarCorr(g)$study[1]), loglik = as.numeric(logLik(g)))
  }
  r <- rma.glmm(measure = "PLO", xi = s$xi, ni = s$ni)  # metafor defaults (nAGQ = 7), test = "z"
  one$rma_glmm <- list(beta = as.numeric(r$beta), se = r$se, ci_lb = r$ci.lb, ci_ub = r$ci.ub,
                       zval = r$zval, pval = r$pval, tau2 = r$tau2, I2 = r$I2, H2 = r$H2,
                       pred = with(predict(r, transf = transf.ilogit), c(pred, ci.lb, ci.ub)))
  res[[nm]] <- one
}
out <- list(
  script = "tests/reference/r/metafor_glmm.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  lme4_version = as.character(packageVersion("lme4")),
  settings = list(glmer = "cbind(xi, ni-xi) ~ 1 + (1|study), binomial, bobyqa rhoend=1e-12",
                  rma_glmm = "measure='PLO', defaults (model via glmer, nAGQ=7)"),
  sets = res)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/fixtures/metafor_glmm.json")
