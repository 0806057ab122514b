"""The term dictionary the diagnosis coder matches notes against.

Every term is a bag of normalised content words pointing at one ICD-10-CM code, from:

- ``lexicon``: medcoder's own clinical lexicon (``medcoder/data/dx_lexicon.csv``): the phrasings
  clinicians write ("heart attack", "high cholesterol") with the code a coder gives them;
- ``index``: Alphabetic Index paths (main term + subterms, nonessential modifiers dropped), when
  an ``icd10cm-index`` table is loaded (``medcoder data import icd10cm-index FILE``);
- ``title`` / ``inclusion``: Tabular titles and inclusion terms (always there: bundled);

Phrases learned from coders (``medcoder learn``) are matched by the site model itself
(``engine.DiagnosisCoder._learned``), not mixed in here.

Abbreviations (``medcoder/data/dx_abbreviations.csv``) expand in the note before matching:
"T2DM" is read as "type 2 diabetes mellitus".

Building reads ~100,000 rows; the compiled dictionary is cached in the data dir (one pickle per
combination of table releases and lexicon version) so a CLI call loads it in a fraction of a second.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import logging
import pickle
import re
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from medcoder.coders.diagnosis.normalize import NEG, norm_words, stem, written_words
from medcoder.fileio import write_atomic

log = logging.getLogger(__name__)

FORMAT_VERSION = 17  # 16: Term is a NamedTuple; 17: absent words ("~aura") kept in terms

# source -> priority when two terms with the same words point at different codes
PRIORITY = {"lexicon": 5, "learned": 4, "index": 3, "neoplasm": 3, "see": 2, "title": 2, "inclusion": 2}

_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT = re.compile(r"\b(?:not|no)\b", re.I)
_ICD = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


_FUNCTION = frozenset(
    ["of", "the", "and", "or", "in", "on", "at", "to", "for", "by", "with", "unspecified", "nos", "other", "specified", "as", "is", "an"]
)

# Words clinical notes use for the note itself, never a diagnosis on their own (an Index main term
# such as "Examination" or "Old" needs its subterms).
NOT_ALONE = frozenset(
    ["examination", "exam", "old", "history", "admission", "observation", "test", "testing", "finding", "findings", "care", "status", "problem", "complaint", "follow", "visit", "encounter", "therapy", "treatment", "procedure", "surgery", "operation", "counseling", "evaluation", "check", "checkup", "result", "results", "report", "study", "studies", "presence", "absence", "removal", "change", "adjustment", "fitting", "replacement", "aftercare", "attention", "convalescence", "pregnant", "delivery", "birth", "newborn", "born", "death", "dead", "life", "living", "contact", "exposure", "carrier", "donor", "refusal", "underdosing", "noncompliance", "activity", "gas", "drug", "drugs", "use", "user", "abuse", "level", "levels"]
)


# 'see' entries whose words notes use for something else: "age" (Age, old - see Senility),
# "follow-up", "plus", "consumption" (tuberculosis, in old usage), "blood and urine" (Blood in
# urine - see Hematuria), "analgesia"; and "puncture", which in notes is a procedure
SEE_GENERIC = frozenset(
    ["up", "age", "aged", "plus", "consumption", "analgesia", "blood", "urine", "under", "reaction"]
)
SEE_NOT_A_CONDITION = frozenset(["puncture"])


class Term(NamedTuple):
    """One term of the dictionary (immutable).

    A named tuple rather than a frozen dataclass: the cached dictionary holds ~50,000 of them,
    and a tuple unpickles without a ``__setstate__`` call per field (0.5 s of every cold start).
    """

    code: str
    words: tuple[str, ...]  # distinct normalised content words, in order; "~w": w said absent
    source: str
    weight: float = 1.0  # learned precision, or 1.0
    text: str = ""  # the term as printed (for rationale)
    also: tuple[str, ...] = ()  # manifestation codes the Index prints in brackets after the code


@dataclass
class TermDictionary:
    terms: list[Term] = field(default_factory=list)
    by_anchor: dict[str, list[int]] = field(default_factory=dict)
    abbreviations: dict[str, tuple[str, ...]] = field(default_factory=dict)  # abbrev -> words
    multiword_abbreviations: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # kind -> release
    frequency: dict[str, int] = field(default_factory=dict)

    def add(
        self,
        code: str,
        text: str,
        source: str,
        weight: float = 1.0,
        also: tuple[str, ...] = (),
        *,
        bare: bool = False,
    ) -> None:
        """Add a term. ``bare``: a Tabular title that says some words are absent with
        "without" ("Migraine without aura") is also added without them, for the bare mention its
        code is the default for ("migraine"); a note that writes "without aura" still meets the
        full term. Words said absent with "not" ("not intractable", "not applicable") stay."""
        if code.startswith("Z68"):
            return  # BMI codes come from the documented value, by rule (Guideline I.B.14)
        words = tuple(dict.fromkeys(norm_words(text)))
        self._add(code, words, text, source, weight, also)
        if bare and any(w.startswith(NEG) for w in words):
            without = {w for w in norm_words(_NOT.sub(" ", text)) if w.startswith(NEG)}
            if without:
                self._add(code, tuple(w for w in words if w not in without), text, source, weight, also)

    def _add(
        self, code: str, words: tuple[str, ...], text: str, source: str, weight: float, also: tuple[str, ...]
    ) -> None:
        if not words or all(w.startswith(NEG) for w in words):
            return
        if len(words) == 1 and source != "lexicon" and words[0] in NOT_ALONE:
            return
        if len(words) == 1 and source != "lexicon":
            raw = written_words(_PAREN.sub(" ", text))
            if (raw - _FUNCTION) - {words[0]} - {w for w in raw if stem(w) == words[0]}:
                return  # "Blood type A" is not what a bare "blood" means
        self.terms.append(Term(code, words, source, weight, text, also))

    def anchored(self, anchor: str, limit: int) -> list[tuple[Term, frozenset[str]]]:
        """The first ``limit`` terms anchored on ``anchor``, each with its set of words, in
        dictionary order; built on first use and kept (not pickled)."""
        cache: dict[tuple[str, int], list[tuple[Term, frozenset[str]]]]
        cache = self.__dict__.setdefault("_anchored", {})
        hit = cache.get((anchor, limit))
        if hit is None:
            ids = self.by_anchor.get(anchor) or []
            terms = self.terms
            hit = cache[(anchor, limit)] = [(terms[i], frozenset(terms[i].words)) for i in ids[:limit]]
        return hit

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_anchored", None)
        return state

    def compile(self) -> None:
        freq: Counter[str] = Counter()
        seen: set[tuple[str, tuple[str, ...], str]] = set()
        kept: list[Term] = []
        intern = sys.intern  # one object per distinct word: a smaller pickle, loaded faster
        for t in self.terms:
            key = (t.code, tuple(sorted(t.words)), t.source)
            if key in seen:
                continue
            seen.add(key)
            kept.append(t._replace(code=intern(t.code), source=intern(t.source),
                                   words=tuple(intern(w) for w in t.words)))
            freq.update(t.words)
        self.terms = kept
        self.frequency = dict(freq)
        self.by_anchor = {}
        for i, t in enumerate(kept):
            anchor = min(t.words, key=lambda w: (freq[w], w))
            self.by_anchor.setdefault(anchor, []).append(i)


# -- sources ---------------------------------------------------------------------------------------
def _data_file(name: str) -> Any:
    return resources.files("medcoder").joinpath("data", name)


def load_abbreviations() -> tuple[dict[str, tuple[str, ...]], dict[tuple[str, ...], tuple[str, ...]]]:
    single: dict[str, tuple[str, ...]] = {}
    multi: dict[tuple[str, ...], tuple[str, ...]] = {}
    with _data_file("dx_abbreviations.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            abbrev = row["abbreviation"].strip().lower()
            words = tuple(norm_words(row["expansion"]))
            key = tuple(w.lower() for w in re.findall(r"[A-Za-z0-9]+", abbrev))
            if not key or not words:
                continue
            if len(key) == 1:
                single[key[0]] = words
            else:
                multi[key] = words
    return single, multi


def lexicon_rows() -> list[dict[str, str]]:
    with _data_file("dx_lexicon.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r.get("phrase") and r.get("code")]


def _clean_title(title: str) -> str:
    return _PAREN.sub(" ", title)


_RESIDUAL = re.compile(r"\bother\b|elsewhere classified|classified elsewhere", re.I)
_EXCEPT = re.compile(r",?\s*\b(except|excluding)\b[^,;]*", re.I)


def add_tabular(d: TermDictionary, reader: Any) -> None:
    db = reader.db
    for code, _kind, title in db.execute(
        "SELECT code, kind, title FROM nodes WHERE kind IN ('category','subcategory','code')"
    ):
        # residual categories ("Other disorders of bladder", "Pain, not elsewhere classified")
        # are never what a bare mention means; their inclusion terms still match
        if _RESIDUAL.search(title):
            continue
        title = _EXCEPT.sub(" ", title)
        d.add(code, _clean_title(title), "title", bare=True)
        if "(" in title:  # the title with its nonessential words too: more specific
            d.add(code, title, "title", bare=True)
    for node, text in db.execute("SELECT node, text FROM notes WHERE type = 'inclusionTerm'"):
        d.add(node, _clean_title(text), "inclusion", bare=True)


def index_code(printed: str) -> str | None:
    """An Index or table code as a Tabular code ("C34.9-" -> "C34.9"), or None if it is not one."""
    c = printed.rstrip("-").rstrip(".").upper()
    return c if _ICD.match(c) else None


def _code_words(tabular: Any) -> dict[str, set[str]]:
    """Words of each code's title and inclusion terms, with its category's."""
    words: dict[str, set[str]] = {}
    db = tabular.db
    for code, title in db.execute("SELECT code, title FROM nodes"):
        words.setdefault(code, set()).update(norm_words(title))
    for node, text in db.execute("SELECT node, text FROM notes WHERE type = 'inclusionTerm'"):
        words.setdefault(node, set()).update(norm_words(text))
    return words


def add_index(d: TermDictionary, reader: Any, tabular: Any) -> None:
    db = reader._db
    code_words = _code_words(tabular)
    for code, path, manif in db.execute(
        "SELECT code, path, manif FROM terms WHERE code IS NOT NULL"
    ):
        c = index_code(code)
        if not c:
            continue
        also = tuple(m for m in map(index_code, json.loads(manif or "[]")) if m)
        steps = json.loads(path)
        text = ", ".join(steps)  # each step its own phrase: "without aura" governs only "aura"
        words = norm_words(text)
        if len(set(words)) == 1:
            # a one-word entry must share its word with the code's Tabular wording (guards
            # against entries whose subterms a lossy copy of the Index dropped)
            known = code_words.get(c, set()) | code_words.get(c[:3], set())
            if c[:5] in code_words:
                known |= code_words[c[:5]]
            if words[0] not in known:
                continue
        d.add(c, text, "index", also=also)
    add_see_references(d, reader)


def add_see_references(d: TermDictionary, reader: Any) -> None:
    """Entries that only point elsewhere ("Trauma, traumatism - see Injury") take the code of
    the entry they point at, as a coder following the reference would ("Injury" T14.90)."""
    db = reader._db
    rows = db.execute("SELECT path, see FROM terms WHERE code IS NULL AND see IS NOT NULL").fetchall()
    for path, see in rows:
        words = set(norm_words(", ".join(json.loads(path))))
        if not words - NOT_ALONE - SEE_GENERIC or words & SEE_NOT_A_CONDITION:
            continue
        try:
            res = reader.walk(see)
        except Exception:  # a reference the walk cannot read is skipped, never fatal
            continue
        if not res.found or not res.code:
            continue
        c = index_code(res.code)
        if c:
            d.add(c, ", ".join(json.loads(path)), "see")


# Neoplasm Table column -> the words a note uses for that behaviour (ICD-10-CM Index: "Carcinoma
# - see Neoplasm, by site, malignant", "Metastasis - see Neoplasm, secondary, by site", "Tumor -
# see Neoplasm, unspecified behavior, by site"). "cancer", "carcinoma" and "malignancy" normalise
# to "malignant", "metastases"/"metastatic" to "metastasis" (``normalize.SYNONYMS``); a bare
# "secondary" is not enough ("anemia secondary to blood loss").
NEOPLASM_COLUMNS: dict[str, tuple[str, ...]] = {
    "Malignant Primary": ("malignant", "adenocarcinoma", "sarcoma"),
    "Malignant Secondary": ("metastasis", "secondary malignant"),
    "Ca in situ": ("situ",),
    "Benign": ("benign",),
    "Uncertain Behavior": ("uncertain behavior",),
    "Unspecified Behavior": ("tumor",),
}
_BEHAVIOUR_WORDS = frozenset(
    {"malignant", "metastasis", "secondary", "benign", "tumor", "situ", "uncertain", "behavior", "primary"}
)


def add_neoplasm(d: TermDictionary, reader: Any) -> None:
    """Neoplasm Table rows as terms: site words + behaviour words -> the column's code.

    "liver metastases" -> C78.7 (Malignant Secondary of liver), "renal tumor" -> D49.519
    (Unspecified Behavior of kidney). A site printed with alternatives ("abdomen, abdominal")
    gives one term per alternative; subterm rows add their words to the site's.
    """
    db = reader._db
    names = dict(db.execute("SELECT col, name FROM columns"))
    rows: dict[int, tuple[list[str], dict[str, str]]] = {}
    for term_id, path, col, code in db.execute(
        "SELECT t.id, t.path, c.col, c.code FROM terms t JOIN cells c ON c.term = t.id "
        "WHERE c.code IS NOT NULL"
    ):
        steps = json.loads(path)[1:]  # drop the main term "Neoplasm, neoplastic"
        if not steps:
            continue
        cells = rows.setdefault(term_id, (steps, {}))[1]
        cells[names.get(col, "")] = code
    for steps, cells in rows.values():
        sites = _site_variants(steps)
        for column, code in cells.items():
            qualifiers = NEOPLASM_COLUMNS.get(column)
            c = index_code(code)
            if not qualifiers or not c:
                continue
            for site in sites:
                if not set(norm_words(site)) - _BEHAVIOUR_WORDS:
                    continue  # rows "metastatic NEC", "malignant": not a site
                for q in qualifiers:
                    d.add(c, f"{q} {site}", "neoplasm")


def _site_variants(steps: list[str], limit: int = 6) -> list[str]:
    """Site wordings of a row: "abdomen, abdominal" > "wall" -> "abdomen wall", "abdominal wall".

    A comma separates alternatives only when they are forms of one word ("abdomen, abdominal");
    otherwise it inverts a phrase ("calyx, renal" is the renal calyx, not "renal").
    """
    out = [""]
    for step in steps:
        step = _PAREN.sub(" ", step).replace(" NEC", " ")
        parts = [a.strip() for a in step.split(",") if a.strip()]
        if len(parts) > 1 and all(p[:4].lower() == parts[0][:4].lower() for p in parts):
            alts = parts
        else:
            alts = [" ".join(parts) or step]
        out = [f"{o} {a}".strip() for o in out for a in alts][:limit]
    return out


def add_lexicon(d: TermDictionary) -> None:
    for row in lexicon_rows():
        d.add(row["code"].strip().upper(), row["phrase"], "lexicon")


def _lexicon_digest() -> str:
    h = hashlib.sha256()
    for name in ("dx_lexicon.csv", "dx_abbreviations.csv"):
        h.update(_data_file(name).read_bytes())
    return h.hexdigest()[:16]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large pickle loads: unpickling ~100,000 tuples
    otherwise runs it hundreds of times over objects that all stay alive (half the load time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build(kb: Any, dos: Any, cache_dir: Path | None = None) -> TermDictionary:
    """The dictionary for the releases in force on ``dos`` (cached on disk by release)."""
    tab = kb.open("icd10cm-tabular", dos)
    idx = kb.open("icd10cm-index", dos) if kb.has("icd10cm-index") else None
    neo = kb.open("icd10cm-neoplasm", dos) if kb.has("icd10cm-neoplasm") else None
    key_parts = [
        f"v{FORMAT_VERSION}",
        tab.info.sha256 or tab.info.release,
        idx.info.sha256 if idx else "noindex",
        neo.info.sha256 if neo else "noneoplasm",
        _lexicon_digest(),
    ]
    key = hashlib.sha256("|".join(key_parts).encode()).hexdigest()[:20]
    cache = (cache_dir / f"dx-terms-{key}.pickle") if cache_dir else None
    base: TermDictionary | None = None
    if cache and cache.is_file():
        try:
            with cache.open("rb") as fh, gc_paused():
                base = pickle.load(fh)
        except Exception:  # a stale or broken cache is rebuilt, never fatal
            base = None
    if base is None:
        base = TermDictionary()
        base.abbreviations, base.multiword_abbreviations = load_abbreviations()
        add_lexicon(base)
        add_tabular(base, tab.reader)
        if idx is not None:
            add_index(base, idx.reader, tab.reader)
        if neo is not None:
            add_neoplasm(base, neo.reader)
        base.sources = {"icd10cm-tabular": tab.info.release}
        if idx is not None:
            base.sources["icd10cm-index"] = idx.info.release
        if neo is not None:
            base.sources["icd10cm-neoplasm"] = neo.info.release
        base.compile()
        if cache:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                # a temporary name of this process's own, then renamed: batch workers may build
                # the same cache at once, and a reader sees a whole file or none
                write_atomic(cache, pickle.dumps(base, protocol=pickle.HIGHEST_PROTOCOL))
            except OSError as exc:  # a read-only data dir still codes, just slower
                log.warning("could not cache the term dictionary: %s", exc)
    return base
