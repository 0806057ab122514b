"""The CodiEsp metrics, computed as the challenge's own scripts compute them.

Official definitions (TeMU-BSC/codiesp-evaluation-script: ``codiespD_P_evaluation.py`` for MAP,
which calls trectools 0.0.42 ``TrecEval.get_map(trec_eval=False)``; ``comp_f1_diag_proc.py`` for
precision, recall and F1):

- Codes are compared lower-case. Gold codes repeated in a document count once.
- Predictions are filtered to the valid codes of the sub-task, then duplicates in a document are
  dropped keeping the first; the filtered codes leave no gap in the ranking.
- Average precision of a document: the sum, over the ranks k (1..1000) that hold a gold code, of
  (gold codes found in the first k) / k, divided by the number of distinct gold codes of the
  document.
- MAP: the sum of the documents' average precisions divided by the number of documents that
  have at least one valid prediction. A document with no prediction is left out of the mean;
  a document with predictions and no gold counts with 0. (trectools changed this denominator in
  2021; the challenge used 0.0.42.) ``map_all_docs`` is the stricter companion we also report:
  the mean over every document that has gold codes, 0 for those without predictions.
- Micro precision = true positives / predicted codes (after the filter, deduplicated, every
  document); recall = true positives / gold codes; F1 their harmonic mean (0 when both are 0).
- Category level: the same after cutting every code to its first three characters and
  deduplicating (keeping the first rank).

Our addition for procedures (``prefix_partial``): CodiEsp's gold has partial PCS codes cut after
the fourth character ("bn20") where the annotators could not tell the rest. The official script
counts them only when a system predicts the same four characters. With ``prefix_partial`` a
predicted complete code also finds a partial gold code that is a prefix of it, one to one in rank
order: each prediction is judged once, first against an exact gold code, then against the
partial gold code of its first four characters, if that one is still unfound. A second complete
code with the same prefix finds nothing and counts as a false positive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from medcoder.eval.codes import category

MAP_DEPTH = 1000

Valid = Callable[[str], bool]


def dedup(codes: Iterable[str]) -> list[str]:
    """Lower-case, keep the first of each code, in order."""
    seen: set[str] = set()
    out: list[str] = []
    for code in codes:
        c = code.strip().lower()
        if c and c not in seen:
            seen.add(c)
            out.append(c)
    return out


def clean(ranked: Iterable[str], valid: Valid | None = None) -> list[str]:
    """What the official scripts score: lower-case, deduplicated, valid codes only, in order."""
    codes = dedup(ranked)
    return [c for c in codes if valid(c)] if valid else codes


def judge(ranked: Sequence[str], gold: Iterable[str], *, prefix_partial: bool = False) -> list[str | None]:
    """For each prediction, the gold code it finds (or None), one to one in rank order.

    ``ranked`` is cleaned (lower-case, deduplicated); see the module docstring for the prefix rule.
    """
    unfound = set(dedup(gold))
    out: list[str | None] = []
    for code in ranked:
        if code in unfound:
            unfound.discard(code)
            out.append(code)
        elif prefix_partial and len(code) == 7 and code[:4] in unfound:
            unfound.discard(code[:4])
            out.append(code[:4])
        else:
            out.append(None)
    return out


def average_precision(found: Sequence[str | None], n_gold: int, depth: int = MAP_DEPTH) -> float:
    """Average precision of one ranked list; ``found`` from ``judge``, ``n_gold`` distinct gold."""
    if n_gold == 0:
        return 0.0
    hits = 0
    total = 0.0
    for k, hit in enumerate(found[:depth], start=1):
        if hit is not None:
            hits += 1
            total += hits / k
    return total / n_gold


@dataclass(frozen=True)
class Scores:
    """One code level (codes or categories) of one sub-task."""

    map: float  # official: mean over documents with a valid prediction (0 when there are none)
    map_all_docs: float  # mean over every document with gold, 0 for those without predictions
    precision: float
    recall: float
    f1: float
    tp: int
    predicted: int
    gold: int
    docs_ranked: int  # documents with at least one valid prediction (the MAP denominator)
    docs_gold: int  # documents with at least one gold code

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def score(
    preds: Mapping[str, Sequence[str]],
    gold: Mapping[str, Sequence[str]],
    *,
    valid: Valid | None = None,
    prefix_partial: bool = False,
    categories: bool = False,
    depth: int = MAP_DEPTH,
) -> Scores:
    """MAP, micro P/R/F1 of ``preds`` (document id -> ranked codes) against ``gold``.

    Documents are those of ``preds`` and ``gold`` together; a document missing from ``preds``
    has no prediction, one missing from ``gold`` has no gold code.
    """
    ap_sum = 0.0
    tp = predicted = n_gold_total = docs_ranked = docs_gold = 0
    for doc_id in sorted(set(preds) | set(gold)):
        ranked = clean(preds.get(doc_id, ()), valid)
        gold_codes = dedup(gold.get(doc_id, ()))
        if categories:
            ranked = dedup(category(c) for c in ranked)
            gold_codes = dedup(category(c) for c in gold_codes)
        found = judge(ranked, gold_codes, prefix_partial=prefix_partial and not categories)
        ap = average_precision(found, len(gold_codes), depth)
        if ranked:
            docs_ranked += 1
        if gold_codes:
            docs_gold += 1
        ap_sum += ap
        tp += sum(1 for f in found if f is not None)
        predicted += len(ranked)
        n_gold_total += len(gold_codes)
    precision = tp / predicted if predicted else 0.0
    recall = tp / n_gold_total if n_gold_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # ap_sum only gains from documents that have both predictions and gold
    return Scores(
        map=ap_sum / docs_ranked if docs_ranked else 0.0,
        map_all_docs=ap_sum / docs_gold if docs_gold else 0.0,
        precision=precision,
        recall=recall,
        f1=f1,
        tp=tp,
        predicted=predicted,
        gold=n_gold_total,
        docs_ranked=docs_ranked,
        docs_gold=docs_gold,
    )
