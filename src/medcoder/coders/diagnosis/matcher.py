"""Find terms of the dictionary in one sentence: every word of a term near the others, any order.

A sentence becomes a list of (position, normalised word, start, end) slots; an abbreviation
("T2DM") fills several slots at the same position with its expansion's words. A term matches
when each of its words is found within a window around its rarest word (the anchor). Among the
matches of a sentence the most specific survive: a term whose words are a strict subset of
another match's words, on the same note words, is dropped ("diabetes" inside "type 2 diabetes
mellitus with diabetic chronic kidney disease").

A word the note says is absent ("without aura": ``normalize.tokens`` sets ``neg``) fills two
slots: "~aura", which a term saying "without aura" asks for, and "aura", marked negated. A term
may take all its words from negated slots ("no fever": ConText then flags the mention negated),
but never some of them: "migraine without aura" is not "migraine with aura".

Sides: when a sentence names more than one side ("osteoarthritis of right knee and left
shoulder"), each side word belongs to the site written next to it (the next content word in its
list item, else the one before). A term takes a side word only with the word it belongs to, and
a match records the sides that belong to its own words (``Match.sides``) for the completion of
its code (ICD-10-CM Guideline I.B.13, laterality: the side documented for that site).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from medcoder.coders.diagnosis.normalize import NEG, tokens
from medcoder.coders.diagnosis.terms import PRIORITY, Term, TermDictionary


class Slot(NamedTuple):
    pos: int
    word: str
    start: int
    end: int
    neg: bool = False  # the note says the word is absent ("without aura")


@dataclass(frozen=True)
class Match:
    term: Term
    spans: tuple[tuple[int, int], ...]  # note character spans of the matched words, in order
    positions: frozenset[int]
    # content words of the note inside the match that are not the term's: 0 when the term is
    # written as one phrase ("left knee pain"), 1 for "pain in the left knee" read as "knee pain"
    spread: int = 0
    # the side words that belong to the match's own words, when the sentence names several
    # sides; None when it names one or none (then any side word of the sentence is the side)
    sides: frozenset[str] | None = None

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]

    @property
    def size(self) -> int:
        return len(self.term.words)


def slots(text: str, start: int, end: int, d: TermDictionary) -> list[Slot]:
    toks = tokens(text, start, end)
    out: list[Slot] = []
    i = 0
    pos = 0
    multi = d.multiword_abbreviations
    raws = [text[t.start : t.end].lower() for t in toks]
    while i < len(toks):
        t = toks[i]
        raw = raws[i]
        if raw.isdigit() and _enumerator(text, t.start, t.end, start):
            i += 1  # "2. CKD stage 3a": a list number, not a stage or a type
            continue
        # two-word abbreviations first ("dm ii", "gi bleed", "c diff")
        if i + 1 < len(toks) and multi:
            key = (raw, raws[i + 1])
            exp = multi.get(key)
            if exp:
                for w in exp:
                    _fill(out, pos, w, t.start, toks[i + 1].end, t.neg)
                i += 2
                pos += 1
                continue
        exp1 = d.abbreviations.get(raw)
        # an abbreviation is only trusted written as one (upper case or mixed: "HTN", "AFib")
        if exp1 and (text[t.start : t.end] != raw or len(raw) > 4):
            for w in exp1:
                _fill(out, pos, w, t.start, t.end, t.neg)
        elif t.norm:
            _fill(out, pos, t.norm, t.start, t.end, t.neg)
        else:
            i += 1  # a stop word takes no position: windows count content words
            continue
        i += 1
        pos += 1
    return out


def _fill(out: list[Slot], pos: int, word: str, start: int, end: int, neg: bool) -> None:
    if neg and not word.startswith(NEG):
        out.append(Slot(pos, NEG + word, start, end, True))
    out.append(Slot(pos, word, start, end, neg))


def _enumerator(text: str, s: int, e: int, sentence_start: int) -> bool:
    """A list number: first on its line (or sentence) and followed by '.' or ')'."""
    if e >= len(text) or text[e] not in ".)":
        return False
    if e + 1 < len(text) and text[e + 1].isdigit():
        return False  # a decimal: "3.5"
    before = text[max(sentence_start, text.rfind("\n", 0, s) + 1) : s]
    return before.strip() == ""


SIDES = frozenset({"right", "left", "bilateral"})


def _side_owners(sl: list[Slot], item: dict[int, int]) -> dict[int, tuple[str, int]] | None:
    """Side word position -> (side, position of the word it belongs to), when the sentence
    names more than one side; None otherwise."""
    sides = [s for s in sl if s.word in SIDES and not s.neg]
    if len({s.word for s in sides}) < 2:
        return None
    words = sorted({s.pos for s in sl if s.word not in SIDES})
    owners: dict[int, tuple[str, int]] = {}
    for s in sides:
        same = [p for p in words if item.get(p) == item.get(s.pos)]
        after = [p for p in same if p > s.pos]
        before = [p for p in same if p < s.pos]
        owner = after[0] if after else before[-1] if before else -1
        owners[s.pos] = (s.word, owner)
    return owners


def _nearest(options: list[Slot], pos: int) -> Slot:
    return min(options, key=lambda s: abs(s.pos - pos))


def _window(n: int) -> int:
    return n + 3


def find(text: str, start: int, end: int, d: TermDictionary, max_terms: int = 400) -> list[Match]:
    sl = slots(text, start, end, d)
    if not sl:
        return []
    content = {s.pos for s in sl}
    where: dict[str, list[Slot]] = {}
    for s in sl:
        where.setdefault(s.word, []).append(s)
    found: list[Match] = []
    present = set(where)
    items = _list_items(text, sl)
    owners = _side_owners(sl, items)
    for anchor, anchor_slots in where.items():
        anchored = d.anchored(anchor, max_terms)
        if not anchored:
            continue
        # the terms whose every word is in the sentence (``frozenset.issubset`` of a set is the
        # cheapest test Python has: this is the hot loop of coding)
        for term in [t for t, words in anchored if words.issubset(present)]:
            win = _window(len(term.words))
            for a in anchor_slots:
                chosen: list[Slot] = []
                ok = True
                # the term's plain words are all asserted or all said absent, never a mix
                polarity = a.neg and not a.word.startswith(NEG)
                for w in term.words:
                    options = where[w]
                    if not w.startswith(NEG):
                        options = [s for s in options if s.neg == polarity] or options
                    best = _nearest(options, a.pos)
                    if abs(best.pos - a.pos) > win or (not w.startswith(NEG) and best.neg != polarity):
                        ok = False
                        break
                    chosen.append(best)
                if not ok:
                    continue
                lo = min(s.pos for s in chosen)
                hi = max(s.pos for s in chosen)
                if hi - lo > win:
                    continue
                pos = frozenset(s.pos for s in chosen)
                sides: frozenset[str] | None = None
                if owners is not None:
                    if any(s.word in SIDES and owners[s.pos][1] not in pos for s in chosen if s.pos in owners):
                        continue  # "right knee and left shoulder" is not "right shoulder"
                    sides = frozenset(w for p, (w, o) in owners.items() if o in pos)
                spans = tuple(sorted({(s.start, s.end) for s in chosen}))
                spread = len({p for p in content if lo < p < hi} - pos)
                found.append(Match(term, spans, pos, spread, sides))
                break
    found = _not_from_status(_within_list_items(found, items), items, sl)
    return most_specific(_behaviour_stated(found))


def _behaviour_stated(found: list[Match]) -> list[Match]:
    """"malignant tumor of the liver": the Neoplasm Table's malignant column, not 'unspecified
    behavior' (that column is for a tumor whose behaviour the record does not state)."""
    stated = [m for m in found if m.term.source == "neoplasm" and not m.term.text.startswith("tumor ")]
    if not stated:
        return found
    return [
        m
        for m in found
        if not (
            m.term.source == "neoplasm"
            and m.term.text.startswith("tumor ")
            and any(s.positions & m.positions for s in stated)
        )
    ]


