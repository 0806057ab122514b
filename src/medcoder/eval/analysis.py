"""Error analysis: what happened to each gold code, and which predictions were wrong.

Each gold code of a document is exactly one of:

- ``found``: a prediction found it (``metrics.judge``: exact, or by prefix for partial PCS codes);
- ``wrong_specificity``: not found, but an unmatched prediction of the same document has the
  same category (first three characters): the right condition at the wrong level of detail
  ("n28.1" coded, "n28.9" predicted) or a sibling code;
- ``missed``: nothing in its category was predicted.

Every prediction that found no gold code is a false positive; ``near`` ones share a category
with a gold code of the document that was not found, the others are unrelated to the gold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from medcoder.eval.codes import category
from medcoder.eval.metrics import Valid, clean, dedup, judge

FOUND = "found"
WRONG_SPECIFICITY = "wrong_specificity"
MISSED = "missed"


@dataclass(frozen=True)
class CodeOutcome:
    doc_id: str
    gold: str
    outcome: str  # found | wrong_specificity | missed
    predicted: str | None = None  # the prediction that found it, or the same-category one
    rank: int | None = None  # 1-based rank of that prediction among the cleaned predictions


@dataclass
class ErrorAnalysis:
    found: int = 0
    wrong_specificity: int = 0
    missed: int = 0
    false_positives: int = 0
    false_positives_near: int = 0
    top_missed: list[tuple[str, int]] = field(default_factory=list)
    top_wrong_specificity: list[tuple[str, str, int]] = field(default_factory=list)
    top_false_positives: list[tuple[str, int]] = field(default_factory=list)
    outcomes: list[CodeOutcome] = field(default_factory=list)

    @property
    def gold(self) -> int:
        return self.found + self.wrong_specificity + self.missed

    def to_dict(self, *, outcomes: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "gold": self.gold,
            "found": self.found,
            "wrong_specificity": self.wrong_specificity,
            "missed": self.missed,
            "false_positives": self.false_positives,
            "false_positives_near": self.false_positives_near,
            "top_missed": [{"code": c, "count": n} for c, n in self.top_missed],
            "top_wrong_specificity": [
                {"gold": g, "predicted": p, "count": n} for g, p, n in self.top_wrong_specificity
            ],
            "top_false_positives": [{"code": c, "count": n} for c, n in self.top_false_positives],
        }
        if outcomes:
            out["outcomes"] = [o.__dict__ for o in self.outcomes]
        return out


def analyse(
    preds: Mapping[str, Sequence[str]],
    gold: Mapping[str, Sequence[str]],
    *,
    valid: Valid | None = None,
    prefix_partial: bool = False,
    cutoff: int | None = None,
    top: int = 15,
) -> ErrorAnalysis:
    """Outcome of every gold code and the commonest errors; ``cutoff`` keeps the first k predictions."""
    result = ErrorAnalysis()
    missed: Counter[str] = Counter()
    wrong: Counter[tuple[str, str]] = Counter()
    false_pos: Counter[str] = Counter()
    for doc_id in sorted(set(preds) | set(gold)):
        ranked = clean(preds.get(doc_id, ()), valid)
        if cutoff is not None:
            ranked = ranked[:cutoff]
        gold_codes = dedup(gold.get(doc_id, ()))
        found = judge(ranked, gold_codes, prefix_partial=prefix_partial)
        found_by = {g: i for i, g in enumerate(found) if g is not None}
        unmatched = [(i, c) for i, (c, f) in enumerate(zip(ranked, found, strict=True)) if f is None]
        unfound_cats = {category(g) for g in gold_codes if g not in found_by}
        for g in gold_codes:
            if g in found_by:
                i = found_by[g]
                result.outcomes.append(CodeOutcome(doc_id, g, FOUND, ranked[i], i + 1))
                result.found += 1
                continue
            near = next(((i, c) for i, c in unmatched if category(c) == category(g)), None)
            if near is not None:
                result.outcomes.append(CodeOutcome(doc_id, g, WRONG_SPECIFICITY, near[1], near[0] + 1))
                result.wrong_specificity += 1
                wrong[(g, near[1])] += 1
            else:
                result.outcomes.append(CodeOutcome(doc_id, g, MISSED))
                result.missed += 1
                missed[g] += 1
        for _, c in unmatched:
            result.false_positives += 1
            false_pos[c] += 1
            if category(c) in unfound_cats:
                result.false_positives_near += 1
    result.top_missed = missed.most_common(top)
    result.top_wrong_specificity = [(g, p, n) for (g, p), n in wrong.most_common(top)]
    result.top_false_positives = false_pos.most_common(top)
    return result
