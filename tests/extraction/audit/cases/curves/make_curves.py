"""Regenerate the synthetic digitized curves of curve2020.yaml (run once; outputs committed).

Two simulated exponential arms of 60 patients (seed 2020): arm a scale 18 months, arm b 10.
Each curve is the exact KM path (every corner), rounded to 4 decimals, as a clean digitization.
Prints the numbers that curve2020.yaml reports (median, events, risk table, Cox HR with CI).
"""

from pathlib import Path

import numpy as np

from extraction.km.diagnostics import km_step
from extraction.km.simulate import digitize_clean, risk_table, simulate_arm

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(2020)
arms = {"a": simulate_arm(rng, 60, scale=18.0), "b": simulate_arm(rng, 60, scale=10.0)}
for name, (time, event) in arms.items():
    px, py = digitize_clean(time, event)
    lines = ["time,survival"] + [f"{t:.4f},{s:.4f}" for t, s in zip(px, py, strict=True)]
    (HERE / "km" / f"curve2020_os_{name}.csv").write_text("\n".join(lines) + "\n")
    grid, n_risk = risk_table(time, 6.0, 36.0)
    if name == "b":
        rows = ["time,n_risk"] + [f"{t:g},{int(n)}" for t, n in zip(grid, n_risk, strict=True)]
        (HERE / "km" / "curve2020_os_b_risk.csv").write_text("\n".join(rows) + "\n")
    print(name, "median", km_step(time, event).median(), "events", int(event.sum()),
          "risk", list(zip(grid.tolist(), n_risk.astype(int).tolist(), strict=True)))

# The same simulated patients, for the R reference of the Cox HR (tests/reference/r/audit_cox.R)
ipd = ["time,event,group"] + [f"{t:.6f},{e},{1 if name == 'a' else 0}"
                              for name, (time, event) in arms.items()
                              for t, e in zip(time, event, strict=True)]
(HERE.parents[2] / "reference" / "fixtures" / "audit_cox_ipd.csv").write_text("\n".join(ipd) + "\n")
