"""Read the ICD-10-PCS Definitions: what a root operation, approach, device, body part means.

The Definitions file is keyed by section, axis and the value's label (it carries no codes),
so it is read through the labels the tables give::

    d = DefinitionsReader(path)
    d.root_operation("Resection").definition     # 'Cutting out or off, without replacement, …'
    d.term("0", 4, "1st Toe, Left").includes     # ('Hallux',)
    d.term("0", 6, "Autologous Arterial Tissue", body_system="Heart and Great Vessels")
    d.search("hallux")                           # entries whose titles/includes match
    tables_reader.explain("0DTJ4ZZ", definitions=d)   # each axis value with its definition

A device entry of the Medical and Surgical section is often printed per body system
("Autologous Arterial Tissue in Heart and Great Vessels"); :meth:`term` tries that form first
when given the body system.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from medcoder.codesets.store import TableInfo
from medcoder.errors import DataError

from .model import PcsTerm

_COLS = "t.section, s.label, t.position, t.axis, t.titles, t.definition, t.explanation, t.includes"


class DefinitionsReader:
    """Reader of one installed ``icd10pcs-definitions`` release."""

    def __init__(self, path: Path, info: TableInfo | None = None) -> None:
        self.path = Path(path)
        self.info = info
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            p = self.path / "table.sqlite"
            if not p.is_file():
                raise DataError(
                    "the ICD-10-PCS definitions table is missing; re-import it", where=p
                )
            self._db = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
        return self._db

    @property
    def release(self) -> str:
        if self.info is not None:
            return self.info.release
        row = self.db.execute("SELECT value FROM meta WHERE key = 'release'").fetchone()
        return str(row[0]) if row else ""

    @staticmethod
    def _term(row: tuple[Any, ...]) -> PcsTerm:
        section, label, position, axis, titles, definition, explanation, includes = row
        return PcsTerm(
            section=section,
            section_label=label,
            position=position,
            axis=axis,
            titles=tuple(json.loads(titles)),
            definition=definition,
            explanation=explanation,
            includes=tuple(json.loads(includes)),
        )

    def term(
        self, section: str, position: int, label: str, body_system: str | None = None
    ) -> PcsTerm | None:
        """The entry defining ``label`` at axis ``position`` of ``section`` (case ignored).

        With ``body_system`` a device is first looked up as "<label> in <body system>".
        """
        keys = [label]
        if body_system:
            keys.insert(0, f"{label} in {body_system}")
        for key in keys:
            row = self.db.execute(
                f"SELECT {_COLS} FROM term_keys k JOIN terms t ON t.id = k.term "
                "JOIN sections s ON s.section = t.section "
                "WHERE k.section = ? AND k.position = ? AND k.key = ? ORDER BY t.id LIMIT 1",
                (section.upper(), position, key.casefold()),
            ).fetchone()
            if row is not None:
                return self._term(row)
        return None

    def root_operation(self, name: str, section: str = "0") -> PcsTerm | None:
        """A root operation (axis 3) by name: ``root_operation("Resection")``."""
        return self.term(section, 3, name)

    def terms(self, section: str | None = None, position: int | None = None) -> list[PcsTerm]:
        """Every entry, or those of one section and/or axis, in printed order."""
        where: list[str] = []
        args: list[Any] = []
        if section is not None:
            where.append("t.section = ?")
            args.append(section.upper())
        if position is not None:
            where.append("t.position = ?")
            args.append(position)
        sql = f"SELECT {_COLS} FROM terms t JOIN sections s ON s.section = t.section"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [self._term(r) for r in self.db.execute(sql + " ORDER BY t.id", args)]

    def including(self, text: str) -> list[PcsTerm]:
        """The entries that list ``text`` among what they include (case ignored): the body
        part a coder should use for an anatomical term ("Hallux" → 1st Toe)."""
        want = text.strip().casefold()
        return [
            t for t in self.search(text, limit=50) if any(i.casefold() == want for i in t.includes)
        ]

    def search(self, text: str, limit: int = 20) -> list[PcsTerm]:
        """Entries whose titles, includes or definitions match the words of ``text``,
        titles first."""
        words = re.findall(r"\w+", text.lower())
        if not words:
            return []
        query = " ".join(f'"{w}"' for w in words)
        rows = self.db.execute(
            f"SELECT {_COLS} FROM fts JOIN terms t ON t.id = fts.rowid "
            "JOIN sections s ON s.section = t.section "
            "WHERE fts MATCH ? ORDER BY bm25(fts, 10.0, 5.0, 1.0), t.id LIMIT ?",
            (query, limit),
        ).fetchall()
        return [self._term(r) for r in rows]

    def device_aggregation(self, device: str) -> list[dict[str, Any]]:
        """Where a specific device is coded with a general device value ("Autologous Arterial
        Tissue" → value 7 Autologous Tissue Substitute, in which body systems)."""
        rows = self.db.execute(
            "SELECT device, operation, body_systems, parent_value, parent FROM aggregates "
            "WHERE device = ? COLLATE NOCASE ORDER BY id",
            (device.strip(),),
        ).fetchall()
        return [
            {
                "device": d,
                "operation": op,
                "body_systems": json.loads(bs),
                "value": pv,
                "general_device": parent,
            }
            for d, op, bs, pv, parent in rows
        ]

    def card(self, code: str) -> dict[str, Any] | None:
        """The Definitions know labels, not codes: their content reaches the code card
        through ``PcsReader.card(code, definitions=…)``, so this is always None."""
        return None
