"""Validate, explain and enumerate ICD-10-PCS codes from the official code tables.

An ICD-10-PCS code is built, not looked up: its first three characters pick a table, and one
row of that table lists the values allowed at characters 4-7. Every combination a row allows
is a valid code and nothing else is::

    r = PcsReader(path)                 # the installed ``icd10pcs`` table folder
    r.validate("0DTJ4ZZ").valid         # True
    r.validate("0DTJ4ZX").reason        # "… Qualifier X … allowed: Z No Qualifier"
    r.explain("0DTJ4ZZ")                # 7 AxisValue: Section … Qualifier, with labels
    r.title("0DTJ4ZZ")                  # 'Resection of Appendix, Percutaneous Endoscopic Approach'
    r.values("0DTJ")                    # the approaches allowed after 0DTJ
    r.table("0DT")                      # the table as printed (rows, values, labels)
    r.count(), list(r.enumerate("0DTJ"))
    r.card("0DTJ4ZZ"), r.card("0DT")    # for ``medcoder show``

The rows (a few thousand short strings) are read into memory on first use, so validation is
a dictionary lookup and a scan of a handful of rows; labels are read on first need.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medcoder.codesets.store import TableInfo
from medcoder.errors import DataError, UnknownCodeError

from .model import (
    EMPTY_LABELS,
    PCS_ALPHABET,
    AxisChoice,
    AxisOptions,
    AxisValue,
    DefinitionSource,
    PcsTerm,
    PcsValidation,
    TableRow,
    TableView,
    normalize,
)

SYSTEM = "ICD-10-PCS"
_MAX_LISTED = 40  # values named in one reason


@dataclass(frozen=True)
class _Row:
    id: int
    number: int  # 1-based within its table
    values: tuple[str, str, str, str]  # allowed values at positions 4-7

    def allows(self, tail: str) -> bool:
        """Whether the characters from position 4 on (``tail``) fit this row."""
        v = self.values
        n = len(tail)
        return (
            (n < 1 or tail[0] in v[0])
            and (n < 2 or tail[1] in v[1])
            and (n < 3 or tail[2] in v[2])
            and (n < 4 or tail[3] in v[3])
        )

    def count(self, tail: str) -> int:
        n = 1
        for i in range(len(tail), 4):
            n *= len(self.values[i])
        return n


@dataclass(frozen=True)
class _Table:
    prefix: str
    codes: int
    axes: tuple[str, ...]  # seven axis titles
    rows: tuple[_Row, ...]
    vals: tuple[tuple[str, str, str, str], ...]  # the rows' values, for the fast path


class PcsReader:
    """Reader of one installed ICD-10-PCS tables release (kind ``icd10pcs``)."""

    system = SYSTEM

    def __init__(self, path: Path, info: TableInfo | None = None) -> None:
        self.path = Path(path)
        self.info = info
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._tables: dict[str, _Table] | None = None
        self._header: dict[str, tuple[int, str, str, str, str | None]] | None = None
        self._labels: dict[int, dict[tuple[int, str], str]] | None = None
        # prefix of 0-3 characters → (valid codes under it, next characters, a table under it)
        self._prefixes: dict[str, tuple[int, list[str], _Table]] = {}

    # -- loading ---------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            p = self.path / "table.sqlite"
            if not p.is_file():
                raise DataError("the ICD-10-PCS table is missing; re-import it", where=p)
            self._db = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
        return self._db

    @property
    def release(self) -> str:
        if self.info is not None:
            return self.info.release
        row = self.db.execute("SELECT value FROM meta WHERE key = 'release'").fetchone()
        return str(row[0]) if row else ""

    def _load(self) -> dict[str, _Table]:
        tables = self._tables
        if tables is not None:
            return tables
        with self._lock:
            if self._tables is None:
                rows: dict[str, list[_Row]] = {}
                for rid, prefix, number, v4, v5, v6, v7 in self.db.execute(
                    "SELECT id, prefix, ord, v4, v5, v6, v7 FROM pcs_rows ORDER BY prefix, ord"
                ):
                    rows.setdefault(prefix, []).append(_Row(rid, number, (v4, v5, v6, v7)))
                loaded = {
                    prefix: _Table(
                        prefix,
                        codes,
                        tuple(json.loads(axes)),
                        tuple(rows[prefix]),
                        tuple(r.values for r in rows[prefix]),
                    )
                    for prefix, codes, axes in self.db.execute(
                        "SELECT prefix, codes, axes FROM pcs_tables ORDER BY prefix"
                    )
                }
                self._header = {
                    prefix: (pos, value, axis, label, definition)
                    for prefix, pos, value, axis, label, definition in self.db.execute(
                        "SELECT prefix, position, value, axis, label, definition FROM axis_values"
                    )
                }
                prefixes: dict[str, tuple[int, list[str], _Table]] = {}
                for key in sorted(loaded):
                    t = loaded[key]
                    for n in range(4):
                        p = key[:n]
                        codes, nxt, first = prefixes.get(p, (0, [], t))
                        if n < 3 and key[n] not in nxt:
                            nxt.append(key[n])
                        prefixes[p] = (codes + t.codes, nxt, first)
                self._prefixes = prefixes
                self._tables = loaded
            return self._tables

    def _head(self) -> dict[str, tuple[int, str, str, str, str | None]]:
        self._load()
        assert self._header is not None
        return self._header

    def _row_labels(self, t: _Table) -> dict[int, dict[tuple[int, str], str]]:
        """The labels of table ``t``'s rows: row id → (position, value) → label (read once
        per table, on first need)."""
        labels = self._labels
        if labels is None:
            labels = self._labels = {}
        first = t.rows[0].id
        if first not in labels:
            with self._lock:
                out: dict[int, dict[tuple[int, str], str]] = {r.id: {} for r in t.rows}
                for rid, pos, value, label in self.db.execute(
                    "SELECT row, position, value, label FROM row_labels WHERE row BETWEEN ? AND ?",
                    (first, t.rows[-1].id),
                ):
                    if rid in out:
                        out[rid][(pos, value)] = label
                labels.update(out)
        return labels

    # -- validation ------------------------------------------------------------------------
    def is_valid(self, code: str) -> bool:
        """True when ``code`` is a valid 7-character code (the fastest check)."""
        c = code.strip().upper()
        if len(c) != 7:
            return False
        table = self._load().get(c[:3])
        if table is None:
            return False
        a, b, d, e = c[3], c[4], c[5], c[6]
        return any(a in v4 and b in v5 and d in v6 and e in v7 for v4, v5, v6, v7 in table.vals)

    def validate(self, code: str) -> PcsValidation:
        """Whether ``code`` is a valid ICD-10-PCS code, with the reason when it is not."""
        c = code.strip().upper()
        if len(c) == 7:
            table = self._load().get(c[:3])
            if table is not None:
                a, b, d, e = c[3], c[4], c[5], c[6]
                for v4, v5, v6, v7 in table.vals:
                    if a in v4 and b in v5 and d in v6 and e in v7:
                        return PcsValidation(code=c, valid=True, table=table.prefix)
        return self._diagnose(c)

    def _axis_name(self, prefix: str, position: int) -> str:
        """The title of axis ``position`` where ``prefix`` points (generic when unknown)."""
        self._load()
        known = self._prefixes.get(prefix[: min(position - 1, 3)])
        if known is not None:
            return known[2].axes[position - 1]
        return (
            "Section",
            "Body System",
            "Operation",
            "Body Part",
            "Approach",
            "Device",
            "Qualifier",
        )[position - 1]

    def _diagnose(self, c: str) -> PcsValidation:
        self._load()
        if not c:
            return PcsValidation(
                code=c,
                valid=False,
                problem="empty",
                reason="no code given; an ICD-10-PCS code has 7 characters (e.g. 0DTJ4ZZ)",
            )
        for i, ch in enumerate(c[:7]):
            if ch not in PCS_ALPHABET:
                pos = i + 1
                axis = self._axis_name(c[:i], pos) if i else "Section"
                what = (
                    "the letters I and O are never used (they read as 1 and 0)"
                    if ch in "IO"
                    else "ICD-10-PCS uses only 0-9 and the letters A-H, J-N, P-Z"
                )
                return PcsValidation(
                    code=c,
                    valid=False,
                    problem="character",
                    position=pos,
                    axis=axis,
                    reason=f"{c}: character {pos} ({axis}) is {ch!r}; {what}",
                    allowed=tuple(self.values(c[:i])) if self._known_prefix(c[:i]) else (),
                )
        head = c[:7]
        # the first character that no table allows after the ones before it
        for i in range(min(len(head), 3)):
            if head[: i + 1] not in self._prefixes:
                return self._not_allowed(c, head[:i], head[i], i + 1)
        if len(head) > 3:
            rows = self._load()[head[:3]].rows
            for i in range(3, len(head)):
                rows = tuple(r for r in rows if head[i] in r.values[i - 3])
                if not rows:
                    return self._not_allowed(c, head[:i], head[i], i + 1)
        n = len(c)
        if n < 7:
            choices = tuple(self.values(c))
            return PcsValidation(
                code=c,
                valid=False,
                problem="length",
                partial=True,
                position=n + 1,
                axis=choices[0].axis if choices else None,
                table=c[:3] if n >= 3 else None,
                allowed=choices,
                reason=(
                    f"{c} has {n} characters: a valid start of {self.count(c):,} codes, but a "
                    f"reportable ICD-10-PCS code has 7; pick the {choices[0].axis if choices else 'next value'}"
                    f" ({_list(choices)})"
                ),
            )
        return PcsValidation(
            code=c,
            valid=False,
            problem="length",
            position=8,
            table=c[:3],
            reason=f"{c} has {n} characters; an ICD-10-PCS code has exactly 7 ({c[:7]} is valid)",
        )

    def _known_prefix(self, prefix: str) -> bool:
        tables = self._load()
        if len(prefix) <= 3:
            return prefix in self._prefixes
        t = tables.get(prefix[:3])
        return t is not None and any(r.allows(prefix[3:]) for r in t.rows)

    def _not_allowed(self, c: str, prefix: str, ch: str, pos: int) -> PcsValidation:
        head = self._head()
        axis = self._axis_name(prefix, pos)
        allowed = tuple(self.values(prefix))
        listing = _list(allowed)
        if pos == 1:
            return PcsValidation(
                code=c,
                valid=False,
                problem="section",
                position=1,
                axis=axis,
                allowed=allowed,
                reason=f"{c}: there is no section {ch!r}; the sections are {listing}",
            )
        if pos <= 3:
            problem = "body_system" if pos == 2 else "operation"
            where = ", ".join(head[prefix[:n]][3] for n in range(1, len(prefix) + 1))
            first = f"there is no table {prefix + ch}: " if pos == 3 else ""
            return PcsValidation(
                code=c,
                valid=False,
                problem=problem,
                position=pos,
                axis=axis,
                allowed=allowed,
                reason=(
                    f"{c}: {first}{axis} {ch!r} does not exist in {prefix} ({where}); "
                    f"allowed {axis} values: {listing}"
                ),
            )
        table = self._load()[prefix[:3]]
        labels = self._row_labels(table)
        t_title = self._table_title(table.prefix)
        in_table = [r for r in table.rows if ch in r.values[pos - 4]]
        if not in_table:
            everywhere = self._choices_in(table, "", pos)
            reason = (
                f"{c}: {axis} {ch!r} (axis {pos}) is not a value of table {table.prefix} "
                f"({t_title}); the table's {axis} values are {_list(everywhere)}"
            )
            if len(prefix) > 3 and [a.value for a in everywhere] != [a.value for a in allowed]:
                reason += f"; after {prefix}: {listing}"
            return PcsValidation(
                code=c,
                valid=False,
                problem="value",
                position=pos,
                axis=axis,
                allowed=allowed,
                table=table.prefix,
                reason=reason,
            )
        # the value exists in the table, but not with the characters before it
        before = []
        row = next((r for r in table.rows if r.allows(prefix[3:])), None)
        for p in range(4, pos):
            v = prefix[p - 1]
            lab = labels.get(row.id, {}).get((p, v), "") if row else ""
            before.append(f"{table.axes[p - 1]} {v} ({lab})" if lab else f"{table.axes[p - 1]} {v}")
        other = labels.get(in_table[0].id, {}).get((pos, ch), "")
        return PcsValidation(
            code=c,
            valid=False,
            problem="combination",
            position=pos,
            axis=axis,
            allowed=allowed,
            table=table.prefix,
            reason=(
                f"{c}: table {table.prefix} ({t_title}) has {axis} {ch!r}"
                f"{f' ({other})' if other else ''} at axis {pos}, but no row allows it with "
                f"{', '.join(before)}; allowed there: {listing}"
            ),
        )

    # -- values and counts -----------------------------------------------------------------
    def _matching(self, prefix: str) -> Iterator[tuple[_Table, _Row]]:
        tables = self._load()
        if len(prefix) >= 3:
            t = tables.get(prefix[:3])
            if t is not None:
                tail = prefix[3:]
                for r in t.rows:
                    if r.allows(tail):
                        yield t, r
            return
        for key in sorted(tables):
            if key.startswith(prefix):
                t = tables[key]
                for r in t.rows:
                    yield t, r

    def count(self, prefix: str = "") -> int:
        """How many valid 7-character codes start with ``prefix`` (all of them for "")."""
        p = normalize(prefix)
        if len(p) > 7:
            return 0
        if len(p) <= 3:
            self._load()
            known = self._prefixes.get(p)
            return known[0] if known is not None else 0
        tail = p[3:]
        return sum(r.count(tail) for _, r in self._matching(p))

    def enumerate(self, prefix: str = "") -> Iterator[str]:
        """Every valid code starting with ``prefix``, in code order."""
        p = normalize(prefix)
        if len(p) > 7:
            return
        tables = self._load()
        for key in sorted(tables):
            if not key.startswith(p[:3]):
                continue
            t = tables[key]
            tail = p[3:]
            codes: list[str] = []
            for r in t.rows:
                if not r.allows(tail):
                    continue
                axes = [tail[i] if i < len(tail) else r.values[i] for i in range(4)]
                codes.extend(key + "".join(combo) for combo in itertools.product(*axes))
            codes.sort()
            yield from codes

    def __len__(self) -> int:
        return self.count()

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.is_valid(code)

    def tables(self) -> list[str]:
        """The three-character codes of every table, in code order."""
        return sorted(self._load())

    def values(self, prefix: str = "", axis: int | None = None) -> list[AxisChoice]:
        """The values allowed at ``axis`` (default: the next one) after ``prefix``.

        ``values("")`` are the sections, ``values("0D")`` the operations of the
        Gastrointestinal System, ``values("0DT")`` its body parts, ``values("0DTJ")`` the
        approaches for the appendix, and so on: what an axis-by-axis code builder offers.
        Each choice carries its label (in its table and row) and how many codes it leads to.
        An impossible prefix gives an empty list.
        """
        p = normalize(prefix)
        pos = axis if axis is not None else len(p) + 1
        if not (len(p) < pos <= 7) or (p and not self._known_prefix(p)):
            return []
        tables = self._load()
        if pos == len(p) + 1 and pos <= 3:
            head = self._head()
            return [
                AxisChoice(
                    pos,
                    head[p + v][2],
                    v,
                    head[p + v][3],
                    (head[p + v][3],),
                    self._prefixes[p + v][0],
                )
                for v in sorted(self._prefixes[p][1])
            ]
        if pos <= 3:
            head = self._head()
            counts: dict[str, int] = {}
            for key, t in tables.items():
                if key.startswith(p):
                    counts[key[pos - 1]] = counts.get(key[pos - 1], 0) + t.codes
            out = []
            for v in sorted(counts):
                keys = sorted({k[:pos] for k in tables if k.startswith(p) and k[pos - 1] == v})
                labels = tuple(dict.fromkeys(head[k][3] for k in keys if k in head))
                ax = head[keys[0]][2] if keys and keys[0] in head else self._axis_name(p, pos)
                out.append(AxisChoice(pos, ax, v, " | ".join(labels), labels, counts[v]))
            return out
        if len(p) >= 3:
            t = tables[p[:3]]
            return self._choices_in(t, p[3:], pos)
        merged: dict[str, tuple[str, list[str], int]] = {}
        for key in sorted(tables):
            if key.startswith(p):
                for ch in self._choices_in(tables[key], "", pos):
                    ax, labs, n = merged.get(ch.value, (ch.axis, [], 0))
                    labs.extend(x for x in ch.labels if x not in labs)
                    merged[ch.value] = (ax, labs, n + ch.codes)
        return [
            AxisChoice(pos, ax, v, " | ".join(labs), tuple(labs), n)
            for v, (ax, labs, n) in sorted(merged.items())
        ]

    def _choices_in(self, t: _Table, tail: str, pos: int) -> list[AxisChoice]:
        labels = self._row_labels(t)
        found: dict[str, tuple[list[str], int]] = {}
        order: list[str] = []
        for r in t.rows:
            if not r.allows(tail):
                continue
            per_value = r.count(tail) // len(r.values[pos - 4]) if pos - 4 >= len(tail) else 0
            for v in r.values[pos - 4]:
                lab = labels.get(r.id, {}).get((pos, v), "")
                if v not in found:
                    found[v] = ([], 0)
                    order.append(v)
                labs, n = found[v]
                if lab and lab not in labs:
                    labs.append(lab)
                found[v] = (labs, n + per_value)
        return [
            AxisChoice(
                pos, t.axes[pos - 1], v, " | ".join(found[v][0]), tuple(found[v][0]), found[v][1]
            )
            for v in sorted(order)
        ]

    # -- explanation -----------------------------------------------------------------------
    def explain(self, code: str, definitions: DefinitionSource | None = None) -> list[AxisValue]:
        """Each character of ``code`` with its axis and its value's label in context.

        ``code`` is a full code or a valid start of one (``0DTJ``). With ``definitions``
        (the ``icd10pcs-definitions`` reader, or anything with its ``term`` method) each
        value also gets its official definition, explanation and what it includes; without
        it the root operation still carries the definition printed in its table.
        Raises UnknownCodeError (with the validation reason) for anything else.
        """
        c = normalize(code)
        if not c or len(c) > 7 or not self._known_prefix(c):
            check = self.validate(c)
            raise UnknownCodeError(check.reason or f"{c!r} is not an ICD-10-PCS code")
        head = self._head()
        out: list[AxisValue] = []
        for i in range(min(len(c), 3)):
            pos, value, axis, label, definition = head[c[: i + 1]]
            out.append(AxisValue(pos, axis, value, label, definition))
        if len(c) > 3:
            t = self._load()[c[:3]]
            labels = self._row_labels(t)
            rows = [r for r in t.rows if r.allows(c[3:])]
            for pos in range(4, len(c) + 1):
                v = c[pos - 1]
                labs = list(
                    dict.fromkeys(lab for r in rows if (lab := labels.get(r.id, {}).get((pos, v))))
                )
                out.append(AxisValue(pos, t.axes[pos - 1], v, " | ".join(labs)))
        if definitions is not None:
            body_system = out[1].label if len(out) > 1 else None
            out = [_define(a, c[0], body_system, definitions) for a in out]
        return out

    def title(self, code: str) -> str | None:
        """A title assembled from the axis labels (not the CMS long title, which is not in
        the tables file): ``Resection of Appendix, Percutaneous Endoscopic Approach``.
        None for anything but a valid 7-character code."""
        c = normalize(code)
        if not self.is_valid(c):
            return None
        axes = self.explain(c)
        return _assemble(axes)

    def _table_title(self, prefix: str) -> str:
        head = self._head()
        return ", ".join(head[prefix[: i + 1]][3] for i in range(3))

    def table(self, prefix: str) -> TableView | None:
        """The table ``prefix`` (its first three characters) as printed: the header values,
        each row with its values and their labels. A longer prefix keeps only the rows that
        allow it. None when there is no such table."""
        p = normalize(prefix)
        tables = self._load()
        if len(p) < 3 or p[:3] not in tables or (len(p) > 3 and not self._known_prefix(p)):
            return None
        t = tables[p[:3]]
        labels = self._row_labels(t)
        head = self._head()
        header = tuple(
            AxisValue(pos, axis, value, label, definition)
            for pos, value, axis, label, definition in (head[p[: i + 1]] for i in range(3))
        )
        rows = []
        for r in t.rows:
            if not r.allows(p[3:]):
                continue
            lab = labels.get(r.id, {})
            rows.append(
                TableRow(
                    number=r.number,
                    codes=r.count(""),
                    axes=tuple(
                        AxisOptions(
                            pos,
                            t.axes[pos - 1],
                            tuple((v, lab.get((pos, v), "")) for v in r.values[pos - 4]),
                        )
                        for pos in range(4, 8)
                    ),
                )
            )
        return TableView(
            code=t.prefix,
            title=self._table_title(t.prefix),
            header=header,
            rows=tuple(rows),
            codes=t.codes,
            axes=t.axes,
        )

    # -- code card -------------------------------------------------------------------------
    def card(self, code: str, definitions: DefinitionSource | None = None) -> dict[str, Any] | None:
        """The code card for ``medcoder show``.

        A 7-character code: its assembled title, every axis explained, the root operation's
        definition, validity (an invalid code whose table exists gets a card saying why).
        A 3-6 character partial code: the table (rows limited to those the characters
        allow), how many codes it leads to, and the values allowed next. None otherwise.
        """
        c = normalize(code)
        tables = self._load()
        if len(c) < 3 or len(c) > 7 or c[:3] not in tables:
            return None
        t = tables[c[:3]]
        v = self.validate(c)
        base: dict[str, Any] = {
            "system": SYSTEM,
            "code": c,
            "release": self.release,
            "table": {"code": t.prefix, "title": self._table_title(t.prefix)},
        }
        if len(c) == 7 and v.valid:
            axes = self.explain(c, definitions)
            op = axes[2]
            base.update(
                title=_assemble(axes),
                title_note="assembled from the table's axis labels",
                kind="code",
                valid=True,
                validity={"valid": True, "reason": None},
                axes=[a.to_dict() for a in axes],
                operation={
                    "value": op.value,
                    "label": op.label,
                    "definition": op.definition,
                    "explanation": op.explanation,
                },
            )
            return base
        good = c
        while good and not self._known_prefix(good):
            good = good[:-1]
        explained = self.explain(good, definitions) if good else []
        if len(c) == 7 or not v.partial:
            base.update(
                title=None,
                kind="code" if len(c) == 7 else "partial",
                valid=False,
                validity={"valid": False, "reason": v.reason},
                axes=[a.to_dict() for a in explained],
                allowed={
                    "position": v.position,
                    "axis": v.axis,
                    "values": [a.to_dict() for a in v.allowed],
                },
            )
            return base
        view = self.table(c)
        assert view is not None
        nxt = self.values(c)
        base.update(
            title=view.title if len(c) == 3 else _assemble(explained),
            kind="table" if len(c) == 3 else "partial",
            valid=False,
            partial=True,
            validity={"valid": False, "reason": v.reason},
            codes=self.count(c),
            axes=[a.to_dict() for a in explained],
            next={
                "position": len(c) + 1,
                "axis": nxt[0].axis if nxt else None,
                "values": [a.to_dict() for a in nxt],
            },
            rows=[r.to_dict() for r in view.rows],
            axis_titles=list(view.axes),
        )
        return base


def _define(
    a: AxisValue, section: str, body_system: str | None, src: DefinitionSource
) -> AxisValue:
    if a.position == 1:
        return a
    term: PcsTerm | None = None
    for label in a.label.split(" | ") if " | " in a.label else [a.label]:
        term = src.term(section, a.position, label, body_system)
        if term is not None:
            break
    if term is None:
        return a
    return AxisValue(
        a.position,
        a.axis,
        a.value,
        a.label,
        definition=term.definition or a.definition,
        explanation=term.explanation,
        includes=term.includes,
    )


def _assemble(axes: list[AxisValue]) -> str:
    """``Operation of Body Part with Device, Qualifier, Approach Approach``."""
    if len(axes) < 4:
        return ", ".join(a.label for a in axes)
    text = f"{axes[2].label} of {axes[3].label}"
    approach = None
    for a in axes[4:]:
        if a.label in EMPTY_LABELS or not a.label:
            continue
        if a.axis == "Approach":
            approach = a.label
        elif "Device" in a.axis:
            text += f" with {a.label}"
        else:
            text += f", {a.label}"
    if approach:
        text += f", {approach} Approach"
    return text


def _list(choices: tuple[AxisChoice, ...] | list[AxisChoice]) -> str:
    shown = [f"{c.value} {c.label}" if c.label else c.value for c in choices[:_MAX_LISTED]]
    more = len(choices) - len(shown)
    return ", ".join(shown) + (f" … ({more} more)" if more > 0 else "") if shown else "none"
