"""Notes carry a warning class (meta.errors.Note) and print exactly as the text they were."""

from __future__ import annotations

import pickle
import warnings

from meta.effects import median_survival, proportions, ratios
from meta.errors import (
    ApproximationWarning,
    ContinuityCorrectionWarning,
    ConvergenceWarning,
    MetaWarning,
    NotComputedWarning,
    Note,
)
from meta.glmm import glmm_proportion
from meta.sensitivity import cumulative


def test_continuity_correction_note_is_text_and_typed():
    tab = proportions([0, 5], [20, 20], "PLO", study=["a", "b"])
    note = tab.notes[0]
    assert note == "continuity correction: 0.5 added to events and non-events (0/20 -> 0.5/21)"
    assert isinstance(note, Note) and note.category is ContinuityCorrectionWarning
    assert tab.notes[1] == "" and not isinstance(tab.notes[1], Note)
    (w,) = tab.warnings
    assert isinstance(w, ContinuityCorrectionWarning) and str(w) == f"a: {note}"
    assert list(tab.to_frame()["note"]) == list(tab.notes)  # the printed column is unchanged


def test_uncorrected_zero_cell_is_a_continuity_warning():
    tab = proportions([0, 5], [20, 20], "PLO", study=["a", "b"], add=0)
    assert tab.notes[0].category is ContinuityCorrectionWarning  # type: ignore[attr-defined]


def test_approximations_are_typed():
    r = ratios([0.5, 0.7], [0.2, None], [0.9, None], pval=[None, 0.04], study=["a", "b"])
    assert [type(w) for w in r.warnings] == [ApproximationWarning, ApproximationWarning]
    m = median_survival([10.0], [None], [None], events=[40], study=["x"])
    assert isinstance(m.warnings[0], ApproximationWarning)
    assert "exponential" in str(m.warnings[0])


def test_cumulative_failures_are_not_computed_warnings():
    frame = cumulative([0.1, 0.3, 0.2], [0.01, 0.02, 0.03], test="knha")
    note = frame["note"].iloc[0]
    assert note and note.category is NotComputedWarning
    assert frame["note"].iloc[1] == ""


def test_glmm_boundary_message_is_a_convergence_note():
    res = glmm_proportion([10, 10, 10, 10], [50, 50, 50, 50])
    assert "tau2 at the boundary 0" in res.message
    assert res.message.category is ConvergenceWarning  # type: ignore[attr-defined]


def test_a_note_escalates_and_pickles():
    note = Note("tau2 at the boundary 0", ConvergenceWarning)
    assert pickle.loads(pickle.dumps(note)).category is ConvergenceWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(note.warning(), stacklevel=1)
    assert caught[0].category is ConvergenceWarning
    assert issubclass(caught[0].category, MetaWarning)
