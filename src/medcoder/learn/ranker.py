"""The learned ranker: how likely this site's coders are to report a suggested code.

The coder's hand-set confidence (``coders.diagnosis.engine``) says how well a code fits the
words of the note. A site's coded documents also say *which* of those suggestions its coders
actually report: the ranker is a logistic regression, learned at ``medcoder learn`` time, over
what the coder knows of each suggestion:

    src=<source>       where the term came from (lexicon, index, see, neoplasm, title,
                       inclusion, learned, rule)
    conf               the coder's own confidence
    learned, support   the best learned phrase's precision and log(1 + documents)
    agree              the coder's dictionary and a learned phrase found the same code
    prior, log_prior   share of the site's documents reporting the code
    mentions, spread, words, missing
    chap=<letter>      the ICD-10-CM chapter letter
    negated, uncertain, historical, family, hypothetical
    section=<kind>     final diagnoses, other named section, none
    position           where the first mention is (0 = start of the note, 1 = end)

Training pairs come from coding documents the site model did *not* learn from: the documents
are split into folds, a site model is learned from the other folds, the held-out fold is
coded with it, and each suggestion is labelled by whether the coders reported that code
(``fit_crossed``). The weights are saved inside the site model (``model.json``) with how they
were trained; scoring needs no library (a dot product and a sigmoid).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FINAL = frozenset(["discharge_diagnoses", "diagnoses", "assessment", "assessment_plan", "impression"])
MIN_SAMPLES = 50


def features(c: Any, *, prior: float, text_len: int) -> dict[str, float]:
    """The ranker's view of one coder candidate (``rules.Candidate``)."""
    f: dict[str, float] = {
        f"src={c.source}": 1.0,
        "conf": float(c.base_confidence or c.confidence),
        "learned": float(c.learned),
        "support": math.log1p(c.learned_support),
        "agree": 1.0 if c.learned > 0 and c.source != "learned" else 0.0,
        "prior": min(float(prior), 1.0),
        "log_prior": math.log(prior + 1e-3),
        "mentions": float(min(c.mentions, 4)),
        "spread": float(min(c.spread, 4)),
        "words": float(min(c.words, 5)),
        "missing": float(len(c.missing)),
        f"chap={c.code[:1]}": 1.0,
        "position": c.position / text_len if text_len else 0.0,
    }
    ctx = c.context
    for flag in ("negated", "uncertain", "historical", "family", "hypothetical"):
        if getattr(ctx, flag, False):
            f[flag] = 1.0
    section = c.section or ""
    f["section=" + ("final" if section in FINAL else "named" if section else "none")] = 1.0
    return f


@dataclass
class Ranker:
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict)

    def score(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return _sigmoid(z)

    def to_dict(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": self.weights, "provenance": self.provenance}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ranker:
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            provenance=dict(data.get("provenance", {})),
        )


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def fit(
    samples: Sequence[tuple[dict[str, float], int]],
    *,
    epochs: int = 40,
    rate: float = 0.3,
    l2: float = 1e-4,
    seed: int = 0,
) -> Ranker | None:
    """L2-regularised logistic regression by AdaGrad over the samples (deterministic: ``seed``).

    None when there is too little to learn from (fewer than ``MIN_SAMPLES`` pairs, or one
    label only): the coder then keeps its own confidence.
    """
    labels = {y for _, y in samples}
    if len(samples) < MIN_SAMPLES or labels != {0, 1}:
        return None
    # standardise the continuous features so one rate suits them all
    keys = sorted({k for f, _ in samples for k in f})
    mean = {k: sum(f.get(k, 0.0) for f, _ in samples) / len(samples) for k in keys}
    var = {k: sum((f.get(k, 0.0) - mean[k]) ** 2 for f, _ in samples) / len(samples) for k in keys}
    scale = {k: 1.0 / math.sqrt(v) if v > 1e-12 else 0.0 for k, v in var.items()}
    rows = [({k: (v - mean[k]) * scale[k] for k, v in f.items()}, y) for f, y in samples]
    # a feature absent from a row is 0 before standardising: centre it as well
    absent = {k: -mean[k] * scale[k] for k in keys}
    w = dict.fromkeys(keys, 0.0)
    g2 = dict.fromkeys(keys, 1e-8)
    b, gb = 0.0, 1e-8
    order = list(range(len(rows)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            x, y = rows[i]
            full = {k: x.get(k, absent[k]) for k in keys}
            z = b + sum(w[k] * v for k, v in full.items())
            err = _sigmoid(z) - y
            for k, v in full.items():
                grad = err * v + l2 * w[k]
                g2[k] += grad * grad
                w[k] -= rate * grad / math.sqrt(g2[k])
            gb += err * err
            b -= rate * err / math.sqrt(gb)
    # fold the standardisation back in: score(raw features) = sigmoid(bias + w . raw)
    weights = {k: w[k] * scale[k] for k in keys if scale[k]}
    bias = b - sum(w[k] * mean[k] * scale[k] for k in keys)
    positives = sum(y for _, y in samples)
    return Ranker(
        weights=weights,
        bias=bias,
        provenance={
            "method": "logistic regression (AdaGrad, L2), features standardised",
            "samples": len(samples),
            "positives": positives,
            "epochs": epochs,
            "seed": seed,
        },
    )


def average_precision(scored: Iterable[tuple[float, int]]) -> float:
    """AP of one ranked list of (score, label): to check a ranker on held-out pairs."""
    ranked = sorted(scored, key=lambda t: -t[0])
    hits = 0
    total = 0.0
    for k, (_, y) in enumerate(ranked, start=1):
        if y:
            hits += 1
            total += hits / k
    return total / hits if hits else 0.0
