"""Figures of the comparison report (matplotlib, vector SVG).

Every plot function takes a tidy frame, draws exactly what the frame holds (labels and values
come from the same frame) and returns the frame it drew, so tests check figures through frames.
"""

from reports.figures.bubble import plot_bubble
from reports.figures.forest import plot_forest
from reports.figures.funnel import plot_funnel
from reports.figures.km import plot_km

__all__ = ["plot_bubble", "plot_forest", "plot_funnel", "plot_km"]
