"""Predictors built from a site model alone, for measurement: how much can learning add?

``site_model_predictor`` finds the learned phrases in a document and ranks their codes: a code
found by several phrases scores ``1 - prod(1 - confidence)`` (noisy-or over its distinct
phrases; ``LearnedPhrase.confidence`` shrinks rare phrases), ties broken by the prior.
``priors_predictor`` ranks the same most frequent codes for every document: the floor any
predictor should beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from medcoder.eval.codes import CM, PCS
from medcoder.learn.model import SiteModel

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.eval.codiesp import Doc, Predictor


def rank_codes(model: SiteModel, text: str, *, longest: bool = False) -> dict[str, list[str]]:
    """``{system: codes best first}`` for the learned phrases found in ``text``."""
    best: dict[str, dict[str, float]] = {}  # code -> phrase -> confidence
    systems: dict[str, str] = {}
    for hit in model.match(text, longest=longest):
        p = hit.phrase
        systems[p.code] = p.system
        per = best.setdefault(p.code, {})
        per[p.phrase] = max(per.get(p.phrase, 0.0), p.confidence)
    scored: list[tuple[float, float, str]] = []
    for code, per in best.items():
        miss = 1.0
        for conf in per.values():
            miss *= 1.0 - conf
        scored.append((1.0 - miss, model.priors.get(code, 0.0), code))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    out: dict[str, list[str]] = {CM: [], PCS: []}
    for _, _, code in scored:
        out[systems[code]].append(code)
    return out


def site_model_predictor(
    model: SiteModel, *, longest: bool = False, fill_with_priors: int = 0
) -> Predictor:
    """Doc -> (diagnoses, procedures) from the learned phrases alone.

    ``fill_with_priors`` appends up to that many of the most frequent codes not already
    predicted (raises MAP, which never penalises a longer list, and lowers precision).
    """
    fill = _top_priors(model, fill_with_priors)

    def predict(doc: Doc) -> tuple[list[str], list[str]]:
        ranked = rank_codes(model, doc.text, longest=longest)
        d, p = ranked[CM], ranked[PCS]
        return _filled(d, fill[CM]), _filled(p, fill[PCS])

    return predict


def priors_predictor(model: SiteModel, n: int = 30) -> Predictor:
    """The same ``n`` most frequent codes of each system for every document."""
    top = _top_priors(model, n)

    def predict(doc: Doc) -> tuple[list[str], list[str]]:
        return list(top[CM]), list(top[PCS])

    return predict


def _top_priors(model: SiteModel, n: int) -> dict[str, list[str]]:
    from medcoder.eval.codes import infer_system

    out: dict[str, list[str]] = {CM: [], PCS: []}
    if n <= 0:
        return out
    for code, _ in sorted(model.priors.items(), key=lambda kv: (-kv[1], kv[0])):
        bucket = out[infer_system(code)]
        if len(bucket) < n:
            bucket.append(code)
    return out


def _filled(ranked: list[str], fill: Sequence[str]) -> list[str]:
    if not fill:
        return ranked
    have = set(ranked)
    return ranked + [c for c in fill if c not in have]
