"""From the code a term points at to a reportable code: children, laterality, 7th character, X.

A term may point at a category or subcategory ("Fracture of lower end of radius" S52.5). A coder
then reads on: which side, which encounter, open or closed. ``complete`` does the same with the
words of the mention's sentence and the encounter, and says what it assumed (the default the
guidelines give, e.g. a fracture not documented as open is closed: Guideline I.C.19.c.1) and what
is missing (a physician query topic), rather than guessing silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from medcoder.coders.diagnosis.normalize import norm_words

_SIDES = {"right", "left", "bilateral"}


@dataclass
class Completion:
    code: str
    title: str
    billable: bool
    assumptions: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # query topics


@dataclass(frozen=True)
class Phase:
    """What the note says about the encounter for 7th characters."""

    char: str  # A / D / S (injuries); fractures refine with open/healing
    open_fracture: bool
    healing: str | None  # routine | delayed | nonunion | malunion
    documented: bool  # False when A is the default rather than documented
    evidence: str = ""


_SUBSEQ = re.compile(
    r"\b(follow[- ]?up|subsequent encounter|recheck|cast (check|change)|suture removal|"
    r"routine healing|healing (well|normally)|post[- ]?op(erative)? (visit|check)|"
    r"(aftercare|during the healing))\b(?!\s+(in|with|within)\b)",
    re.I,
)
_SEQUELA = re.compile(r"\b(sequela|sequelae|late effect|residual of)\b", re.I)
_INITIAL = re.compile(
    r"\b(initial encounter|active treatment|emergency department|presents? (to|with)|"
    r"today after|was brought|brought in|this morning|today|yesterday|last night)\b",
    re.I,
)
_OPEN = re.compile(r"\bopen (fracture|fx)\b|\bcompound fracture\b|\bfracture[^.]{0,30}\bopen\b", re.I)
_HEAL = (
    (re.compile(r"\bnon[- ]?union\b", re.I), "nonunion", "K"),
    (re.compile(r"\bmal[- ]?union\b", re.I), "malunion", "P"),
    (re.compile(r"\bdelayed (healing|union)\b", re.I), "delayed", "G"),
)


def encounter_phase(text: str, setting: str) -> Phase:
    if _SEQUELA.search(text):
        m = _SEQUELA.search(text)
        return Phase("S", False, None, True, m.group() if m else "")
    open_fx = bool(_OPEN.search(text))
    for rx, name, _ in _HEAL:
        m = rx.search(text)
        if m:
            return Phase("D", open_fx, name, True, m.group())
    m = _SUBSEQ.search(text)
    # an emergency visit is active treatment unless the note says this is the follow-up
    if m and not _INITIAL.search(text) and (setting != "emergency" or "subsequent" in m.group().lower()):
        return Phase("D", open_fx, "routine", True, m.group())
    m = _INITIAL.search(text)
    if m:
        return Phase("A", open_fx, None, True, m.group())
    # Guideline I.C.19.a: 7th character A while the patient receives active treatment; the
    # emergency department and admissions are active treatment by nature.
    return Phase("A", open_fx, None, setting in ("emergency", "inpatient", "ambulance"))


def _seventh_char(defs: list[tuple[str, str]], phase: Phase) -> tuple[str, str]:
    chars = {c: t for c, t in defs}
    want = phase.char
    if "B" in chars and "fracture" in " ".join(chars.values()).lower():
        if phase.char == "A":
            want = "B" if phase.open_fracture else "A"
        elif phase.char == "D":
            table = {"routine": "D", "delayed": "G", "nonunion": "K", "malunion": "P", None: "D"}
            want = table.get(phase.healing, "D")
            if phase.open_fracture:
                want = {"D": "E", "G": "H", "K": "M", "P": "Q"}.get(want, want)
    if want not in chars:
        want = "A" if "A" in chars else next(iter(chars))
    return want, chars[want]


class Completer:
    def __init__(self, tabular: Any) -> None:
        self.tab = tabular
        self.tree = tabular.tree_view()  # nodes read as asked for: no load of the whole tree
        self._title_words: dict[str, frozenset[str]] = {}

    def _words(self, code: str) -> frozenset[str]:
        """The normalised words of a node's title (the same few categories come up note after note)."""
        hit = self._title_words.get(code)
        if hit is None:
            hit = self._title_words[code] = frozenset(norm_words(self.tree.nodes[code].title))
        return hit

    def title(self, code: str) -> str:
        n = self.tree.nodes.get(code)
        if n is not None:
            return str(n.title)
        t = self.tab.title(code)
        return t or ""

    def is_billable(self, code: str) -> bool:
        return bool(self.tab.is_billable(code))

    def complete(self, code: str, words: set[str], phase: Phase) -> Completion:
        tree = self.tree
        c = code
        assumptions: list[str] = []
        missing: list[str] = []
        guard = 0
        while c in tree.nodes and not tree.nodes[c].billable and tree.kids.get(c) and guard < 6:
            guard += 1
            c = self._pick_child(c, words, assumptions, missing)
        node = tree.nodes.get(c)
        if node is None:
            # a 7th-character code or placeholder form given directly
            ok = self.tab.is_billable(c)
            return Completion(c, self.tab.title(c) or "", ok, assumptions, missing)
        if node.seventh_from:
            defs = tree.seventh.get(node.seventh_from, [])
            if defs:
                ch, meaning = _seventh_char(defs, phase)
                base = node.code.replace(".", "")
                padded = base.ljust(6, "X")
                full = f"{padded[:3]}.{padded[3:]}{ch}"
                if not phase.documented and ch == "A":
                    missing.append("encounter type (initial, subsequent, sequela)")
                    assumptions.append(
                        "7th character A (initial encounter) assumed: the note does not say "
                        "whether the patient is still receiving active treatment"
                    )
                else:
                    assumptions.append(f"7th character {ch}: {meaning.lower()}")
                if "X" in padded[len(base) :]:
                    assumptions.append("placeholder X fills the empty positions before the 7th character")
                return Completion(full, self.tab.title(full) or node.title, self.tab.is_billable(full), assumptions, missing)
        return Completion(c, node.title, bool(node.billable), assumptions, missing)

    def _pick_child(self, code: str, words: set[str], assumptions: list[str], missing: list[str]) -> str:
        kids = self.tree.kids[code]
        titles = {k: self._words(k) for k in kids}
        parent_words = self._words(code)
        side_in_titles = any(_SIDES & t for t in titles.values())
        # the child whose own extra words the note supports best
        scored = []
        for k in kids:
            extra = titles[k] - parent_words
            hit = len(extra & words)
            miss = len(extra - words - {"unspecified"})
            scored.append((hit, -miss, k))
        scored.sort(reverse=True)
        best_hit = scored[0][0]
        if best_hit > 0:
            candidates = [k for h, _, k in scored if h == best_hit]
            k = min(candidates, key=lambda k: len(titles[k] - parent_words - words))
            return k
        # nothing specific documented: the unspecified child (or .9 / .0 / first)
        base = self.tree.nodes[code].title.lower().count("unspecified")
        unspecified = sorted(
            (k for k in kids if self.tree.nodes[k].title.lower().count("unspecified") > base),
            key=lambda k: -self.tree.nodes[k].title.lower().count("unspecified"),
        )
        if side_in_titles and not (_SIDES & words):
            missing.append("laterality")
        pick = unspecified[0] if unspecified else next(
            (k for k in kids if k.endswith("9")), next((k for k in kids if k.endswith("0")), kids[0])
        )
        assumptions.append(
            f"{code} needs more characters; the note documents nothing more specific, so "
            f"{pick} ({self.tree.nodes[pick].title})"
        )
        return pick
