"""How a condition mention is asserted: negated, uncertain, historical, a relative's, hypothetical.

A ConText-style engine (Harkema et al., J Biomed Inform 2009; NegEx, Chapman et al. 2001) with no
spaCy at run time. The diagnosis coder finds mention spans (targets) in a sentence and asks::

    engine = default_engine()
    engine.assess(text, (s0, s1), [(a, b), ...], section="past_medical_history")
        -> [Context(negated=..., uncertain=..., historical=..., family=..., hypothetical=...)]
    engine.assess_explained(...) -> [(Context, [Trigger, ...])]   the triggers responsible
    engine.triggers(text, (s0, s1)) -> [Trigger]                  every trigger in the sentence

Rules live in ``medcoder/data/context_rules.yaml`` (its header documents the phrase syntax, the
directions and the scope window). In short:

- Trigger phrases are found in one pass of an Aho-Corasick automaton over the lower-cased note
  (white-space runs count as one space), kept only at word boundaries, cached per note so each
  sentence costs a few dictionary and list operations.
- Pseudo-triggers drop the triggers they contain ("no increase" hides "no"); then the longest
  match wins where matches overlap ("no history of" over "history of").
- A trigger's scope runs to the sentence end (FORWARD) or start (BACKWARD), cut by terminators
  that end its category, and within it a target counts when at most ``max_scope`` words separate
  it from the trigger or from the previous target the trigger modifies (lists stay in scope).
- A target that holds a whole trigger is not modified by it ("old" in a target "old myocardial
  infarction"); one that starts inside a trigger is ("if [symptoms]" matched as "if symptoms").
- Section defaults: a mention in a family history section is a relative's, in a past medical or
  surgical history section historical unless the sentence says it is current.

Nothing is loaded at import; ``default_engine()`` builds the packaged rules once per process.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick

if TYPE_CHECKING:
    import yaml

from medcoder.errors import FileFormatError, InputError
from medcoder.result import Context

__all__ = [
    "Category",
    "ContextEngine",
    "Direction",
    "Trigger",
    "default_engine",
    "expand_phrase",
    "normalize_section",
]


class Category(StrEnum):
    NEGATED_EXISTENCE = "NEGATED_EXISTENCE"
    POSSIBLE_EXISTENCE = "POSSIBLE_EXISTENCE"
    HISTORICAL = "HISTORICAL"
    FAMILY = "FAMILY"
    HYPOTHETICAL = "HYPOTHETICAL"


class Direction(StrEnum):
    FORWARD = "FORWARD"
    BACKWARD = "BACKWARD"
    BIDIRECTIONAL = "BIDIRECTIONAL"
    TERMINATE = "TERMINATE"
    PSEUDO = "PSEUDO"
    SECTION = "SECTION"  # a section default, not a phrase in the text (start == end)


_MODIFYING = (Direction.FORWARD, Direction.BACKWARD, Direction.BIDIRECTIONAL)


@dataclass(frozen=True, slots=True)
class Trigger:
    """A phrase that asserts something about the targets in its scope.

    ``text[start:end]`` is the phrase as written. ``category`` is None for terminators and
    pseudo-triggers. ``phrase`` is the rule phrase that matched (for a section default, the
    section's name, and ``start == end`` is the sentence start).
    """

    start: int
    end: int
    category: Category | None
    direction: Direction
    phrase: str


@dataclass(frozen=True, slots=True)
class _Rule:
    direction: Direction
    category: Category | None
    back: int  # window before the trigger, in words
    fwd: int  # window after
    comma_back: bool
    comma_fwd: bool
    ends: frozenset[Category]  # TERMINATE: categories whose scope it ends
    cuts_fwd: bool  # TERMINATE: ends forward scopes of triggers before it
    cuts_back: bool  # TERMINATE: ends backward scopes of triggers after it
    blocks: frozenset[Category]  # PSEUDO: categories of the triggers it hides
    unless: frozenset[int]  # marker groups that switch the rule off for the sentence


@dataclass(frozen=True, slots=True)
class _Section:
    sets: tuple[Category, ...]
    unless: frozenset[int]  # marker groups that switch the default off for the sentence


_FLAG = {
    Category.NEGATED_EXISTENCE: "negated",
    Category.POSSIBLE_EXISTENCE: "uncertain",
    Category.HISTORICAL: "historical",
    Category.FAMILY: "family",
    Category.HYPOTHETICAL: "hypothetical",
}

_WORD = re.compile(r"\w+")
_WS_RUN = re.compile(r"\s{2,}")
_WS_ONE = str.maketrans({c: " " for c in "\t\n\r\f\v\x0b\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029"})
_BRACES = re.compile(r"\{([^{}]*)\}")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# A marker phrase (group k of `markers:` in the rules) is stored with rule index -1 - k.
_LIST_ITEM = 3  # words: a comma-separated item this short is a list item, not a clause
_LIST_WINDOW = 5  # rules with a shorter window ("free", "negative") want adjacency, not lists


def normalize_section(name: str) -> str:
    """'Past Medical History' -> 'past_medical_history' (how section names are compared)."""
    return _NON_WORD.sub("_", name.lower()).strip("_")


def expand_phrase(pattern: str) -> list[str]:
    """Expand ``{a|b|}`` groups: 'no {new|} evidence' -> ['no new evidence', 'no evidence']."""
    if "{" not in pattern and "}" not in pattern:
        return [" ".join(pattern.lower().split())]
    parts: list[list[str]] = []
    pos = 0
    for m in _BRACES.finditer(pattern):
        parts.append([pattern[pos : m.start()]])
        parts.append(m.group(1).split("|"))
        pos = m.end()
    parts.append([pattern[pos:]])
    if any("{" in p or "}" in p for group in parts for p in group):
        raise ValueError("unbalanced or nested braces")
    out: list[str] = []
    seen: set[str] = set()
    for combo in itertools.product(*parts):
        phrase = " ".join("".join(combo).lower().split())
        if phrase and phrase not in seen:
            seen.add(phrase)
            out.append(phrase)
    return out


def _is_word_char(c: str) -> bool:
    return c.isalnum()


@dataclass(slots=True)
class _Scan:
    """Everything about one note the engine needs, computed once per note."""

    text: str
    starts: list[int]  # match starts, sorted
    # (start, end, rule index, or -1 - k for marker group k, phrase)
    matches: list[tuple[int, int, int, str]]
    words: list[int]  # starts of word tokens

    def word_gap(self, a: int, b: int) -> int:
        """Number of words starting in [a, b)."""
        if b <= a:
            return 0
        return bisect.bisect_left(self.words, b) - bisect.bisect_left(self.words, a)

    def distance(self, a: int, b: int, window: int) -> int:
        """Words between a and b, where a short item of a comma list counts as none.

        "negative for fever, chills, night sweats, ..., nausea and dysuria": the items between
        two commas (at most ``_LIST_ITEM`` words each) do not push "dysuria" out of the window;
        a long clause between commas still counts in full.
        """
        gap = self.word_gap(a, b)
        if gap <= window or window < _LIST_WINDOW:
            return gap
        text = self.text
        commas = []
        c = text.find(",", a, b)
        while c != -1:
            commas.append(c)
            c = text.find(",", c + 1, b)
        if len(commas) < 2:
            return gap
        total = self.word_gap(a, commas[0]) + self.word_gap(commas[-1], b)
        for left, right in itertools.pairwise(commas):
            words = self.word_gap(left, right)
            if words > _LIST_ITEM:
                total += words
        return total


class ContextEngine:
    """ConText assertion for condition mentions; one engine serves any number of notes and threads."""

    def __init__(self, rules_path: Path | None = None) -> None:
        if rules_path is None:
            res = importlib.resources.files("medcoder") / "data" / "context_rules.yaml"
            source, where = res.read_text(encoding="utf-8"), "medcoder/data/context_rules.yaml"
        else:
            try:
                source = Path(rules_path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise FileFormatError(
                    f"cannot read the ConText rules: {exc}", path=rules_path
                ) from exc
            where = str(rules_path)
        self._where = where
        self._rules: list[_Rule] = []
        self._sections: dict[str, tuple[str, _Section]] = {}
        self._marker_ids: dict[str, int] = {}
        self._conditional = False  # any rule with `unless`
        self._automaton = ahocorasick.Automaton()
        self._load(source)
        self._cache: _Scan | None = None

    # ------------------------------------------------------------------ public API

    @property
    def phrase_count(self) -> int:
        """How many phrases (after expansion) the automaton holds."""
        return len(self._automaton)

    def assess(
        self,
        text: str,
        sentence: tuple[int, int],
        targets: Sequence[tuple[int, int]],
        section: str | None = None,
    ) -> list[Context]:
        """One Context per target span (character offsets into ``text``, inside ``sentence``)."""
        return [ctx for ctx, _ in self.assess_explained(text, sentence, targets, section)]

    def assess_explained(
        self,
        text: str,
        sentence: tuple[int, int],
        targets: Sequence[tuple[int, int]],
        section: str | None = None,
    ) -> list[tuple[Context, list[Trigger]]]:
        """Like :meth:`assess`, with the triggers (and section default) behind each Context."""
        s0, s1 = self._check_sentence(text, sentence)
        spans: list[tuple[int, int]] = []
        for t in targets:
            a, b = int(t[0]), int(t[1])
            if not (s0 <= a < b <= s1):
                raise InputError(
                    f"target span ({a}, {b}) is empty or lies outside the sentence ({s0}, {s1})"
                )
            spans.append((a, b))
        scan = self._scan(text)
        selected, _, markers = self._resolve(scan, s0, s1)
        reasons: list[list[tuple[int, Trigger]]] = [[] for _ in spans]
        terms = [m for m in selected if self._rules[m[2]].direction is Direction.TERMINATE]
        for m in selected:
            rule = self._rules[m[2]]
            if rule.direction not in _MODIFYING:
                continue
            trig = Trigger(m[0], m[1], rule.category, rule.direction, m[3])
            if rule.direction is not Direction.BACKWARD:
                end = self._forward_end(text, m, rule, terms, s1)
                self._apply_forward(scan, trig, rule.fwd, end, spans, reasons)
            if rule.direction is not Direction.FORWARD:
                start = self._backward_start(text, m, rule, terms, s0)
                self._apply_backward(scan, trig, rule.back, start, spans, reasons)
        section_rule = self._section(section)
        if section_rule is not None and section_rule[1].unless & markers:
            section_rule = None
        out: list[tuple[Context, list[Trigger]]] = []
        for found in reasons:
            triggers = [t for _, t in sorted(found, key=lambda x: (x[1].start, x[0]))]
            cats = {t.category for t in triggers}
            if section_rule is not None:
                name, sec = section_rule
                for c in (c for c in sec.sets if c not in cats):
                    triggers.append(Trigger(s0, s0, c, Direction.SECTION, name))
                    cats.add(c)
            flags = {_FLAG[c]: True for c in cats if c is not None}
            out.append((Context(**flags), triggers))
        return out

    def triggers(self, text: str, sentence: tuple[int, int]) -> list[Trigger]:
        """Every trigger, terminator and pseudo-trigger in the sentence, in text order.

        Pseudo-triggers are listed when they hid a trigger; triggers they hid are not listed.
        """
        s0, s1 = self._check_sentence(text, sentence)
        scan = self._scan(text)
        selected, pseudos, _ = self._resolve(scan, s0, s1)
        out = []
        for m in sorted(selected + pseudos):
            rule = self._rules[m[2]]
            out.append(Trigger(m[0], m[1], rule.category, rule.direction, m[3]))
        return out

    # ------------------------------------------------------------------ scope

    def _forward_end(
        self,
        text: str,
        m: tuple[int, int, int, str],
        rule: _Rule,
        terms: list[tuple[int, int, int, str]],
        s1: int,
    ) -> int:
        end = s1
        cat = rule.category
        for t in terms:
            if t[0] >= m[1] and t[0] < end:
                tr = self._rules[t[2]]
                if tr.cuts_fwd and cat in tr.ends:
                    end = t[0]
        if rule.comma_fwd:
            c = text.find(",", m[1], end)
            if c != -1:
                end = c
        return end

    def _backward_start(
        self,
        text: str,
        m: tuple[int, int, int, str],
        rule: _Rule,
        terms: list[tuple[int, int, int, str]],
        s0: int,
    ) -> int:
        start = s0
        cat = rule.category
        for t in terms:
            if t[1] <= m[0] and t[1] > start:
                tr = self._rules[t[2]]
                if tr.cuts_back and cat in tr.ends:
                    start = t[1]
        if rule.comma_back:
            c = text.rfind(",", start, m[0])
            if c != -1:
                start = c + 1
        return start

    @staticmethod
    def _apply_forward(
        scan: _Scan,
        trig: Trigger,
        window: int,
        end: int,
        spans: list[tuple[int, int]],
        reasons: list[list[tuple[int, Trigger]]],
    ) -> None:
        # a target that starts inside the trigger ("if [symptoms]" matched as "if symptoms")
        # is still after its first word; a target that holds the whole trigger is not modified
        order = sorted(
            (i for i, (a, _) in enumerate(spans) if trig.start < a < end), key=lambda i: spans[i]
        )
        anchor = trig.end
        for i in order:
            a, b = spans[i]
            if scan.distance(anchor, a, window) > window:
                break
            reasons[i].append((len(reasons[i]), trig))
            anchor = max(anchor, b)

    @staticmethod
    def _apply_backward(
        scan: _Scan,
        trig: Trigger,
        window: int,
        start: int,
        spans: list[tuple[int, int]],
        reasons: list[list[tuple[int, Trigger]]],
    ) -> None:
        order = sorted(
            (i for i, (a, b) in enumerate(spans) if start < b < trig.end and a < trig.start),
            key=lambda i: (-spans[i][1], -spans[i][0]),
        )
        anchor = trig.start
        for i in order:
            a, b = spans[i]
            if scan.distance(b, anchor, window) > window:
                break
            reasons[i].append((len(reasons[i]), trig))
            anchor = min(anchor, a)

    # ------------------------------------------------------------------ matching

    def _check_sentence(self, text: str, sentence: tuple[int, int]) -> tuple[int, int]:
        s0, s1 = int(sentence[0]), int(sentence[1])
        if not (0 <= s0 <= s1 <= len(text)):
            raise InputError(f"sentence span ({s0}, {s1}) lies outside the text (0, {len(text)})")
        return s0, s1

    def _in_sentence(self, scan: _Scan, s0: int, s1: int) -> list[tuple[int, int, int, str]]:
        lo = bisect.bisect_left(scan.starts, s0)
        hi = bisect.bisect_left(scan.starts, s1)
        return [m for m in scan.matches[lo:hi] if m[1] <= s1]

    def _resolve(
        self, scan: _Scan, s0: int, s1: int
    ) -> tuple[list[tuple[int, int, int, str]], list[tuple[int, int, int, str]], set[int]]:
        """Triggers and terminators that stand (pseudo-filtered, longest first), the pseudos
        that hid something, and the marker groups present in the sentence."""
        rules = self._rules
        cands = []
        pseudos = []
        markers: set[int] = set()
        for m in self._in_sentence(scan, s0, s1):
            if m[2] < 0:
                markers.add(-1 - m[2])
            elif rules[m[2]].direction is Direction.PSEUDO:
                pseudos.append(m)
            else:
                cands.append(m)
        if markers and self._conditional:
            cands = [m for m in cands if not rules[m[2]].unless & markers]
        used: list[tuple[int, int, int, str]] = []
        if pseudos:
            pseudos.sort(key=lambda p: (p[0] - p[1], p[0]))  # cite the longest
            kept = []
            for m in cands:
                rule = rules[m[2]]
                hider = None
                if rule.category is not None:
                    for p in pseudos:
                        if p[0] <= m[0] and m[1] <= p[1] and rule.category in rules[p[2]].blocks:
                            hider = p
                            break
                if hider is None:
                    kept.append(m)
                elif hider not in used:
                    used.append(hider)
            cands = kept
        if len(cands) > 1:
            cands.sort(key=lambda m: (m[0] - m[1], m[0]))
            chosen: list[tuple[int, int, int, str]] = []
            for m in cands:
                if all(m[1] <= c[0] or c[1] <= m[0] for c in chosen):
                    chosen.append(m)
            chosen.sort()
            cands = chosen
        return cands, used, markers

    def _scan(self, text: str) -> _Scan:
        cached = self._cache
        if cached is not None and (cached.text is text or cached.text == text):
            return cached
        low = text.lower()
        if len(low) != len(text):  # a few characters lower-case to two; keep offsets
            low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        norm = low.translate(_WS_ONE)
        qs: list[int] = []
        shifts: list[int] = []
        if "  " in norm:
            pieces = []
            pos = 0
            removed = 0
            for m in _WS_RUN.finditer(norm):
                pieces.append(norm[pos : m.start() + 1])
                pos = m.end()
                qs.append(m.start() + 1 - removed)  # first collapsed index after the run
                removed += m.end() - m.start() - 1
                shifts.append(removed)
            pieces.append(norm[pos:])
            norm = "".join(pieces)

        def orig(c: int) -> int:
            if not qs:
                return c
            k = bisect.bisect_right(qs, c)
            return c + (shifts[k - 1] if k else 0)

        n = len(norm)
        matches = []
        for end_idx, (phrase, rule_ids, left, right) in self._automaton.iter(norm):
            start = end_idx - len(phrase) + 1
            if left and start > 0 and _is_word_char(norm[start - 1]):
                continue
            if right and end_idx + 1 < n and _is_word_char(norm[end_idx + 1]):
                continue
            a, b = orig(start), orig(end_idx) + 1
            for r in rule_ids:
                matches.append((a, b, r, phrase))
        matches.sort()
        scan = _Scan(
            text=text,
            starts=[m[0] for m in matches],
            matches=matches,
            words=[m.start() for m in _WORD.finditer(text)],
        )
        self._cache = scan
        return scan

    def _section(self, section: str | None) -> tuple[str, _Section] | None:
        if not section:
            return None
        return self._sections.get(normalize_section(section))

    # ------------------------------------------------------------------ loading

    def _load(self, source: str) -> None:
        import yaml  # only when an engine is built

        loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            loader = loader_cls(source)
            try:
                node = loader.get_single_node()
                data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise FileFormatError(
                f"the ConText rules are not valid YAML: {getattr(exc, 'problem', exc)}",
                path=self._where,
                line=mark.line + 1 if mark is not None else None,
            ) from exc
        if not isinstance(data, dict) or node is None:
            raise self._error("expected a mapping with 'version', 'max_scope' and 'rules'", None)
        lines = _item_lines(node)
        unknown = set(data) - {"version", "max_scope", "rules", "sections", "markers"}
        if unknown:
            raise self._error(f"unknown top-level key(s): {', '.join(sorted(unknown))}", None)
        if data.get("version") != 1:
            raise self._error(
                f"unsupported rules version {data.get('version')!r} (expected 1)", None
            )
        default_scope = data.get("max_scope", 8)
        if (
            not isinstance(default_scope, int)
            or isinstance(default_scope, bool)
            or default_scope < 0
        ):
            raise self._error("'max_scope' must be a whole number of words >= 0", None)
        rules = data.get("rules")
        if not isinstance(rules, list) or not rules:
            raise self._error("'rules' must be a non-empty list", None)
        phrases: dict[str, list[int]] = {}
        markers = data.get("markers", {})
        if not isinstance(markers, dict):
            raise self._error("'markers' must map a name to a list of phrases", None)
        for k, (name, pats) in enumerate(markers.items()):
            line = lines.get(("markers", name))
            if not isinstance(pats, list) or not pats:
                raise self._error(
                    f"marker group {name!r} must be a non-empty list of phrases", line
                )
            self._marker_ids[str(name)] = k
            for pat in pats:
                for phrase in self._expand(pat, line):
                    ids = phrases.setdefault(phrase, [])
                    if -1 - k not in ids:
                        ids.append(-1 - k)
        owner: dict[str, int] = {}
        for i, raw in enumerate(rules):
            line = lines.get(("rules", i))
            rule, pats = self._parse_rule(raw, default_scope, line)
            idx = len(self._rules)
            self._rules.append(rule)
            for pat in pats:
                for phrase in self._expand(pat, line):
                    if phrase in owner and owner[phrase] != idx:
                        other = lines.get(("rules", owner[phrase]))
                        raise self._error(
                            f"phrase {phrase!r} is in two rules (the other at line {other})", line
                        )
                    owner[phrase] = idx
                    ids = phrases.setdefault(phrase, [])
                    if idx not in ids:
                        ids.append(idx)
        self._conditional = any(r.unless for r in self._rules)
        self._load_sections(data.get("sections", {}), lines)
        for phrase, ids in phrases.items():
            left, right = _is_word_char(phrase[0]), _is_word_char(phrase[-1])
            self._automaton.add_word(phrase, (phrase, tuple(ids), left, right))
        self._automaton.make_automaton()

    def _expand(self, pattern: object, line: int | None) -> list[str]:
        if isinstance(pattern, bool):
            raise self._error(
                f"a phrase reads as {pattern!r}: quote it (YAML takes bare no/yes/on/off for "
                "true/false)",
                line,
            )
        if not isinstance(pattern, str) or not pattern.strip():
            raise self._error(f"a phrase must be a non-empty string, not {pattern!r}", line)
        try:
            out = expand_phrase(pattern)
        except ValueError as exc:
            raise self._error(f"phrase {pattern!r}: {exc}", line) from None
        if not out:
            raise self._error(f"phrase {pattern!r} expands to nothing", line)
        return out

    def _parse_rule(
        self, raw: Any, default_scope: int, line: int | None
    ) -> tuple[_Rule, list[Any]]:
        if not isinstance(raw, dict):
            raise self._error("each rule must be a mapping", line)
        allowed = {
            "category",
            "direction",
            "phrases",
            "max_scope",
            "comma_ends",
            "ends",
            "cuts",
            "blocks",
            "unless",
        }
        unknown = set(raw) - allowed
        if unknown:
            raise self._error(f"unknown rule key(s): {', '.join(sorted(unknown))}", line)
        try:
            direction = Direction(str(raw.get("direction")))
        except ValueError:
            raise self._error(
                f"direction {raw.get('direction')!r} is not one of FORWARD, BACKWARD, "
                "BIDIRECTIONAL, TERMINATE, PSEUDO",
                line,
            ) from None
        if direction is Direction.SECTION:
            raise self._error("direction SECTION is not a rule direction", line)
        modifying = direction in _MODIFYING
        category: Category | None = None
        if modifying:
            category = self._category(raw.get("category"), line)
        elif "category" in raw:
            raise self._error(f"a {direction} rule has no category (use 'ends'/'blocks')", line)
        for key, ok in (
            ("max_scope", modifying),
            ("comma_ends", modifying),
            ("ends", direction is Direction.TERMINATE),
            ("cuts", direction is Direction.TERMINATE),
            ("blocks", direction is Direction.PSEUDO),
        ):
            if key in raw and not ok:
                raise self._error(f"'{key}' does not apply to a {direction} rule", line)
        scope = raw.get("max_scope", default_scope)
        if isinstance(scope, list) and direction is Direction.BIDIRECTIONAL and len(scope) == 2:
            back, fwd = scope
        else:
            back = fwd = scope
        for v in (back, fwd):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise self._error(
                    "'max_scope' must be a whole number of words (or [backward, forward] "
                    "for a BIDIRECTIONAL rule)",
                    line,
                )
        comma = raw.get("comma_ends")
        if comma not in (None, "forward", "backward", "both"):
            raise self._error("'comma_ends' must be forward, backward or both", line)
        all_cats = frozenset(Category)
        ends = self._categories(raw["ends"], line) if "ends" in raw else all_cats
        blocks = self._categories(raw["blocks"], line) if "blocks" in raw else all_cats
        cuts = raw.get("cuts", ["FORWARD", "BACKWARD"])
        if not isinstance(cuts, list) or not cuts or not set(cuts) <= {"FORWARD", "BACKWARD"}:
            raise self._error("'cuts' must list FORWARD and/or BACKWARD", line)
        pats = raw.get("phrases")
        if not isinstance(pats, list) or not pats:
            raise self._error("'phrases' must be a non-empty list", line)
        rule = _Rule(
            direction=direction,
            category=category,
            back=back,
            fwd=fwd,
            comma_back=comma in ("backward", "both"),
            comma_fwd=comma in ("forward", "both"),
            ends=ends,
            cuts_fwd="FORWARD" in cuts,
            cuts_back="BACKWARD" in cuts,
            blocks=blocks,
            unless=self._marker_set(raw.get("unless", []), line),
        )
        return rule, pats

    def _load_sections(self, raw: Any, lines: dict[tuple[str, Any], int]) -> None:
        if not isinstance(raw, dict):
            raise self._error("'sections' must be a mapping of section name to settings", None)
        for name, spec in raw.items():
            line = lines.get(("sections", name))
            if not isinstance(spec, dict) or set(spec) - {"sets", "unless", "aliases"}:
                raise self._error(
                    f"section {name!r} must be a mapping with 'sets', 'unless', 'aliases'", line
                )
            cats = self._categories(spec.get("sets"), line)
            unless = self._marker_set(spec.get("unless", []), line)
            aliases = spec.get("aliases", [])
            if not isinstance(aliases, list):
                raise self._error(f"section {name!r}: 'aliases' must be a list", line)
            sec = _Section(tuple(c for c in Category if c in cats), unless)
            canonical = normalize_section(str(name))
            for alias in [name, *aliases]:
                key = normalize_section(str(alias))
                if key in self._sections:
                    raise self._error(f"section name {alias!r} is given twice", line)
                self._sections[key] = (canonical, sec)

    def _marker_set(self, value: object, line: int | None) -> frozenset[int]:
        if not isinstance(value, list):
            raise self._error("'unless' must be a list of marker group names", line)
        out = set()
        for name in value:
            if name not in self._marker_ids:
                known = ", ".join(self._marker_ids) or "none defined"
                raise self._error(f"unknown marker group {name!r} (known: {known})", line)
            out.add(self._marker_ids[name])
        return frozenset(out)

    def _category(self, value: object, line: int | None) -> Category:
        try:
            return Category(str(value))
        except ValueError:
            raise self._error(
                f"category {value!r} is not one of {', '.join(c.value for c in Category)}", line
            ) from None

    def _categories(self, value: object, line: int | None) -> frozenset[Category]:
        if not isinstance(value, list) or not value:
            raise self._error("expected a non-empty list of categories", line)
        return frozenset(self._category(v, line) for v in value)

    def _error(self, message: str, line: int | None) -> FileFormatError:
        return FileFormatError(f"ConText rules: {message}", path=self._where, line=line)


def _item_lines(root: yaml.Node) -> dict[tuple[str, Any], int]:
    """(top-level key, list index or mapping key) -> 1-based line, for error messages."""
    import yaml

    out: dict[tuple[str, Any], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    for key_node, value_node in root.value:
        key = key_node.value
        if isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                out[(key, i)] = item.start_mark.line + 1
        elif isinstance(value_node, yaml.MappingNode):
            for k, v in value_node.value:
                out[(key, k.value)] = v.start_mark.line + 1
    return out


@functools.cache
def default_engine() -> ContextEngine:
    """The engine with the packaged rules, built once per process."""
    return ContextEngine()
