"""What the ICD-10-PCS readers return: validations, axis values, tables, definitions, index hits.

Everything here is a frozen dataclass with a ``to_dict()`` that is JSON-serialisable, so the
CLI and the code cards can print it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# ICD-10-PCS uses the digits and the letters other than I and O (read as 1 and 0).
PCS_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
# the labels that print "nothing on this axis"; an assembled title leaves them out
EMPTY_LABELS = frozenset({"No Device", "No Qualifier", "None"})


def normalize(code: str) -> str:
    """A code as the tables print it: surrounding space removed, upper case."""
    return code.strip().upper()


@dataclass(frozen=True)
class AxisChoice:
    """A value allowed at one axis (after a given prefix), with the codes it leads to.

    ``label`` is the value's label in its table; where rows of one table give the same
    value different labels (the New Technology tables do: ``XW0`` device ``5`` is one of
    three substances depending on the row) ``labels`` holds each and ``label`` joins them
    with `` | ``.
    """

    position: int
    axis: str
    value: str
    label: str
    labels: tuple[str, ...] = ()
    codes: int = 0  # valid 7-character codes under prefix + value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "position": self.position,
            "axis": self.axis,
            "value": self.value,
            "label": self.label,
            "codes": self.codes,
        }
        if len(self.labels) > 1:
            out["labels"] = list(self.labels)
        return out


@dataclass(frozen=True)
class PcsValidation:
    """Whether a code is a valid (reportable, 7-character) ICD-10-PCS code, and if not why.

    ``problem`` says what kind of failure it is: ``empty``, ``character`` (a character PCS
    never uses), ``length`` (not 7 characters; ``partial`` is True when the characters given
    are a valid start of codes), ``section``, ``body_system``, ``operation`` (no such table),
    ``value`` (the character is not a value of that axis anywhere in the table) or
    ``combination`` (the value is in the table, but no row allows it together with the
    characters before it). ``position``/``axis`` name the failing character and ``allowed``
    lists what the table allows there after the characters before it.
    """

    code: str
    valid: bool
    reason: str | None = None
    problem: str | None = None
    position: int | None = None
    axis: str | None = None
    table: str | None = None
    allowed: tuple[AxisChoice, ...] = ()
    partial: bool = False

    def __bool__(self) -> bool:
        return self.valid

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "valid": self.valid}
        if not self.valid:
            out.update(
                reason=self.reason,
                problem=self.problem,
                position=self.position,
                axis=self.axis,
                table=self.table,
                partial=self.partial,
                allowed=[a.to_dict() for a in self.allowed],
            )
        return out


@dataclass(frozen=True)
class AxisValue:
    """One character of a code explained: its axis, its value's label in context, and what
    the Definitions file says about that value when it was given."""

    position: int
    axis: str  # the axis title printed in the table: "Body Part", "Approach", …
    value: str
    label: str
    definition: str | None = None
    explanation: str | None = None
    includes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "position": self.position,
            "axis": self.axis,
            "value": self.value,
            "label": self.label,
        }
        if self.definition:
            out["definition"] = self.definition
        if self.explanation:
            out["explanation"] = self.explanation
        if self.includes:
            out["includes"] = list(self.includes)
        return out


@dataclass(frozen=True)
class AxisOptions:
    """The values one row of a table allows at one axis (4-7), in printed order."""

    position: int
    axis: str
    values: tuple[tuple[str, str], ...]  # (value, label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "axis": self.axis,
            "values": [{"value": v, "label": lab} for v, lab in self.values],
        }


@dataclass(frozen=True)
class TableRow:
    """One row (``pcsRow``) of a table: every combination of its axis values is a code."""

    number: int  # 1-based, in printed order within the table
    codes: int
    axes: tuple[AxisOptions, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "codes": self.codes,
            "axes": [a.to_dict() for a in self.axes],
        }


@dataclass(frozen=True)
class TableView:
    """A table (the first three characters) as printed: its header axes and its rows."""

    code: str
    title: str
    header: tuple[AxisValue, ...]  # section, body system, operation (with its definition)
    rows: tuple[TableRow, ...]
    codes: int
    axes: tuple[str, ...]  # the seven axis titles

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "codes": self.codes,
            "axes": list(self.axes),
            "header": [h.to_dict() for h in self.header],
            "rows": [r.to_dict() for r in self.rows],
        }


@dataclass(frozen=True)
class PcsTerm:
    """One entry of the ICD-10-PCS Definitions: a root operation, approach, device, body
    part (with what it includes), substance, type qualifier, …

    ``titles`` are the axis-value labels it defines (a body part entry may name both
    sides: ``1st Toe, Left`` and ``1st Toe, Right``).
    """

    section: str
    section_label: str
    position: int
    axis: str
    titles: tuple[str, ...]
    definition: str | None = None
    explanation: str | None = None
    includes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.titles[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "section_label": self.section_label,
            "position": self.position,
            "axis": self.axis,
            "titles": list(self.titles),
            "definition": self.definition,
            "explanation": self.explanation,
            "includes": list(self.includes),
        }


class DefinitionSource(Protocol):
    """What :meth:`PcsReader.explain` needs from a definitions reader (kinds stay decoupled:
    any object with this method will do)."""

    def term(
        self, section: str, position: int, label: str, body_system: str | None = None
    ) -> PcsTerm | None: ...


@dataclass(frozen=True)
class IndexEntry:
    """A main term or subterm of the ICD-10-PCS Index.

    ``code`` is where the entry leads: a full code (``code_kind`` ``code``), a partial code
    of 4-6 characters (``partial``: pick the rest in the table) or a table (``table``, 3
    characters). ``ref`` is ``see`` or ``use`` with ``ref_text`` ("Resection, Appendix";
    "Foot Muscle, Right"); a see reference may carry the code it leads to. ``title`` is None
    for a subterm that only holds a reference.
    """

    id: int
    parent_id: int | None
    level: int
    letter: str
    title: str | None
    path: tuple[str, ...]
    code: str | None = None
    code_kind: str | None = None
    ref: str | None = None
    ref_text: str | None = None
    n_children: int = 0

    @property
    def text(self) -> str:
        """The entry as printed, path first: ``Appendectomy > see Resection, Appendix 0DTJ``."""
        parts = list(self.path)
        tail = []
        if self.ref:
            tail.append(f"{self.ref} {self.ref_text or ''}".strip())
        if self.code:
            tail.append(self.code)
        if tail:
            if self.title is None:
                parts.append(" ".join(tail))
            else:
                parts[-1] = f"{parts[-1]} {' '.join(tail)}"
        return " > ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "level": self.level, "path": list(self.path)}
        for name in ("title", "code", "code_kind", "ref", "ref_text"):
            value = getattr(self, name)
            if value:
                out[name] = value
        out["text"] = self.text
        return out


@dataclass(frozen=True)
class IndexHit:
    """A ranked search hit: the entry, its path and where it leads (``score``: higher is
    better)."""

    entry: IndexEntry
    score: float
    path: tuple[str, ...] = ()
    code: str | None = None
    code_kind: str | None = None
    ref: str | None = None
    ref_text: str | None = None
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "code": self.code,
            "code_kind": self.code_kind,
            "ref": self.ref,
            "ref_text": self.ref_text,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class WalkResult:
    """Where walking a term path led: the entries matched (main term first), the entry
    reached, its subterms, and the steps that matched nothing."""

    steps: tuple[IndexEntry, ...]
    unmatched: tuple[str, ...] = ()
    children: tuple[IndexEntry, ...] = field(default_factory=tuple)

    @property
    def entry(self) -> IndexEntry | None:
        return self.steps[-1] if self.steps else None

    @property
    def complete(self) -> bool:
        return bool(self.steps) and not self.unmatched

    @property
    def code(self) -> str | None:
        e = self.entry
        return e.code if e is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "unmatched": list(self.unmatched),
            "children": [c.to_dict() for c in self.children],
            "code": self.code,
            "complete": self.complete,
        }
