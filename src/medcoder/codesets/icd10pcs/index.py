"""Look things up in the ICD-10-PCS Index the way a coder does.

The Index leads from a procedure's name to a table, a partial code or (rarely) a full code;
the coder then finishes the code in the table::

    ix = IndexReader(path)
    ix.search("appendectomy")[0].text     # 'Appendectomy > see Excision, Appendix 0DBJ' …
    ix.walk("Resection, Appendix").code   # '0DTJ' (then: tables.values("0DTJ"))
    ix.walk(["Replacement", "Aorta", "Thoracic", "Descending"]).code   # '02RW'
    ix.main_term("Abdominoplasty")        # an IndexEntry; ix.children(entry.id)
    ix.entries_for_code("0DTJ4ZZ")        # the entries that lead to it (0DT, 0DTJ, …)
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medcoder.codesets.store import TableInfo
from medcoder.errors import DataError

from .model import IndexEntry, IndexHit, WalkResult, normalize

_COLS = "id, parent, level, letter, title, path, code, code_kind, ref, ref_text, nchild"


def _entry(row: Sequence[Any]) -> IndexEntry:
    eid, parent, level, letter, title, path, code, code_kind, ref, ref_text, nchild = row[:11]
    return IndexEntry(
        id=eid,
        parent_id=parent,
        level=level,
        letter=letter,
        title=title,
        path=tuple(json.loads(path)),
        code=code,
        code_kind=code_kind,
        ref=ref,
        ref_text=ref_text,
        n_children=nchild,
    )


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


class IndexReader:
    """Reader of one installed ``icd10pcs-index`` release."""

    def __init__(self, path: Path, info: TableInfo | None = None) -> None:
        self.path = Path(path)
        self.info = info
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            p = self.path / "table.sqlite"
            if not p.is_file():
                raise DataError("the ICD-10-PCS index table is missing; re-import it", where=p)
            self._db = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
        return self._db

    @property
    def release(self) -> str:
        if self.info is not None:
            return self.info.release
        row = self.db.execute("SELECT value FROM meta WHERE key = 'release'").fetchone()
        return str(row[0]) if row else ""

    # -- entries ---------------------------------------------------------------------------
    def entry(self, entry_id: int) -> IndexEntry | None:
        row = self.db.execute(f"SELECT {_COLS} FROM terms WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def main_term(self, title: str) -> IndexEntry | None:
        """The main term printed as ``title`` (case and spacing ignored)."""
        row = self.db.execute(
            f"SELECT {_COLS} FROM terms WHERE level = 0 AND title = ? COLLATE NOCASE "
            "ORDER BY id LIMIT 1",
            (" ".join(title.split()),),
        ).fetchone()
        return _entry(row) if row else None

    def children(self, entry_id: int) -> list[IndexEntry]:
        """The subterms of an entry, in printed order."""
        return [
            _entry(r)
            for r in self.db.execute(
                f"SELECT {_COLS} FROM terms WHERE parent = ? ORDER BY id", (entry_id,)
            )
        ]

    def entries_for_code(self, code: str) -> list[IndexEntry]:
        """The entries leading to ``code`` or to a table/partial code it starts with."""
        c = normalize(code)
        prefixes = [c[:n] for n in range(3, min(len(c), 7) + 1)]
        if not prefixes:
            return []
        marks = ", ".join("?" for _ in prefixes)
        return [
            _entry(r)
            for r in self.db.execute(
                f"SELECT {_COLS} FROM terms WHERE code IN ({marks}) ORDER BY length(code) DESC, id",
                prefixes,
            )
        ]

    # -- walk ------------------------------------------------------------------------------
    def walk(self, path: str | Sequence[str]) -> WalkResult:
        """Follow a term path from a main term down its subterms.

        ``path`` is a list of steps, or a string split at ``>`` (or, without one, at commas:
        "Resection, Appendix"); steps are matched to printed titles with case ignored, and
        adjacent comma-separated pieces are joined when a title itself holds a comma
        ("Achillotenotomy, achillotomy").
        """
        if isinstance(path, str):
            sep = ">" if ">" in path else ","
            pieces = [p.strip() for p in path.split(sep) if p.strip()]
        else:
            pieces = [" ".join(str(p).split()) for p in path if str(p).strip()]
        steps: list[IndexEntry] = []
        i = 0
        while i < len(pieces):
            candidates = self.children(steps[-1].id) if steps else []
            found = None
            for j in range(len(pieces), i, -1):
                want = _fold(", ".join(pieces[i:j]))
                if not steps:
                    hit = self.main_term(want)
                    found = (hit, j) if hit is not None else None
                else:
                    hit = next((c for c in candidates if c.title and _fold(c.title) == want), None)
                    found = (hit, j) if hit is not None else None
                if found is not None:
                    break
            if found is None:
                break
            steps.append(found[0])
            i = found[1]
        children = tuple(self.children(steps[-1].id)) if steps else ()
        return WalkResult(steps=tuple(steps), unmatched=tuple(pieces[i:]), children=children)

    # -- search ----------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[IndexHit]:
        """Ranked entries that lead somewhere (a code, partial code, table or reference) for
        the words of ``text``: every word when possible, else any of them. Words are
        stemmed ("appendectomies" finds Appendectomy); main-term matches rank first."""
        words = re.findall(r"\w+", text.lower())
        if not words or limit <= 0:
            return []
        rows: list[Any] = []
        for op in (" AND ", " OR "):
            query = op.join(f'"{w}"' for w in words)
            rows = self.db.execute(
                f"SELECT {', '.join('t.' + c.strip() for c in _COLS.split(','))}, "
                "bm25(fts, 10.0, 4.0, 2.0) AS rank FROM fts JOIN terms t ON t.id = fts.rowid "
                "WHERE fts MATCH ? AND (t.code IS NOT NULL OR t.ref IS NOT NULL) "
                "ORDER BY rank, t.code IS NULL, t.level, t.id LIMIT ?",
                (query, limit),
            ).fetchall()
            if rows or len(words) == 1:
                break
        hits = []
        for r in rows:
            e = _entry(r)
            hits.append(
                IndexHit(
                    entry=e,
                    score=-float(r[11]),
                    path=e.path,
                    code=e.code,
                    code_kind=e.code_kind,
                    ref=e.ref,
                    ref_text=e.ref_text,
                    text=e.text,
                )
            )
        return hits

    def card(self, code: str) -> dict[str, Any] | None:
        """The index entries that lead to ``code`` (or to its table / partial code)."""
        entries = self.entries_for_code(code)
        if not entries:
            return None
        return {
            "system": "ICD-10-PCS",
            "code": normalize(code),
            "title": entries[0].text,
            "kind": "index",
            "release": self.release,
            "index_entries": [e.to_dict() for e in entries[:50]],
        }
