"""Build the ICD-10-CM Alphabetic Index tables from the official CDC/NCHS XML files.

Four files share one layout, the ``ICD10CM.index`` document (``icd10cm-index-YYYY.xsd`` for
the two indexes, ``icd-10-cm-drug-neoplasm-YYYY.xsd`` for the two tables)::

    ICD10CM.index [isAddenda]
      version                     the fiscal year ("2025")
      title                       "ICD-10-CM INDEX TO DISEASES and INJURIES" (optional)
      indexHeading / head col=N   table column names (Table of Drugs, Neoplasm Table only)
      letter / title              "A" … "Z" ("#" for numbers in the Table of Drugs)
        mainTerm                  a main term; ``term level=N`` nests subterms (N = depth)
          title                   text, with <nemod> holding nonessential modifiers "(…)"
          see | seeAlso           cross references ("Maltreatment"; "Fracture, radius, lower end")
          code                    the code the entry leads to ("E11.22", "S52.9-")
          seecat | subcat         "see category T71" / "see subcategory T75.0"
          manif                   manifestation code printed in brackets [N08]
          warning                 printed warning text
          cell col=N              table cells (a code, or "-"/"--" for none)
          term level=N …

The XML is streamed with the stdlib expat parser (``xml.parsers.expat``, the parser under
``ElementTree``) so every complaint about a damaged file carries its line number, and memory
stays flat. Each table is SQLite (``table.sqlite``): ``terms`` (one row per main term or
subterm, in printed order), ``keys`` (the keys a typed step may match), ``cells`` and
``columns`` (tables), ``fts`` (FTS5 over word stems of each term's path) and ``meta``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from medcoder.codesets.store import BuildResult
from medcoder.dates import fy_end, fy_start
from medcoder.errors import DataImportError, FileFormatError

from .text import codes_in, match_keys, split_modifiers, squash, stems

KINDS = {
    "icd10cm-index": "ICD-10-CM Index to Diseases and Injuries",
    "icd10cm-eindex": "ICD-10-CM External Cause of Injuries Index",
    "icd10cm-drug": "ICD-10-CM Table of Drugs and Chemicals",
    "icd10cm-neoplasm": "ICD-10-CM Neoplasm Table",
}
TABLE_KINDS = frozenset({"icd10cm-drug", "icd10cm-neoplasm"})
# how a file of each kind names itself, so a wrong file is told what it is
_FILE_NAMES = {
    "icd10cm-index": "icd10cm-index-YYYY.xml",
    "icd10cm-eindex": "icd10cm-eindex-YYYY.xml",
    "icd10cm-drug": "icd10cm-drug-YYYY.xml",
    "icd10cm-neoplasm": "icd10cm-neoplasm-YYYY.xml",
}

SCHEMA = """
CREATE TABLE terms (
    id INTEGER PRIMARY KEY,     -- printed order, from 1
    parent INTEGER,             -- NULL for a main term
    main INTEGER NOT NULL,      -- the main term this entry sits under (itself for a main term)
    level INTEGER NOT NULL,     -- 0 main term, 1.. subterm level (the XML level attribute)
    letter TEXT NOT NULL,
    title TEXT NOT NULL,        -- as printed, nonessential modifiers in parentheses included
    plain TEXT NOT NULL,        -- without the nonessential modifiers
    modifiers TEXT NOT NULL,    -- JSON list of nonessential modifiers
    code TEXT,
    manif TEXT NOT NULL,        -- JSON list of manifestation codes (printed in brackets)
    manif_note TEXT,            -- <manif> text that holds no code
    see TEXT,
    see_also TEXT,
    seecat TEXT,
    subcat TEXT,
    warning TEXT,
    path TEXT NOT NULL,         -- JSON list of plain titles, main term first
    nchild INTEGER NOT NULL,
    size INTEGER NOT NULL       -- number of entries below this one
);
CREATE TABLE keys (            -- what a typed step may equal to match an entry (text.match_keys)
    key TEXT NOT NULL, parent INTEGER NOT NULL, term INTEGER NOT NULL, tier INTEGER NOT NULL
);
CREATE TABLE codes (code TEXT NOT NULL, term INTEGER NOT NULL, role TEXT NOT NULL);
CREATE TABLE columns (col INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE cells (
    term INTEGER NOT NULL, col INTEGER NOT NULL, code TEXT, PRIMARY KEY (term, col)
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
    main, sub, mods, own UNINDEXED, tokenize='unicode61 remove_diacritics 2'
);
"""
INDEXES = """
CREATE INDEX terms_parent ON terms(parent);
CREATE INDEX keys_parent_key ON keys(parent, key);
CREATE INDEX codes_code ON codes(code);
"""

_TERM_TAGS = frozenset({"mainTerm", "term"})
_FIELD_TAGS = frozenset({"code", "see", "seeAlso", "seecat", "subcat", "manif", "warning", "cell"})
_NONE_CELLS = frozenset({"", "-", "--", "—", "–"})


@dataclass
class _Rec:
    id: int
    parent: _Rec | None
    level: int
    line: int
    letter: str
    title: str | None = None
    plain: str = ""
    modifiers: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)
    mods_path: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    cells: dict[int, str | None] = field(default_factory=dict)
    nchild: int = 0
    size: int = 0

    @property
    def main(self) -> _Rec:
        r = self
        while r.parent is not None:
            r = r.parent
        return r


class _Parse:
    """Streams one ``ICD10CM.index`` file into the SQLite table."""

    def __init__(self, kind: str, path: Path, db: sqlite3.Connection) -> None:
        self.kind = kind
        self.path = path
        self.db = db
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars
        self.tags: list[str] = []
        self.stack: list[_Rec] = []
        self.next_id = 1
        self.letter = ""
        self.letters: list[str] = []
        self.version: str | None = None
        self.doc_title: str | None = None
        self.heads: dict[int, str] = {}
        self.saw_letter = False
        # text capture: ("title", segments) or ("field", parts)
        self.segments: list[tuple[str, str]] | None = None
        self.seg_mode: list[str] = []
        self.text: list[str] | None = None
        self.skip_old = 0
        self.cell_col: int | None = None
        self.head_col: int | None = None
        self.counts: Counter[str] = Counter()
        self.levels: Counter[int] = Counter()
        self.code_letters: Counter[str] = Counter()
        self.rows: list[tuple[Any, ...]] = []
        self.keys: list[tuple[str, int, int, int]] = []
        self.codes: list[tuple[str, int, str]] = []
        self.cells: list[tuple[int, int, str | None]] = []
        self.fts: list[tuple[int, str, str, str, str]] = []

    # -- errors ------------------------------------------------------------------------------
    def fail(self, message: str, line: int | None = None) -> FileFormatError:
        return FileFormatError(
            message,
            path=self.path,
            line=line if line is not None else self.parser.CurrentLineNumber,
        )

    # -- expat handlers ----------------------------------------------------------------------
    def start(self, tag: str, attrs: dict[str, str]) -> None:
        parent = self.tags[-1] if self.tags else None
        self.tags.append(tag)
        if parent is None:
            self.check_root(tag, attrs)
            return
        if self.segments is not None:  # inside a title
            if tag == "old":
                self.skip_old += 1
            self.seg_mode.append("mod" if tag == "nemod" else "text")
            return
        if self.text is not None:  # inside a code/see/cell…
            if tag == "old":
                self.skip_old += 1
            return
        if tag in _TERM_TAGS:
            self.open_term(tag, parent, attrs)
        elif tag in ("title", "diff"):
            self.segments = []
            self.seg_mode = ["text"]
        elif tag == "letter":
            self.check_kind_at_letters()
            self.saw_letter = True
        elif tag in _FIELD_TAGS or tag in ("version", "head"):
            self.text = []
            if tag == "cell" or tag == "head":
                col = attrs.get("col", "")
                if not col.isdigit() or int(col) < 1:
                    raise self.fail(f"<{tag}> needs a column number col=1.. (found col={col!r})")
                if tag == "cell":
                    self.cell_col = int(col)
                else:
                    self.head_col = int(col)

    def chars(self, data: str) -> None:
        if self.skip_old:
            return
        if self.segments is not None:
            self.segments.append((self.seg_mode[-1], data))
        elif self.text is not None:
            self.text.append(data)

    def end(self, tag: str) -> None:
        self.tags.pop()
        parent = self.tags[-1] if self.tags else None
        if self.segments is not None:
            if tag == "old":
                self.skip_old -= 1
            if tag in ("title", "diff") and (not self.seg_mode or len(self.seg_mode) == 1):
                self.close_title(parent)
            else:
                self.seg_mode.pop()
            return
        if self.text is not None:
            if tag == "old":
                self.skip_old -= 1
                return
            if tag in _FIELD_TAGS or tag in ("version", "head"):
                value = squash("".join(self.text))
                self.text = None
                self.close_field(tag, parent, value)
            return
        if tag in _TERM_TAGS:
            self.close_term()

    # -- structure ---------------------------------------------------------------------------
    def check_root(self, tag: str, attrs: dict[str, str]) -> None:
        want = KINDS[self.kind]
        if tag == "ICD10CM.tabular":
            raise self.fail(
                f"this is the ICD-10-CM Tabular List (root <ICD10CM.tabular>), not the {want}; "
                "import it as icd10cm-tabular"
            )
        if tag != "ICD10CM.index":
            raise self.fail(
                f"expected the {want} XML (root element <ICD10CM.index>, file "
                f"{_FILE_NAMES[self.kind]}); found root element <{tag}>"
            )
        if attrs.get("isAddenda", "").lower() == "true":
            raise self.fail(
                f'this is an addenda file (isAddenda="true"): it lists only the changes to the '
                f"{want}; import the full file {_FILE_NAMES[self.kind]}"
            )

    def check_kind_at_letters(self) -> None:
        if self.saw_letter:
            return
        is_table = self.kind in TABLE_KINDS
        heading = ", ".join(self.heads[c] for c in sorted(self.heads))
        if self.heads and not is_table:
            found = _table_kind(self.heads)
            raise self.fail(
                f"this file is a table with columns ({heading}), the {KINDS[found]}, not the "
                f"{KINDS[self.kind]}; import it as {found}"
            )
        if is_table and not self.heads:
            raise self.fail(
                f"expected the {KINDS[self.kind]}: a table whose <indexHeading> names its columns; "
                "this file has no <indexHeading> (it looks like an alphabetic index: import it as "
                f"{self.title_kind() or 'icd10cm-index or icd10cm-eindex'})"
            )
        if is_table:
            found = _table_kind(self.heads)
            if found != self.kind:
                raise self.fail(
                    f"this is the {KINDS[found]} (columns {heading}), not the {KINDS[self.kind]}; "
                    f"import it as {found}"
                )
        else:
            found_t = self.title_kind()
            if found_t is not None and found_t != self.kind:
                raise self.fail(
                    f"this is the {KINDS[found_t]} (title {self.doc_title!r}), not the "
                    f"{KINDS[self.kind]}; import it as {found_t}"
                )

    def title_kind(self) -> str | None:
        t = (self.doc_title or "").upper()
        if "EXTERNAL CAUSE" in t:
            return "icd10cm-eindex"
        if "DISEASES" in t:
            return "icd10cm-index"
        return None

    def open_term(self, tag: str, parent_tag: str | None, attrs: dict[str, str]) -> None:
        line = self.parser.CurrentLineNumber
        if tag == "mainTerm":
            if parent_tag != "letter":
                raise self.fail(
                    f"<mainTerm> must sit inside a <letter>, found it inside <{parent_tag}>"
                )
            parent = None
            level = 0
        else:
            if parent_tag not in _TERM_TAGS or not self.stack:
                raise self.fail(
                    f"<term> must sit inside a <mainTerm> or <term>, found <{parent_tag}>"
                )
            parent = self.stack[-1]
            raw = attrs.get("level", "")
            if not raw.isdigit():
                raise self.fail(f"<term> needs a numeric level attribute (found level={raw!r})")
            level = int(raw)
            if level != parent.level + 1:
                raise self.fail(
                    f'<term level="{level}"> sits directly under a level-{parent.level} entry; '
                    f'expected level="{parent.level + 1}"'
                )
            if parent.title is None:
                raise self.fail("a subterm comes before its parent's <title>")
            parent.nchild += 1
        rec = _Rec(id=self.next_id, parent=parent, level=level, line=line, letter=self.letter)
        self.next_id += 1
        self.stack.append(rec)

    def close_title(self, parent_tag: str | None) -> None:
        segments = self.segments or []
        self.segments = None
        self.seg_mode = []
        printed_parts: list[str] = []
        plain_parts: list[str] = []
        mods: list[str] = []
        run: list[tuple[str, str]] = []
        for mode, text in segments:  # merge consecutive runs of one mode
            if run and run[-1][0] == mode:
                run[-1] = (mode, run[-1][1] + text)
            else:
                run.append((mode, text))
        for mode, text in run:
            t = squash(text)
            if not t:
                continue
            printed_parts.append(t)
            if mode == "mod":
                mods.extend(split_modifiers(t))
            else:
                plain_parts.append(t)
        printed = _join(printed_parts)
        plain = _join(plain_parts)
        if parent_tag in _TERM_TAGS and self.stack:
            rec = self.stack[-1]
            if rec.title is not None:
                raise self.fail("an index entry has two <title> elements")
            if not plain and not printed:
                raise self.fail("an index entry has an empty <title>")
            rec.title = printed
            rec.plain = plain or printed
            rec.modifiers = mods
            up = rec.parent
            rec.path = [*(up.path if up else []), rec.plain]
            rec.printed = [*(up.printed if up else []), printed]
            rec.mods_path = [*(up.mods_path if up else []), *mods]
        elif parent_tag == "letter":
            self.letter = plain
            self.letters.append(plain)
        elif parent_tag == "ICD10CM.index":
            self.doc_title = printed

    def close_field(self, tag: str, parent_tag: str | None, value: str) -> None:
        if tag == "version":
            if parent_tag == "ICD10CM.index":
                self.version = value
            return
        if tag == "head":
            if parent_tag == "indexHeading" and self.head_col is not None:
                self.heads[self.head_col] = value
            return
        if parent_tag not in _TERM_TAGS or not self.stack:
            return
        rec = self.stack[-1]
        if tag == "cell":
            assert self.cell_col is not None
            rec.cells[self.cell_col] = None if value in _NONE_CELLS else value
            return
        if not value:
            raise self.fail(f"an empty <{tag}> element")
        if tag in rec.fields:
            rec.fields[tag] = rec.fields[tag] + " " + value
        else:
            rec.fields[tag] = value

    def close_term(self) -> None:
        rec = self.stack.pop()
        if rec.title is None:
            raise self.fail("an index entry (<mainTerm> or <term>) has no <title>", line=rec.line)
        if rec.parent is not None:
            rec.parent.size += rec.size + 1
        f = rec.fields
        code = f.get("code")
        if code is not None and not codes_in(code):
            raise self.fail(f"<code> holds {code!r}, which is not an ICD-10-CM code", line=rec.line)
        manif_text = f.get("manif")
        manif = codes_in(manif_text) if manif_text else []
        manif_note = manif_text if manif_text and not manif else None
        main = rec.main
        self.rows.append(
            (
                rec.id,
                rec.parent.id if rec.parent else None,
                main.id,
                rec.level,
                rec.letter,
                rec.title,
                rec.plain,
                json.dumps(rec.modifiers),
                code,
                json.dumps(manif),
                manif_note,
                f.get("see"),
                f.get("seeAlso"),
                f.get("seecat"),
                f.get("subcat"),
                f.get("warning"),
                json.dumps(rec.path),
                rec.nchild,
                rec.size,
            )
        )
        parent_id = rec.parent.id if rec.parent else 0
        for key, tier in match_keys(rec.plain):
            self.keys.append((key, parent_id, rec.id, tier))
        if code:
            self.codes.append((code, rec.id, "code"))
            self.code_letters[code[0]] += 1
        for m in manif:
            self.codes.append((m, rec.id, "manif"))
        for col, value in rec.cells.items():
            self.cells.append((rec.id, col, value))
            if value:
                self.codes.append((value, rec.id, f"cell:{col}"))
        self.fts.append(
            (
                rec.id,
                " ".join(stems(main.plain)),
                " ".join(s for p in rec.path[1:] for s in stems(p)),
                " ".join(s for m in rec.mods_path for s in stems(m)),
                " ".join(stems(rec.plain)),
            )
        )
        self.counts["terms"] += 1
        self.levels[rec.level] += 1
        for name, key in (
            ("code", "codes"),
            ("see", "see"),
            ("seeAlso", "see_also"),
            ("seecat", "seecat"),
            ("subcat", "subcat"),
            ("manif", "manif"),
            ("warning", "warning"),
        ):
            if name in f:
                self.counts[key] += 1
        if rec.modifiers:
            self.counts["with_modifiers"] += 1
        self.counts["cells"] += sum(1 for v in rec.cells.values() if v)
        if len(self.rows) >= 5000:
            self.flush()

    def flush(self) -> None:
        db = self.db
        db.executemany(f"INSERT INTO terms VALUES ({','.join('?' * 19)})", self.rows)
        db.executemany("INSERT INTO keys VALUES (?,?,?,?)", self.keys)
        db.executemany("INSERT INTO codes VALUES (?,?,?)", self.codes)
        db.executemany("INSERT INTO cells VALUES (?,?,?)", self.cells)
        db.executemany("INSERT INTO fts(rowid, main, sub, mods, own) VALUES (?,?,?,?,?)", self.fts)
        for buf in (self.rows, self.keys, self.codes, self.cells, self.fts):
            buf.clear()

    def run(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                self.parser.ParseFile(fh)
        except expat.ExpatError as exc:
            reason = expat.ErrorString(exc.code) if exc.code else str(exc)
            hint = (
                "the file ends before the XML is complete (truncated download?)"
                if exc.code == expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]
                or "unclosed token" in reason
                else "the file is not well-formed XML"
            )
            raise FileFormatError(
                f"{hint}: {reason}; expected the official {KINDS[self.kind]} XML "
                f"({_FILE_NAMES[self.kind]})",
                path=self.path,
                line=exc.lineno,
                column=exc.offset,
            ) from exc
        if self.tags:
            raise self.fail("the file ends before the XML is complete (truncated download?)")
        if not self.saw_letter:
            raise self.fail(f"no <letter> sections: this file holds no {KINDS[self.kind]} entries")
        if self.kind not in TABLE_KINDS and self.title_kind() is None:
            # no title to tell the two indexes apart: External Cause codes are V00-Y99
            total = sum(self.code_letters.values())
            ext = sum(self.code_letters[c] for c in "VWXY")
            if total and ext / total > 0.8 and self.kind == "icd10cm-index":
                raise self.fail(
                    "this looks like the External Cause of Injuries Index (most codes are "
                    "V00-Y99), "
                    "not the Index to Diseases and Injuries; import it as icd10cm-eindex"
                )
            if total and ext / total < 0.5 and self.kind == "icd10cm-eindex":
                raise self.fail(
                    "this looks like the Index to Diseases and Injuries (most codes are outside "
                    "V00-Y99), not the External Cause Index; import it as icd10cm-index"
                )
        self.flush()


def _join(parts: list[str]) -> str:
    text = squash(" ".join(parts))
    return re.sub(r"\s+([,;.])", r"\1", text)


def _table_kind(heads: dict[int, str]) -> str:
    first = heads.get(1, "").lower()
    names = " ".join(heads.values()).lower()
    if "neoplasm" in first or "malignant" in names:
        return "icd10cm-neoplasm"
    return "icd10cm-drug"


def _release(
    version: str | None, path: Path, title: str | None
) -> tuple[str, _dt.date, _dt.date, int]:
    """Release label and effective dates from <version> (or the file name's year)."""
    fy: int | None = None
    if version is not None:
        m = re.fullmatch(r"(?:FY\s*)?(\d{4})", version.strip(), re.IGNORECASE)
        if not m:
            raise FileFormatError(
                f"<version> is {version!r}; expected the fiscal year of the release (e.g. 2025)",
                path=path,
            )
        fy = int(m.group(1))
    else:
        years = re.findall(r"(?<!\d)(20\d\d)(?!\d)", path.name)
        if not years:
            raise FileFormatError(
                "the file has no <version> and its name holds no year; "
                "expected <version>YYYY</version>",
                path=path,
            )
        fy = int(years[-1])
    if not 2015 <= fy <= 2100:
        raise FileFormatError(
            f"<version> {fy} is not an ICD-10-CM fiscal year (ICD-10-CM began with FY2016)",
            path=path,
        )
    start, end = fy_start(fy), fy_end(fy)
    label = f"FY{fy}"
    if "april" in f"{path.name} {title or ''}".lower():
        start = _dt.date(fy, 4, 1)
        label += "-April"
    return label, start, end, fy


def _pick_source(kind: str, sources: list[Path]) -> Path:
    if len(sources) == 1:
        return sources[0]
    full = [p for p in sources if "addend" not in p.name.lower()]
    if len(full) == 1:
        return full[0]
    raise DataImportError(
        f"expected one {KINDS[kind]} file, found {len(sources)}: "
        + ", ".join(p.name for p in sources),
        where=sources[0].parent,
    )


def _check_fts5() -> None:
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError as exc:
        raise DataImportError(
            "this Python's SQLite lacks the FTS5 full-text extension that the index tables need"
        ) from exc
    finally:
        con.close()


class IndexBuilder:
    """Builds one of the four Alphabetic Index kinds (``kind`` set by each subclass)."""

    format_version: int = 1
    kind: str = "icd10cm-index"

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        _check_fts5()
        src = _pick_source(self.kind, sources)
        db_path = out_dir / "table.sqlite"
        db = sqlite3.connect(db_path)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(SCHEMA)
            p = _Parse(self.kind, src, db)
            p.run()
            label, start, end, fy = _release(p.version, src, p.doc_title)
            db.executemany("INSERT INTO columns VALUES (?,?)", sorted(p.heads.items()))
            db.executescript(INDEXES)
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            terms = p.counts["terms"]
            main_terms = p.levels[0]
            if terms == 0:
                raise FileFormatError(
                    "the file has <letter> sections but no entries; "
                    f"expected the {KINDS[self.kind]}",
                    path=src,
                )
            meta: dict[str, Any] = {
                "kind": self.kind,
                "title": KINDS[self.kind],
                "file": src.name,
                "version": p.version or str(fy),
                "document_title": p.doc_title,
                "letters": len(p.letters),
                "main_terms": main_terms,
                "terms": terms,
                "subterms_by_level": {str(k): v for k, v in sorted(p.levels.items()) if k},
                "codes": p.counts["codes"],
                "see": p.counts["see"],
                "see_also": p.counts["see_also"],
                "seecat": p.counts["seecat"],
                "subcat": p.counts["subcat"],
                "manif": p.counts["manif"],
                "warnings": p.counts["warning"],
                "with_modifiers": p.counts["with_modifiers"],
            }
            if p.heads:
                meta["columns"] = [p.heads[c] for c in sorted(p.heads)]
                meta["cells"] = p.counts["cells"]
            db.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [(k, json.dumps(v)) for k, v in meta.items()],
            )
            db.commit()
        finally:
            db.close()
        return BuildResult(
            release=label, effective_from=start, effective_to=end, rows=terms, meta=meta
        )


class DiseaseIndexBuilder(IndexBuilder):
    kind = "icd10cm-index"


class ExternalCauseIndexBuilder(IndexBuilder):
    kind = "icd10cm-eindex"


class DrugTableBuilder(IndexBuilder):
    kind = "icd10cm-drug"


class NeoplasmTableBuilder(IndexBuilder):
    kind = "icd10cm-neoplasm"
