"""Tokens with offsets, and the normal form both notes and code-set terms are reduced to.

A term matches a note when every content token of the term is found near each other in one
sentence of the note, in any order: "fracture of the left distal radius" and "left distal radius
fracture" give the same tokens. Normalising the same way on both sides (lower case, light
stemming, a few spelling/adjective synonyms, stop words dropped) is what makes that work.

Polarity: "without", "w/o", "not" and "no" are not words of their own but mark the words they
govern as absent (``Token.neg``; ``norm_words`` writes them ``~word``), up to the next
punctuation or the next preposition/conjunction once a word is governed. "Migraine without aura,
intractable" is {migraine, ~aura, intractable}; "Migraine with aura, not intractable" is
{migraine, aura, ~intractable}: the two never read as each other, as the Tabular keeps them
apart (G43.0- without aura / G43.1- with aura; S51.81- without / S51.82- with foreign body).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")

# Words that carry no meaning for matching a term (on both sides).
STOP = frozenset(
    ["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "by", "from", "as", "is", "are", "was", "were", "be", "been", "being", "this", "that", "these", "those", "it", "its", "his", "her", "their", "patient", "patients", "pt", "with", "due", "other", "specified", "unspecified", "nos", "elsewhere", "classified", "not", "stage", "type", "site", "part", "parts", "region", "use", "code", "codes", "additional", "stated", "than", "neoplasm", "neoplasms"]
)
# "type" is dropped because notes put it anywhere ("DM type 2" / "type 2 DM"); numbers stay:
# "type 2" -> {"2"}. "disorder" and "condition" read as "disease".
QUALIFYING_STOP = frozenset({"type", "site", "part", "parts", "region", "stage"})

# Adjective and spelling variants reduced to one form (applied after lower-casing).
SYNONYMS: dict[str, str] = {
    "renal": "kidney", "nephric": "kidney", "kidneys": "kidney",
    "cardiac": "heart", "hepatic": "liver", "gastric": "stomach",
    "pulmonary": "lung", "lungs": "lung",
    "cerebral": "brain", "vesical": "bladder", "cutaneous": "skin", "dermal": "skin",
    "diabetic": "diabetes", "diabetes": "diabetes", "herpes": "herpes", "rabies": "rabies",
    "scabies": "scabies", "caries": "caries", "feces": "feces", "series": "series",
    "species": "species", "varices": "varix", "diabetes_": "diabetes", "diabetics": "diabetes",
    "hypertensive": "hypertension", "anemic": "anemia", "anaemia": "anemia",
    "oesophagus": "esophagus", "oesophageal": "esophageal", "haemorrhage": "hemorrhage",
    "tumour": "tumor", "tumours": "tumor", "neoplasia": "tumor", "neoplasias": "tumor",
    "neoformation": "tumor", "oedema": "edema", "faecal": "fecal",
    "ischaemic": "ischemic", "leukaemia": "leukemia", "haematuria": "hematuria",
    "disorder": "disease", "disorders": "disease", "condition": "disease",
    "conditions": "disease", "diseases": "disease",
    "ii": "2", "i": "1", "iii": "3", "iv": "4", "v": "5",
    "fractures": "fracture", "fractured": "fracture",
    "infections": "infection", "infected": "infection", "infectious": "infection",
    "ulcers": "ulcer", "ulcerated": "ulcer", "ulceration": "ulcer",
    "obese": "obesity", "septic": "sepsis", "pneumonias": "pneumonia",
    "asthmatic": "asthma", "anxious": "anxiety", "depressive": "depression",
    "depressed": "depression", "painful": "pain", "aches": "pain", "ache": "pain",
    "stones": "calculus", "stone": "calculus", "calculi": "calculus", "lithiasis": "calculus",
    "urinary": "urinary", "distal": "lower", "proximal": "upper", "vomiting": "vomit", "vomited": "vomit",
    "fevers": "fever", "febrile": "fever", "pyrexia": "fever",
    "dyspnoea": "dyspnea", "headaches": "headache", "nauseated": "nausea",
    "bleeding": "hemorrhage", "haemorrhagic": "hemorrhagic",
    "malignant": "malignant", "malignancy": "malignant", "cancer": "malignant", "cancers": "malignant",
    "carcinoma": "malignant", "carcinomas": "malignant", "malignancies": "malignant",
    "metastatic": "metastasis", "metastases": "metastasis", "metastasized": "metastasis",
    # Index: "Bruise (skin surface intact) - see also Contusion": a bruise is coded as the
    # contusion of its site (S50.812- for the left forearm), not Contusion NOS (T14.8);
    # "bruising" stays itself ("easy bruising" is not an injury)
    "bruise": "contusion", "bruises": "contusion", "bruised": "contusion",
}

_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("es", "e"), ("s", ""))
_KEEP_S = ("ss", "us", "is", "sis", "ous", "ics")


def stem(word: str) -> str:
    if word in SYNONYMS:
        return SYNONYMS[word]
    w = word
    if len(w) <= 3 or w.isdigit() or w.endswith(_KEEP_S):
        return w
    for suf, rep in _SUFFIXES:
        if w.endswith(suf):
            base = w[: -len(suf)] + rep
            if suf == "es" and not w.endswith(("ches", "shes", "xes", "zes")):
                base = w[:-1]
            return SYNONYMS.get(base, base)
    return w


NEG = "~"  # prefix of a word said to be absent ("without aura" -> "~aura")
NEGATORS = frozenset(["without", "not", "no"])  # and "w/o"
# words that end a negator's scope once it has governed a content word: "laceration without
# foreign body of right forearm" governs "foreign body", not "right forearm"; "not in remission"
# governs "remission"
SCOPE_END = frozenset(
    ["of", "in", "on", "at", "to", "for", "by", "from", "with", "and", "or", "but", "due", "as", "than", "which", "that", "who", "after", "before", "since", "because", "while", "then", "however", "although", "though"]
)
_SCOPE_BREAK = re.compile(r"[,;:.!?()\[\]\n]")


class Token(NamedTuple):
    start: int
    end: int
    norm: str  # stemmed, synonym-mapped lower-case form ("" for a stop word)
    neg: bool = False  # governed by a preceding "without" / "not" / "no" (said to be absent)


_NORM_CACHE: dict[str, str] = {}
_NORM_CACHE_MAX = 200_000  # distinct written words remembered (a few MB); then no more are added


def _norm(word: str) -> str:
    """The normal form of one written token ("" for a stop word), remembered: notes repeat
    their words, and stemming each occurrence was a tenth of the coding time."""
    norm = _NORM_CACHE.get(word)
    if norm is None:
        low = word.lower().replace("’", "'")
        if "'" in low:
            low = low.split("'")[0]
        norm = "" if low in STOP else stem(low)
        if len(_NORM_CACHE) < _NORM_CACHE_MAX:
            _NORM_CACHE[word] = norm
    return norm


def _negator(text: str, m: re.Match[str]) -> bool:
    low = m.group().lower()
    return low in NEGATORS or (low == "w" and text.startswith("/o", m.end()))


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with offsets into ``text``; stop words get ``norm == ""``,
    the negators give no token: their scope sets ``neg`` on the words they govern."""
    out: list[Token] = []
    prev = ""
    scope = False  # inside a negator's scope
    governed = False  # the scope has governed a content word
    last = start
    skip_o = False
    for m in _TOKEN.finditer(text, start, len(text) if end is None else end):
        if scope and _SCOPE_BREAK.search(text, last, m.start()):
            scope = False
        last = m.end()
        if skip_o:  # the "o" of "w/o"
            skip_o = False
            if m.group().lower() == "o":
                continue
        if _negator(text, m):  # no token of its own: it only opens a scope
            skip_o = m.group().lower() == "w"
            scope, governed = True, False
            prev = ""
            continue
        low = m.group().lower()
        if scope and governed and low in SCOPE_END:
            scope = False
        norm = _norm(m.group())
        if norm == "end" and (prev == "lower" or prev == "upper") and out:
            norm = ""  # "lower end of radius" = "distal radius"
        neg = scope and bool(norm)
        governed = governed or neg
        out.append(Token(m.start(), m.end(), norm, neg))
        prev = norm
    return out


def norm_words(text: str) -> list[str]:
    """Content tokens of a term, in order (stop words removed; an absent word as ``~word``)."""
    return [NEG + t.norm if t.neg else t.norm for t in tokens(text) if t.norm]


def written_words(text: str) -> set[str]:
    """The words of ``text`` as written (lower case), less the negators and the words they
    govern: what a term says is there."""
    return {text[t.start : t.end].lower() for t in tokens(text) if not t.neg}


def iter_words(text: str) -> Iterator[str]:
    for m in _TOKEN.finditer(text):
        yield m.group().lower()