_LIST_BREAK = re.compile(r"[,;]|\b(?:and|or|as well as|plus)\b", re.I)


def _list_items(text: str, sl: list[Slot]) -> dict[int, int]:
    """Slot position -> the list item it is in ("COPD, hypertension and diabetes": 3 items)."""
    item: dict[int, int] = {}
    n = 0
    prev_end: int | None = None
    for s in sl:
        if prev_end is not None and s.start > prev_end and _LIST_BREAK.search(text, prev_end, s.start):
            n += 1
        item.setdefault(s.pos, n)
        prev_end = s.end if prev_end is None else max(prev_end, s.end)
    return item


def _within_list_items(found: list[Match], item: dict[int, int]) -> list[Match]:
    """Drop a match that joins two items of a list, each a condition of its own.

    "history of COPD, hypertension" is two conditions, not "pulmonary hypertension": a match
    whose words come from two or more list items is dropped when at least two of those items
    hold a complete match of their own that shares words with it. "CKD, stage 3a" stays one term
    ("stage 3a" alone is nothing).
    """
    if len(set(item.values())) < 2:
        return found
    out = []
    for m in found:
        parts = {item[p] for p in m.positions}
        if len(parts) < 2:
            out.append(m)
            continue
        own = {
            item[next(iter(o.positions))]
            for o in found
            if o is not m
            and o.positions & m.positions
            and len({item[p] for p in o.positions}) == 1
        }
        if len(own & parts) < 2:
            out.append(m)
    return out


