"""Build a site model from coded documents: text, the codes coders reported, their evidence.

``SiteModelBuilder.add(text, codes, evidence=...)`` takes one coded document. It works the same
for a corpus (CodiEsp) and for the workbench's accepted codes later on.

How phrases are learned (association statistics, counted per document):

1. Every document's candidate phrases: n-grams of 1 to 4 normalised tokens that start and end
   with a content word (``medcoder.learn.text``). ``seen(g)``: documents containing ``g``.
2. For each code reported in a document, its evidence n-grams: those lying inside the
   evidence spans given for the code (the sentences where coders saw it), or, for a code given
   without evidence, the whole document. ``support(g, c)``: documents where ``g`` is evidence
   n-gram of a reported ``c``.
3. Keep ``(g, c)`` when ``support >= min_support`` and
   ``precision = support / seen(g) >= min_precision``.
4. Prefer the longest: a phrase inside a longer kept phrase of the same code is dropped when
   it never occurred without the longer one (same support, same documents seen), and a longer
   phrase is dropped when it is no more precise than a shorter one inside it (the shorter one
   already finds every document the longer one would).

Priors are the share of documents in which each code was reported; co-occurrence is
P(b | a) over documents, for pairs reported together in ``min_support`` documents or more.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from medcoder.eval.codes import display_code, infer_system
from medcoder.learn.model import LearnedPhrase, SiteModel
from medcoder.learn.text import MAX_NGRAM, ngrams, tokens

Span = tuple[int, int]


class SiteModelBuilder:
    def __init__(
        self,
        *,
        min_support: int = 2,
        min_precision: float = 0.3,
        max_n: int = MAX_NGRAM,
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        self.min_support = min_support
        self.min_precision = min_precision
        self.max_n = max_n
        self.provenance: dict[str, Any] = dict(provenance or {})
        self._ids: dict[str, int] = {}
        self._phrases: list[str] = []
        self._seen: Counter[int] = Counter()
        self._code_docs: dict[str, list[int]] = {}
        self._systems: dict[str, str] = {}
        # per document: its n-gram ids, and per code the evidence n-gram ids (None: all of them)
        self._doc_grams: list[array[int]] = []
        self._doc_evidence: list[dict[str, array[int] | None]] = []

    @property
    def documents(self) -> int:
        return len(self._doc_grams)

    def _id(self, phrase: str) -> int:
        i = self._ids.get(phrase)
        if i is None:
            i = self._ids[phrase] = len(self._phrases)
            self._phrases.append(phrase)
        return i

    def add(
        self,
        text: str,
        codes: Iterable[str],
        *,
        evidence: Mapping[str, Sequence[Span]] | None = None,
        systems: Mapping[str, str] | None = None,
    ) -> None:
        """One coded document.

        ``codes``: the codes coders reported (any spelling; ``systems`` may name the system of
        a code whose spelling is ambiguous, see ``medcoder.eval.codes``). ``evidence``: for some
        or all codes, character spans of ``text`` where the code's words are.
        """
        toks = tokens(text)
        norms = [t.norm for t in toks]
        grams = [(i, j, self._id(g)) for i, j, g in ngrams(norms, self.max_n)]
        doc_index = len(self._doc_grams)
        all_ids = array("i", sorted({g for _, _, g in grams}))
        self._doc_grams.append(all_ids)
        self._seen.update(all_ids)
        ev_norm: dict[str, list[Span]] = {}
        for code, spans in (evidence or {}).items():
            system = (systems or {}).get(code) or infer_system(code)
            ev_norm.setdefault(display_code(code, system), []).extend(spans)
        per_code: dict[str, array[int] | None] = {}
        for raw in codes:
            system = (systems or {}).get(raw) or infer_system(raw)
            code = display_code(raw, system)
            if code in per_code:
                continue
            self._systems[code] = system
            self._code_docs.setdefault(code, []).append(doc_index)
            windows = ev_norm.get(code)
            if not windows:
                per_code[code] = None
                continue
            inside = {
                g for i, j, g in grams
                if any(s <= toks[i].start and toks[j - 1].end <= e for s, e in windows)
            }
            per_code[code] = array("i", sorted(inside))
        self._doc_evidence.append(per_code)

    def build(self) -> SiteModel:
        n_docs = self.documents
        phrases: list[LearnedPhrase] = []
        for code, doc_ids in sorted(self._code_docs.items()):
            if len(doc_ids) < self.min_support:
                continue
            support: Counter[int] = Counter()
            for d in doc_ids:
                ev = self._doc_evidence[d][code]
                support.update(self._doc_grams[d] if ev is None else ev)
            kept = []
            for g, s in support.items():
                if s < self.min_support:
                    continue
                seen = self._seen[g]
                precision = round(s / seen, 4)
                if precision >= self.min_precision:
                    kept.append(
                        LearnedPhrase(self._phrases[g], code, self._systems[code], precision, s, seen)
                    )
            phrases.extend(_prefer_longest(kept))
        phrases.sort(key=lambda p: (p.code, -p.support, p.phrase))
        priors = {c: round(len(d) / n_docs, 5) for c, d in sorted(self._code_docs.items())}
        provenance = {
            **self.provenance,
            "documents": n_docs,
            "built_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "settings": {
                "min_support": self.min_support,
                "min_precision": self.min_precision,
                "max_n": self.max_n,
            },
        }
        return SiteModel(
            phrases=phrases,
            priors=priors,
            cooccurrence=self._cooccurrence(),
            provenance=provenance,
        )

    def _cooccurrence(self) -> dict[str, dict[str, float]]:
        pairs: Counter[tuple[str, str]] = Counter()
        for per_code in self._doc_evidence:
            for a, b in combinations(sorted(per_code), 2):
                pairs[(a, b)] += 1
        out: dict[str, dict[str, float]] = {}
        for (a, b), n in pairs.items():
            if n < self.min_support:
                continue
            out.setdefault(a, {})[b] = round(n / len(self._code_docs[a]), 4)
            out.setdefault(b, {})[a] = round(n / len(self._code_docs[b]), 4)
        return out


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


def _prefer_longest(kept: list[LearnedPhrase]) -> list[LearnedPhrase]:
    """Drop phrases that a longer or shorter phrase of the same code makes redundant."""
    by_len = sorted(kept, key=lambda p: -len(p.phrase.split()))
    out: list[LearnedPhrase] = []
    for p in by_len:
        longer = [q for q in out if _contains(q.phrase, p.phrase) and q.phrase != p.phrase]
        if any(q.support >= p.support and q.seen >= p.seen for q in longer):
            continue
        out.append(p)
    result: list[LearnedPhrase] = []
    for p in out:
        shorter = [q for q in out if q is not p and _contains(p.phrase, q.phrase)]
        if any(q.precision >= p.precision for q in shorter):
            continue
        result.append(p)
    return result
