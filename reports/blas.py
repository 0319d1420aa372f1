"""One BLAS thread per process.

hccmeta's linear algebra is many small products (k studies x a few coefficients, batched over
thousands of simulated data sets), where OpenBLAS's threads cost more than they give: the
bundled report's comparisons took 3.2–3.9 s with one BLAS thread against 4.3–4.9 s with the
default (one per core), measured on 2 cores; the build's worker processes then also do not
compete with each other's BLAS threads. The variables must be set before NumPy is imported;
a value the user set is kept.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """Ask the BLAS libraries for one thread, unless the environment already says otherwise
    (call before NumPy is imported; it has no effect afterwards)."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
