"""Evaluation on coded corpora (CodiEsp), with the challenge's own metrics and error analysis.

    load_split(data_dir, split, lang="en") -> list[Doc]
    evaluate(docs, predict, ...) -> Report            predict(doc) -> (diagnoses, procedures)
    score_predictions(docs, preds_d, preds_p) -> Report
    write_predictions(outdir, preds_d, preds_p) / read_predictions(path)
    default_predictor(site_model=None)                medcoder's coder in mentions mode

See ``medcoder.eval.metrics`` for the exact definitions. Nothing is imported here until used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.eval.codiesp import (
        Doc,
        Report,
        default_predictor,
        evaluate,
        load_split,
        read_predictions,
        score_predictions,
        write_predictions,
    )

__all__ = [
    "Doc",
    "Report",
    "default_predictor",
    "evaluate",
    "load_split",
    "read_predictions",
    "score_predictions",
    "write_predictions",
]
_NAMES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'medcoder.eval' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module("medcoder.eval.codiesp"), name)
    globals()[name] = value
    return value
