"""Fast rule-based sentence spans for clinical notes.

Breaks after ``.``, ``!`` and ``?`` followed by white space, except after
  * titles (``Dr.``, ``Mrs.``), Latin abbreviations (``e.g.``, ``i.e.``, ``vs.``, ``approx.``);
  * units and clinical abbreviations (``mg.``, ``pt.``, ``hx.``, ``no.``) unless a capital
    follows, and dotted abbreviations (``p.o.``, ``b.i.d.``) likewise;
  * a single letter unless a capital follows (``E. coli``, ``S. aureus``);
  * a list number at the start of a sentence (``1. HTN``).
Decimals (``3.5``) and codes (``E11.22``) never break: a full stop breaks only before white space.

Line breaks: a blank line always breaks. A single line break breaks after a line ending in a
colon ("Diagnoses:"), before a list item (``1.``, ``2)``, ``-``, ``*``, ``•``), after a list item
when the next line starts with a capital or digit, before a ``Label:`` line, and after a short line
(40 characters or fewer) or a paragraph line (over 100 characters, so not hard-wrapped) when the
next line starts with a capital or digit and the line does not end in a connector (``and``,
``with``, a comma). A hard-wrapped paragraph (lines of 41 to 100 characters) stays one
sentence. Numbered items on one line ("Diagnoses: 1. HTN 2. DM2") are split when the
numbers run in sequence; an inline bullet ``•`` starts a new item.

Spans are ``(start, end)`` offsets into the text given, trimmed of white space, never empty.
"""

from __future__ import annotations

import itertools
import re

_CAND = re.compile(r"[\r\n.!?)•▪◦‣●■]")
_BULLETS = frozenset("•▪◦‣●■")
_CLOSERS = frozenset("\"'”’)]")
_LIST_ITEM = re.compile(r"(?:[-*+•▪◦‣●■·]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z]\))[ \t]")
_LABEL_LINE = re.compile(r"[A-Z][A-Za-z/&' -]{0,40}:(?:[ \t]|$)", re.MULTILINE)

_TITLES = frozenset({"dr", "mr", "mrs", "ms", "prof", "st", "messrs", "mt", "sr", "jr"})
_NEVER = frozenset({"e.g", "i.e", "eg", "ie", "cf", "viz", "vs", "approx", "incl", "esp", "et al"})
_ABBREV = frozenset(
    {
        # units
        "mg", "mcg", "ug", "g", "gm", "kg", "lb", "lbs", "oz", "ml", "cc", "l", "dl", "mm",
        "cm", "m", "in", "ft", "hr", "hrs", "h", "min", "mins", "sec", "secs", "wk", "wks",
        "yr", "yrs", "mo", "mos", "meq", "mmol", "iu", "u", "units", "tab", "tabs", "cap",
        "caps", "amp", "inj", "sol", "susp", "supp", "puff", "puffs", "gtt", "gtts",
        # clinical shorthand
        "pt", "pts", "dx", "ddx", "hx", "tx", "sx", "rx", "fx", "yo", "y.o", "no", "nos",
        "qd", "bid", "tid", "qid", "qhs", "qam", "qpm", "prn", "po", "pr", "sl", "iv", "im",
        "sq", "subq", "od", "os", "ou", "etc", "fig", "figs", "dept", "div", "ext", "tel",
        "temp", "resp", "abd", "neg", "pos", "sig", "disp", "ref", "refs", "wt", "ht",
        "avg", "max", "approx", "appt", "est", "inc", "co", "corp", "ltd", "vol",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    }
)
_CONNECTORS = frozenset(
    {
        "and", "or", "of", "with", "w/", "w/o", "without", "to", "the", "a", "an", "for", "in",
        "on", "at", "by", "from", "per", "including", "due", "secondary", "s/p", "but", "as",
        "than", "is", "was", "are", "were", "has", "have", "had", "not", "no", "denies", "that",
        "which", "who", "after", "before", "into", "over", "under", "status", "history",
    }
)
_CONNECTOR_CHARS = frozenset(",;-/(&+=")
_SHORT_LINE = 40
_WRAP_WIDTH = 100  # a longer line is a paragraph of its own, not hard-wrapped text


