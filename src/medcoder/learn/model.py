"""The site model: what medcoder learned from a site's coders, for the coder engine to use.

    phrases        English phrases strongly associated with a code in coded documents
    priors         how often coders reported each code (share of documents)
    cooccurrence   P(code b reported | code a reported), for pairs seen in enough documents
    ranker         how likely coders report each suggestion (``medcoder.learn.ranker``), when
                   learned with one
    provenance     where it was learned from: corpus, split, documents, date, settings

It lives in the data dir, never in the repository: ``<MEDCODER_DATA>/site-model/model.json``
(written atomically; ``format_version`` guards the layout). Codes are printed spellings:
ICD-10-CM upper-case with its dot ("N28.1"), ICD-10-PCS as the corpus has it, complete or
partial ("BW03ZZZ", "BN20").
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from medcoder.errors import DataError
from medcoder.learn.ranker import Ranker
from medcoder.learn.text import MAX_NGRAM, tokens

FORMAT_VERSION = 1
FOLDER = "site-model"
FILE = "model.json"


@dataclass(frozen=True)
class LearnedPhrase:
    phrase: str  # normalised tokens (``medcoder.learn.text``), one space apart
    code: str
    system: str  # ICD-10-CM | ICD-10-PCS
    precision: float  # support / seen: P(code reported with this phrase as evidence | phrase in doc)
    support: int  # documents where coders reported the code with the phrase in its evidence
    seen: int = 0  # documents that contain the phrase

    @property
    def confidence(self) -> float:
        """Precision shrunk towards 0 for rare phrases: support / (seen + 1)."""
        return self.support / (self.seen + 1) if self.seen else self.precision


@dataclass(frozen=True)
class PhraseHit:
    phrase: LearnedPhrase
    start: int  # character offsets of the matched words in the text given to ``match``
    end: int


@dataclass
class SiteModel:
    phrases: list[LearnedPhrase] = field(default_factory=list)
    priors: dict[str, float] = field(default_factory=dict)
    cooccurrence: dict[str, dict[str, float]] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    ranker: Ranker | None = None  # how likely coders report a suggestion (``learn.ranker``)
    _index: dict[str, list[LearnedPhrase]] | None = field(default=None, init=False, repr=False)

    # -- use ------------------------------------------------------------------------------

    def _lookup(self) -> dict[str, list[LearnedPhrase]]:
        if self._index is None:
            index: dict[str, list[LearnedPhrase]] = {}
            for p in self.phrases:
                index.setdefault(p.phrase, []).append(p)
            self._index = index
        return self._index

    def codes_for(self, phrase: str) -> list[LearnedPhrase]:
        """The learned codes of one phrase (already normalised), best first."""
        return sorted(self._lookup().get(phrase, ()), key=lambda p: -p.confidence)

    def match(self, text: str, *, longest: bool = True) -> list[PhraseHit]:
        """Every learned phrase in ``text``, in text order.

        With ``longest`` a phrase lying inside a longer matched phrase is dropped
        ("pain" inside "abdominal pain"), whatever its code.
        """
        index = self._lookup()
        if not index:
            return []
        toks = tokens(text)
        norms = [t.norm for t in toks]
        spans: list[tuple[int, int, list[LearnedPhrase]]] = []
        for i in range(len(norms)):
            for n in range(1, MAX_NGRAM + 1):
                if i + n > len(norms):
                    break
                found = index.get(" ".join(norms[i : i + n]))
                if found:
                    spans.append((i, i + n, found))
        if longest:
            spans = [
                (i, j, f) for i, j, f in spans
                if not any(a <= i and j <= b and (b - a) > (j - i) for a, b, _ in spans)
            ]
        return [
            PhraseHit(p, toks[i].start, toks[j - 1].end) for i, j, found in spans for p in found
        ]

    # -- storage --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "provenance": self.provenance,
            "priors": self.priors,
            "cooccurrence": self.cooccurrence,
            "phrases": [
                [p.phrase, p.code, p.system, p.precision, p.support, p.seen]
                for p in self.phrases
            ],
            "ranker": self.ranker.to_dict() if self.ranker else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteModel:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format_version {data.get('format_version')!r}, expected {FORMAT_VERSION}")
        return cls(
            phrases=[LearnedPhrase(*row) for row in data["phrases"]],
            priors={str(k): float(v) for k, v in data["priors"].items()},
            cooccurrence={
                str(a): {str(b): float(p) for b, p in row.items()}
                for a, row in data.get("cooccurrence", {}).items()
            },
            provenance=dict(data.get("provenance", {})),
            ranker=Ranker.from_dict(data["ranker"]) if data.get("ranker") else None,
        )

    @staticmethod
    def path(data_dir: Path | None = None) -> Path:
        if data_dir is None:
            from medcoder.codesets.store import default_data_dir

            data_dir = default_data_dir()
        return Path(data_dir) / FOLDER / FILE

    def save(self, data_dir: Path | None = None) -> Path:
        """Write ``<data_dir>/site-model/model.json`` atomically; returns its path."""
        path = self.path(data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file readable by its owner only: phrases come from a site's notes
        fd, tmp = tempfile.mkstemp(prefix=".model-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_dict(), fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, data_dir: Path | None = None) -> SiteModel | None:
        """The saved site model, or None when none was learned."""
        path = cls.path(data_dir)
        if not path.is_file():
            return None
        try:
            with open(path, encoding="utf-8") as fh:
                return cls.from_dict(json.load(fh))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(
                f"the site model cannot be read ({type(exc).__name__}: {exc}); "
                "learn it again with `medcoder learn`",
                where=path,
            ) from None

    # -- summaries ------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """One line saying where the model came from, e.g. "CodiEsp train (en), 500 documents"."""
        p = self.provenance
        what = " ".join(str(x) for x in (p.get("corpus"), p.get("split")) if x) or "site model"
        lang = f" ({p['lang']})" if p.get("lang") else ""
        built = f", built {p['built_at'][:10]}" if p.get("built_at") else ""
        return f"{what}{lang}, {p.get('documents', 0)} documents{built}"

    def filtered(self, *, min_precision: float = 0.0, min_support: int = 0) -> SiteModel:
        """The same model keeping only phrases at least this precise and this well supported."""
        keep = [p for p in self.phrases if p.precision >= min_precision and p.support >= min_support]
        return SiteModel(keep, dict(self.priors), dict(self.cooccurrence), dict(self.provenance),
                         self.ranker)

    def summary(self) -> dict[str, Any]:
        systems: dict[str, int] = {}
        for p in self.phrases:
            systems[p.system] = systems.get(p.system, 0) + 1
        return {
            "phrases": len(self.phrases),
            "phrases_by_system": systems,
            "codes_with_phrases": len({p.code for p in self.phrases}),
            "codes_with_priors": len(self.priors),
            "provenance": self.provenance,
        }

    def top_phrases(self, n: int = 10, codes: Iterable[str] | None = None) -> list[LearnedPhrase]:
        wanted = set(codes) if codes is not None else None
        pool = [p for p in self.phrases if wanted is None or p.code in wanted]
        return sorted(pool, key=lambda p: (-p.support, -p.precision, p.phrase))[:n]


def as_dict(phrase: LearnedPhrase) -> dict[str, Any]:
    return asdict(phrase)
