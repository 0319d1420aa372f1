# Two-arm survival data sets of R's survival package, exported for
# benchmarks/bench_km_real_ipd.py (real patient-level data for reconstruction round trips).
# Run: Rscript export_r_survival.R   (writes <name>.csv: time (months), event (1/0), arm (0/1))
# Times in days are divided by 30.4375 (months); mgus2 and retinopathy are already in months;
# aml is in weeks (x 7 / 30.4375).
library(survival)
d2m <- function(x) x / 30.4375
out <- function(name, time, event, arm) {
  keep <- !is.na(time) & !is.na(event) & !is.na(arm) & time > 0
  df <- data.frame(time = signif(time[keep], 8), event = as.integer(event[keep]),
                   arm = as.integer(arm[keep]))
  write.csv(df, paste0(name, ".csv"), row.names = FALSE, quote = FALSE)
}
out("lung", d2m(lung$time), lung$status == 2, lung$sex - 1L)
out("veteran", d2m(veteran$time), veteran$status, veteran$trt - 1L)
cd <- colon[colon$etype == 2 & colon$rx != "Lev", ]
out("colon", d2m(cd$time), cd$status, as.integer(cd$rx == "Lev+5FU"))
pb <- pbc[!is.na(pbc$trt), ]
out("pbc", d2m(pb$time), pb$status == 2, pb$trt - 1L)
out("gbsg", d2m(gbsg$rfstime), gbsg$status, gbsg$hormon)
out("rotterdam", d2m(rotterdam$dtime), rotterdam$death, rotterdam$chemo)
out("mgus2", mgus2$futime, mgus2$death, as.integer(mgus2$sex == "M"))
out("ovarian", d2m(ovarian$futime), ovarian$fustat, ovarian$rx - 1L)
out("aml", aml$time * 7 / 30.4375, aml$status, as.integer(aml$x == "Nonmaintained"))
out("retinopathy", retinopathy$futime, retinopathy$status, retinopathy$trt)
writeLines(c(paste("R", R.version$major, R.version$minor), paste("survival", packageVersion("survival"))),
           "VERSIONS.txt")