def _opens_sentence(c: str) -> bool:
    return c.isupper() or c.isdigit() or c in "\"'“‘([•▪◦‣●■*-"


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as offsets into ``text``."""
    end = len(text) if end is None else min(end, len(text))
    start = max(0, start)
    if start >= end:
        return []
    cuts: list[int] = [start]
    cut = cuts.append
    sent_start = start  # where the sentence being read began (the last cut)
    line_start = start
    enum_next = 0  # the next number of an inline numbered list, 0 when none is open
    skip = start  # characters before this were read with an earlier match
    rfind = text.rfind
    for m in _CAND.finditer(text, start, end):
        i = m.start()
        if i < skip:
            continue
        ch = text[i]
        if ch == "\n" or ch == "\r":
            if ch == "\r" and i + 1 < end and text[i + 1] == "\n":
                continue  # CR LF: the LF is the line break
            r = i + 1
            while r < end and text[r] in " \t":
                r += 1
            if r >= end or text[r] in "\r\n":
                enum_next = 0  # a blank line (or the end) follows
                cut(i)
                sent_start = i
            elif _line_break(text, line_start, i, r):
                cut(i)
                sent_start = i
            line_start = i + 1
            continue
        if ch in _BULLETS:
            if i > start and text[i - 1] in " \t":
                cut(i)
                sent_start = i
            continue
        # ".", "!", "?" or ")": read the run of end marks and closing quotes or brackets
        j = i
        while j < end and text[j] in ".!?":
            j += 1
        punct = text[i:j]
        while j < end and text[j] in _CLOSERS:
            j += 1
        skip = j
        if j < end and not text[j].isspace():
            continue  # "3.5", "E11.22", "p.o.b" …: not followed by white space
        r = j
        while r < end and text[r] in " \t\r\n\f\v":
            r += 1
        if r >= end:
            continue
        c = text[r]
        lo = i - 32 if i - 32 > sent_start else sent_start
        ws = max(rfind(" ", lo, i), rfind("\n", lo, i), rfind("\t", lo, i), rfind("\r", lo, i))
        tok_start = ws + 1 if ws >= 0 else lo
        token = text[tok_start:i].lstrip("([\"'“‘")
        if punct in (".", "") and token.isdigit() and len(token) <= 2:
            num = int(token)
            inline = ws >= 0 and text[ws] in " \t" and text[j] in " \t"
            if inline and (
                num == enum_next or (num == 1 and _prev_visible(text, ws + 1, start) == ":")
            ):
                cut(tok_start)  # "Diagnoses: 1. HTN 2. DM2": an item starts at its number
                sent_start = tok_start
                enum_next = num + 1
                continue
            if not text[sent_start:tok_start].strip(" \t\r\n•▪◦‣●■*-"):
                enum_next = num + 1  # "1. HTN" starting a sentence is a list number
                continue
        if not punct:
            continue  # a closing bracket that is not a list number
        if punct != ".":
            if "?" in punct or "!" in punct:
                if c.islower():
                    continue
            elif not _opens_sentence(c):  # an ellipsis
                continue
            cut(j)
            sent_start = j
            continue
        if len(token) == 1 and token.isalpha() and (
            not c.isupper() or not text[sent_start:tok_start].strip(" \t\r\n•▪◦‣●■*-")
        ):
            continue  # "E. coli", "S. aureus"; "a. first item"
        tl = token.lower()
        if tl in _TITLES or tl in _NEVER:
            continue
        if ("." in tl or tl in _ABBREV) and not (c.isupper() or (c in "\"'“‘(" and tl != "no")):
            continue
        cut(j)
        sent_start = j
    cuts.append(end)
    out: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(cuts):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _prev_visible(text: str, i: int, lo: int) -> str:
    i -= 1
    while i >= lo and text[i] in " \t":
        i -= 1
    return text[i] if i >= lo else ""


def _line_break(text: str, line_start: int, p: int, r: int) -> bool:
    """Does the single line break at ``p`` (next line's text at ``r``) end a sentence?"""
    prev = text[line_start:p].strip()
    if not prev:
        return True
    if prev[-1] == ":":
        return True
    if _LIST_ITEM.match(text, r):
        return True
    c = text[r]
    if not (c.isupper() or c.isdigit()):
        return False
    if _LIST_ITEM.match(prev + " "):
        return True
    if _LABEL_LINE.match(text, r):
        return True
    if _SHORT_LINE < len(prev) <= _WRAP_WIDTH:
        return False  # a line of a hard-wrapped paragraph
    if prev[-1] in _CONNECTOR_CHARS:
        return False
    last = prev.rsplit(None, 1)[-1].lower()
    return last not in _CONNECTORS
