"""Tokens and n-grams for learned phrases: one normalisation for learning and for matching.

A token is a run of letters or digits, lower-cased with accents removed ("Úlcera" -> "ulcera");
everything else separates tokens. A phrase is tokens joined by one space. ``tokens(text)`` keeps
each token's character offsets in the original text, so a match can point at its evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MAX_NGRAM = 4

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Function words that carry no meaning for a code on their own; an n-gram may contain them
# inside ("pain in the chest") but may not start or end with one.
_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either
    few for from further had has have having he her here hers him his how i if in into is it
    its itself just may me might more most much must my no nor not now of off on once only or
    other our out over own per same she should since so some such than that the their them then
    there these they this those through thus to too under until up upon us very via was we were
    what when where which while who whom why will with within without would yet you your
    day days week weeks month months year years old time times case patient patients
"""
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class Token:
    norm: str
    start: int
    end: int


def fold(word: str) -> str:
    """Lower-case and strip accents: "Úlcera" -> "ulcera"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[Token]:
    return [Token(fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def normalize_phrase(text: str) -> str:
    """The phrase form of any text: folded tokens joined by one space."""
    return " ".join(t.norm for t in tokens(text))


def is_content(token: str) -> bool:
    """A token that may start or end a phrase: not a stopword, not a number, two letters or more."""
    if token in STOPWORDS or token.isdigit():
        return False
    return sum(ch.isalpha() for ch in token) >= 2


def ngrams(norms: list[str], max_n: int = MAX_NGRAM) -> Iterator[tuple[int, int, str]]:
    """``(first, last_exclusive, phrase)`` for every candidate n-gram of 1..max_n tokens.

    Candidates start and end with a content token; one-token candidates need three letters or
    more (two-letter words are mostly abbreviations too ambiguous to learn from alone).
    """
    n_tok = len(norms)
    content = [is_content(t) for t in norms]
    for i in range(n_tok):
        if not content[i]:
            continue
        for n in range(1, max_n + 1):
            j = i + n
            if j > n_tok:
                break
            if not content[j - 1]:
                continue
            if n == 1 and len(norms[i]) < 3:
                continue
            yield i, j, " ".join(norms[i:j])