# words that say how a finding is, not what the patient has ("mood stable", "gait normal")
STATUS = frozenset(
    ["stable", "unchanged", "improved", "improving", "better", "good", "fine", "ok", "okay", "normal", "euthymic", "appropriate", "intact", "steady"]
)


def _not_from_status(found: list[Match], item: dict[int, int], sl: list[Slot]) -> list[Match]:
    """Drop a match that borrows another condition's words to turn a status statement into a
    diagnosis: in "anxiety disorder, mood stable", "mood stable" says how the mood is; it is
    not "mood disorder" (F39) made of its "mood" and the anxiety disorder's "disorder": a
    status word states no condition. "Angina, stable" stays stable angina: there the status
    word is the term's own word."""
    status_items = {item[s.pos] for s in sl if s.word in STATUS and not s.neg}
    if not status_items:
        return found
    word_at = {s.pos: s.word for s in sl}
    out = []
    for m in found:
        parts = {item[p] for p in m.positions}
        drop = False
        for part in parts & status_items:
            taken = {p for p in m.positions if item[p] == part}
            if any(word_at.get(p) in STATUS for p in taken):
                continue  # the status word is the term's own ("stable angina")
            rest = m.positions - taken
            covered = {
                p
                for o in found
                if o is not m and len({item[q] for q in o.positions}) == 1 and item[next(iter(o.positions))] != part
                for p in o.positions
            }
            if rest and rest <= covered:
                drop = True
        if not drop:
            out.append(m)
    return out


def most_specific(found: list[Match]) -> list[Match]:
    """Drop matches subsumed by a more specific one on the same words; keep the best per code."""
    found.sort(key=lambda m: (-m.size, -PRIORITY.get(m.term.source, 0), -m.term.weight))
    kept: list[Match] = []
    for m in found:
        words = set(m.term.words)
        subsumed = False
        for k in kept:
            if k.size > m.size and words < set(k.term.words) and m.positions <= k.positions:
                subsumed = True
                break
        if not subsumed:
            kept.append(m)
    # the same note words read as the same term words: one code (the best source, then the
    # unspecified/NOS form a bare mention means, then the shortest code)
    same: dict[tuple[frozenset[str], frozenset[int]], Match] = {}
    for m in kept:
        key = (frozenset(m.term.words), m.positions)
        b = same.get(key)
        if b is None or _rank(m) > _rank(b):
            same[key] = m
    best: dict[str, Match] = {}
    for m in same.values():
        if m.term.code not in best:
            best[m.term.code] = m
    return list(best.values())


def _rank(m: Match) -> tuple[int, float, int, int]:
    t = m.term
    low = t.text.lower()
    plain = int("unspecified" in low or "nos" in low.split())
    return (PRIORITY.get(t.source, 0), t.weight, plain, -len(t.code))
