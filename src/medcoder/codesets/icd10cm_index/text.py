"""Text rules shared by the builder and the reader: normalising titles, words and stems.

The builder stores word stems in the full-text table and match keys for each term; the
reader applies the same functions to what a coder types, so both sides always agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[0-9a-z]+")
_SPACE = re.compile(r"\s+")
_APOS = re.compile(r"['’`]")
_CODE = re.compile(r"\b[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4}-?|\.-)?-?(?![0-9A-Za-z])")
# trailing words that do not change what a coder looks for ("arthropathy NEC")
_TAIL = re.compile(r"(?:[\s,]+(?:nec|nos))+$")

# words that only connect subterms; they never count as query words or as extra words
FILLER = frozenset(
    {"a", "an", "the", "of", "and", "or", "with", "in", "on", "at", "to", "for"}
    | {"by", "from", "as", "due", "nec", "nos", "s"}
)
# subterms a coder passes through without naming them ("Diabetes, type 2, with, CKD")
CONNECTIVES = ("with", "in", "due to")

# abbreviations coders type, spelled out the way the Index words them (search only)
ABBREVIATIONS = {
    "ckd": "chronic kidney disease",
    "esrd": "end stage renal disease",
    "aki": "acute kidney failure",
    "copd": "chronic obstructive pulmonary disease",
    "chf": "congestive heart failure",
    "htn": "hypertension",
    "dm": "diabetes",
    "t1dm": "diabetes type 1",
    "t2dm": "diabetes type 2",
    "uti": "urinary tract infection",
    "uri": "upper respiratory infection",
    "mi": "myocardial infarction",
    "afib": "atrial fibrillation",
    "cad": "coronary artery disease",
    "gerd": "gastroesophageal reflux disease",
    "dvt": "deep vein thrombosis",
    "cva": "cerebrovascular accident",
    "tia": "transient ischemic attack",
    "fx": "fracture",
    "hx": "history",
    "gsw": "gunshot wound",
    "mva": "motor vehicle accident",
}

_IRREGULAR = {
    "teeth": "tooth",
    "feet": "foot",
    "children": "child",
    "women": "woman",
    "men": "man",
    "lice": "louse",
    "mice": "mouse",
    "calculi": "calculus",
    "bronchi": "bronchus",
    "fungi": "fungus",
    "bacilli": "bacillus",
    "nuclei": "nucleus",
    "vertebrae": "vertebra",
    "phalanges": "phalanx",
    "metacarpi": "metacarpus",
    "diagnoses": "diagnosis",
    "ovaries": "ovary",
    "axes": "axis",
    "testes": "testis",
    "pelves": "pelvis",
}
_NO_PLURAL = ("ss", "us", "is", "ys", "as", "os")


def squash(text: str) -> str:
    """Collapse runs of white space and trim."""
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer: plurals, possessives, ``-ic``/``-ed``/``-ing`` and a final ``e``.

    ``fractures``→``fractur``, ``injuries``→``injury``, ``diabetes``/``diabetic``→``diabet``.
    Deliberately conservative: it only has to make a coder's words meet the Index's words.
    """
    w = word.lower()
    if w in _IRREGULAR:
        w = _IRREGULAR[w]
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "xes", "ches", "shes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_NO_PLURAL):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 5 and w.endswith("ed") and not w.endswith("eed"):
        w = w[:-2]
    if len(w) > 5 and w.endswith("ical"):
        w = w[:-4]
    elif len(w) > 4 and w.endswith("ic"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case words of ``text``; apostrophes are dropped (``Charcot's`` → ``charcots``)."""
    return _WORD.findall(_APOS.sub("", text.lower()))


@lru_cache(maxsize=65536)
def stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text))


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (connectives such as ``with``/``of`` left out)."""
    return [stem(w) for w in words(text) if w not in FILLER]


def strip_parens(text: str) -> str:
    """Drop parenthesised groups (nonessential modifiers a coder may type along)."""
    if "(" not in text and ")" not in text:
        return squash(text)
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return squash("".join(out))


def norm(text: str) -> str:
    """The match key of a title or typed step: case, apostrophes, modifiers, spacing ignored."""
    t = _APOS.sub("", strip_parens(text).lower())
    t = re.sub(r"\s*,\s*", ", ", t)
    t = re.sub(r"[^0-9a-z,\- ]+", " ", t)
    return squash(t).strip(" ,")


def strip_tail(key: str) -> str:
    """``arthropathy nec`` → ``arthropathy``."""
    return _TAIL.sub("", key).strip(" ,")


def stem_key(text: str) -> str:
    return " ".join(stem(w) for w in words(strip_parens(text)) if w not in ("nec", "nos"))


@lru_cache(maxsize=65536)
def match_keys(plain: str) -> tuple[tuple[str, int], ...]:
    """Every key a typed step may equal to match this title, with its tier (0 is best).

    0 the title itself; 1 without a trailing NEC/NOS; 2 one of its comma-separated
    alternatives (``Diabetes, diabetic`` answers to ``diabetic``); 3 the same word stems.
    """
    out: dict[str, int] = {}

    def add(key: str, tier: int) -> None:
        if key and (key not in out or out[key] > tier):
            out[key] = tier

    k = norm(plain)
    add(k, 0)
    add(strip_tail(k), 1)
    parts = [strip_tail(p) for p in k.split(", ")]
    if len(parts) > 1:
        for p in parts:
            add(p, 2)
    add("~" + stem_key(plain), 3)
    if len(parts) > 1:
        for p in parts:
            add("~" + stem_key(p), 3)
    return tuple(sorted(out.items(), key=lambda kv: kv[1]))


def step_keys(step: str) -> list[str]:
    """The keys looked up for a typed step: its normal form and its stem form."""
    k = norm(step)
    return [k, strip_tail(k), "~" + stem_key(step)]


def split_modifiers(nemod: str) -> list[str]:
    """``(mellitus) (sugar)`` → ``['mellitus', 'sugar']``; unbracketed text stays one item."""
    text = squash(nemod)
    out: list[str] = []
    depth = 0
    buf: list[str] = []
    loose: list[str] = []
    for ch in text:
        if ch == "(":
            if depth > 0:
                buf.append(ch)
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                item = squash("".join(buf))
                if item:
                    out.append(item)
                buf = []
            else:
                buf.append(ch)
        elif depth > 0:
            buf.append(ch)
        else:
            loose.append(ch)
    rest = squash("".join(loose) + "".join(buf)).strip(" ,")
    if rest:
        out.append(rest)
    return out


def codes_in(text: str) -> list[str]:
    """ICD-10-CM codes written in ``text`` (``E11.22``, ``S52.9-``, ``C56.-``)."""
    return _CODE.findall(text)


def normalize_code(code: str) -> str:
    """``e1122`` → ``E11.22``; codes that already have a dot, or a dash, are kept."""
    c = code.strip().upper().replace(" ", "")
    if "." not in c and len(c) > 3 and re.fullmatch(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{1,4}", c):
        c = c[:3] + "." + c[3:]
    return c
