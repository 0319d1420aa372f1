"""Figures of the comparison report (matplotlib, vector SVG).

Every plot function takes a tidy frame, draws exactly what the frame holds (labels and values
come from the same frame) and returns the frame it drew, so tests check figures through frames.
One module per artefact: ``forest``, ``funnel``, ``bubble``, ``km``, ``km_benchmark`` (plot
functions, drawn in worker processes) and ``forest_frame``, ``km_frame`` (frame functions).

This package imports nothing itself: the main process of ``hccmeta report`` builds frames from
``forest_frame``/``km_frame`` and must not pay for importing matplotlib (~0.35 s), which only the
figure workers need.
"""
