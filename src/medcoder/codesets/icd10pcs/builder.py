"""Build the ICD-10-PCS tables from the official CMS XML files.

Three files ship in CMS's "ICD-10-PCS Code Tables and Index" zip, one kind each:

``icd10pcs_tables_YYYY.xml`` (kind ``icd10pcs``)::

    ICD10PCS.tabular
      version                         the fiscal year ("2026")
      title                           "2026 ICD-10-PCS Tables"
      pcsTable                        one table = the first three characters
        axis pos=1..3 values=1        title (Section / Body System / Operation, or the
          title, label code=X         section's own names: Type, Modality, …), one label,
          definition                  and for pos 3 the root operation's definition
        pcsRow codes=N                a row: every combination of its axis values is a code
          axis pos=4..7 values=N      title (Body Part, Approach, Device, Qualifier, …)
            label code=X              the values allowed, each with its label in this row

``icd10pcs_definitions_YYYY.xml`` (kind ``icd10pcs-definitions``)::

    ICD10PCS.definitions / version, title
      section code=X / title
        axis pos=N / title
          terms / title+ definition? explanation? includes*
      deviceAggregation / aggregate / device operation bodySys+ parent@value

``icd10pcs_index_YYYY.xml`` (kind ``icd10pcs-index``)::

    ICD10PCS.index / version, title
      letter / title
        mainTerm / title, then code | codes | tab | see | use, or term level=1 …
          term level=N / title?, code (7) | codes (4-6) | tab (3) | see | use | term …
          see / text, codes? tab?      "see Resection, Uterus 0UT9"
          use / text, tab?             "use Stimulator Generator … in 0JH"

Each is checked while read (a damaged file, a file of another kind, a row whose ``codes``
does not match its values, a code with a character PCS never uses, …: FileFormatError with
the line) and written to ``table.sqlite``.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from medcoder.codesets.store import BuildResult
from medcoder.errors import FileFormatError

from .model import PCS_ALPHABET
from .xmltree import Node, fiscal_release, parse, pick_source

TABLES_ROOT = "ICD10PCS.tabular"
DEFINITIONS_ROOT = "ICD10PCS.definitions"
INDEX_ROOT = "ICD10PCS.index"
TABLES_WHAT = "the ICD-10-PCS Tables file (icd10pcs_tables_YYYY.xml)"
DEFINITIONS_WHAT = "the ICD-10-PCS Definitions file (icd10pcs_definitions_YYYY.xml)"
INDEX_WHAT = "the ICD-10-PCS Index file (icd10pcs_index_YYYY.xml)"


def _connect(out_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(out_dir / "table.sqlite")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    return db


def _finish(db: sqlite3.Connection, meta: dict[str, Any]) -> None:
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in meta.items()],
    )
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


# -- tables ------------------------------------------------------------------------------------

TABLES_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- the header axes: '0' section (position 1), '0D' body system (2), '0DT' operation (3)
CREATE TABLE axis_values (
    prefix TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    axis TEXT NOT NULL,          -- the axis title printed in the table
    label TEXT NOT NULL,
    definition TEXT              -- the root operation's definition (position 3)
);
CREATE TABLE pcs_tables (
    prefix TEXT PRIMARY KEY,     -- the first three characters
    ord INTEGER NOT NULL,        -- printed order
    codes INTEGER NOT NULL,      -- valid codes in the table
    nrows INTEGER NOT NULL,
    axes TEXT NOT NULL,          -- JSON: the seven axis titles
    line INTEGER NOT NULL
);
CREATE TABLE pcs_rows (
    id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL,
    ord INTEGER NOT NULL,        -- 1-based within the table
    codes INTEGER NOT NULL,
    v4 TEXT NOT NULL,            -- the values allowed at positions 4-7, one character each,
    v5 TEXT NOT NULL,            -- in printed order ("034" = 0, 3 and 4)
    v6 TEXT NOT NULL,
    v7 TEXT NOT NULL
);
-- a value's label in its row (the same value may have another label in another row)
CREATE TABLE row_labels (
    row INTEGER NOT NULL,
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (row, position, value)
) WITHOUT ROWID;
"""
TABLES_INDEXES = """
CREATE INDEX pcs_rows_prefix ON pcs_rows(prefix, ord);
CREATE INDEX row_labels_label ON row_labels(label);
"""


def _value(node: Node, path: Path, where: str) -> tuple[str, str]:
    code = node.attrib.get("code", "")
    if len(code) != 1 or code not in PCS_ALPHABET:
        raise FileFormatError(
            f"{where}: label code {code!r} is not one ICD-10-PCS character (0-9, A-H, J-N, P-Z)",
            path=path,
            line=node.line,
        )
    label = node.text
    if not label:
        raise FileFormatError(f"{where}: value {code} has no label text", path=path, line=node.line)
    return code, label


def _count_attr(node: Node, name: str, path: Path) -> int | None:
    raw = node.attrib.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise FileFormatError(
            f"<{node.tag} {name}={raw!r}>: expected a number", path=path, line=node.line
        )
    return int(raw)


class TablesBuilder:
    """``icd10pcs``: the code tables (every valid code, every axis value's label)."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = pick_source(sources, TABLES_ROOT, TABLES_WHAT)
        root = parse(path, TABLES_ROOT, TABLES_WHAT, "icd10pcs")
        fy, release, start, end = fiscal_release(root, path, TABLES_WHAT)
        tables = root.findall("pcsTable")
        if not tables:
            raise FileFormatError(
                f"no <pcsTable> under <{TABLES_ROOT}>; expected {TABLES_WHAT}",
                path=path,
                line=root.line,
            )
        db = _connect(out_dir)
        db.executescript(TABLES_SCHEMA)
        header: dict[str, tuple[int, str, str, str, str | None]] = {}
        total = 0
        nrows = 0
        row_id = 0
        by_section: Counter[str] = Counter()
        seen_tables: dict[str, int] = {}
        for ord_, table in enumerate(tables, 1):
            axes = {}
            for ax in table.findall("axis"):
                pos = ax.attrib.get("pos", "")
                if pos not in ("1", "2", "3") or pos in axes:
                    raise FileFormatError(
                        f"<pcsTable> axis pos={pos!r}: a table's own axes are pos 1, 2 and 3, "
                        "once each",
                        path=path,
                        line=ax.line,
                    )
                axes[pos] = ax
            if len(axes) != 3:
                raise FileFormatError(
                    f"<pcsTable> has axes {sorted(axes)}; expected pos 1, 2 and 3 "
                    "(section, body system, operation)",
                    path=path,
                    line=table.line,
                )
            prefix = ""
            titles: list[str] = []
            for pos in ("1", "2", "3"):
                ax = axes[pos]
                labels = ax.findall("label")
                if len(labels) != 1:
                    raise FileFormatError(
                        f"table axis {pos} has {len(labels)} labels; expected exactly one",
                        path=path,
                        line=ax.line,
                    )
                title = ax.findtext("title") or ""
                if not title:
                    raise FileFormatError(
                        f"table axis {pos} has no <title>", path=path, line=ax.line
                    )
                value, label = _value(labels[0], path, f"table axis {pos}")
                prefix += value
                titles.append(title)
                definition = ax.findtext("definition") if pos == "3" else None
                old = header.get(prefix)
                if old is not None and old[3] != label and pos != "3":
                    raise FileFormatError(
                        f"{prefix} is labelled {old[3]!r} and {label!r} in two tables",
                        path=path,
                        line=labels[0].line,
                    )
                header[prefix] = (int(pos), value, title, label, definition or None)
            if prefix in seen_tables:
                raise FileFormatError(
                    f"table {prefix} appears twice (first at line {seen_tables[prefix]})",
                    path=path,
                    line=table.line,
                )
            seen_tables[prefix] = table.line
            rows = table.findall("pcsRow")
            if not rows:
                raise FileFormatError(f"table {prefix} has no <pcsRow>", path=path, line=table.line)
            table_codes: set[str] = set()
            row_titles: list[str] | None = None
            for rord, row in enumerate(rows, 1):
                row_axes = row.findall("axis")
                if [a.attrib.get("pos") for a in row_axes] != ["4", "5", "6", "7"]:
                    raise FileFormatError(
                        f"row {rord} of table {prefix} has axes "
                        f"{[a.attrib.get('pos') for a in row_axes]}; expected pos 4, 5, 6, 7",
                        path=path,
                        line=row.line,
                    )
                values: list[str] = []
                labels_out: list[tuple[int, str, str]] = []
                this_titles: list[str] = []
                for ax in row_axes:
                    pos_i = int(ax.attrib["pos"])
                    this_titles.append(ax.findtext("title") or "")
                    vals = ""
                    for lab in ax.findall("label"):
                        v, text = _value(lab, path, f"table {prefix} axis {pos_i}")
                        if v in vals:
                            raise FileFormatError(
                                f"table {prefix} row {rord} axis {pos_i} lists value {v} twice",
                                path=path,
                                line=lab.line,
                            )
                        vals += v
                        labels_out.append((pos_i, v, text))
                    if not vals:
                        raise FileFormatError(
                            f"table {prefix} row {rord} axis {pos_i} allows no value",
                            path=path,
                            line=ax.line,
                        )
                    declared = _count_attr(ax, "values", path)
                    if declared is not None and declared != len(vals):
                        raise FileFormatError(
                            f"table {prefix} row {rord} axis {pos_i} says values={declared} "
                            f"but lists {len(vals)}",
                            path=path,
                            line=ax.line,
                        )
                    values.append(vals)
                if row_titles is None:
                    row_titles = this_titles
                n = len(values[0]) * len(values[1]) * len(values[2]) * len(values[3])
                declared = _count_attr(row, "codes", path)
                if declared is not None and declared != n:
                    raise FileFormatError(
                        f"table {prefix} row {rord} says codes={declared} but its values "
                        f"make {n} codes",
                        path=path,
                        line=row.line,
                    )
                for combo in itertools.product(*values):
                    code = prefix + "".join(combo)
                    if code in table_codes:
                        raise FileFormatError(
                            f"code {code} is allowed by two rows of table {prefix}; each code "
                            "belongs to one row",
                            path=path,
                            line=row.line,
                        )
                    table_codes.add(code)
                row_id += 1
                db.execute(
                    "INSERT INTO pcs_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (row_id, prefix, rord, n, *values),
                )
                db.executemany(
                    "INSERT INTO row_labels VALUES (?, ?, ?, ?)",
                    [(row_id, p, v, t) for p, v, t in labels_out],
                )
            assert row_titles is not None
            db.execute(
                "INSERT INTO pcs_tables VALUES (?, ?, ?, ?, ?, ?)",
                (
                    prefix,
                    ord_,
                    len(table_codes),
                    len(rows),
                    json.dumps(titles + row_titles),
                    table.line,
                ),
            )
            total += len(table_codes)
            nrows += len(rows)
            by_section[header[prefix[0]][3]] += len(table_codes)
        db.executemany(
            "INSERT INTO axis_values VALUES (?, ?, ?, ?, ?, ?)",
            [(k, *v) for k, v in sorted(header.items())],
        )
        db.executescript(TABLES_INDEXES)
        meta = {
            "kind": "icd10pcs",
            "version": str(fy),
            "title": root.findtext("title") or "",
            "release": release,
            "tables": len(tables),
            "rows": nrows,
            "codes": total,
            "codes_by_section": dict(by_section),
            "source_file": path.name,
        }
        _finish(db, meta)
        return BuildResult(
            release=release,
            effective_from=start,
            effective_to=end,
            rows=total,
            meta={
                "version": str(fy),
                "file": path.name,
                "tables": len(tables),
                "table_rows": nrows,
                "codes_by_section": dict(by_section),
            },
        )


# -- definitions -------------------------------------------------------------------------------

DEFINITIONS_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sections (section TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE terms (
    id INTEGER PRIMARY KEY,      -- printed order
    section TEXT NOT NULL,
    position INTEGER NOT NULL,   -- the axis (3 operation, 4 body part, 5 approach, 6 device …)
    axis TEXT NOT NULL,          -- its title in this section ("Operation", "Type Qualifier" …)
    titles TEXT NOT NULL,        -- JSON: the labels this entry defines
    definition TEXT,
    explanation TEXT,
    includes TEXT NOT NULL       -- JSON list
);
CREATE TABLE term_keys (         -- a label, case-folded, → its entry
    key TEXT NOT NULL, section TEXT NOT NULL, position INTEGER NOT NULL, term INTEGER NOT NULL
);
CREATE TABLE aggregates (        -- device aggregation: a specific device → its general value
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    operation TEXT NOT NULL,
    body_systems TEXT NOT NULL,  -- JSON list
    parent_value TEXT NOT NULL,
    parent TEXT NOT NULL
);
CREATE VIRTUAL TABLE fts USING fts5(
    titles, includes, definition, tokenize='porter unicode61 remove_diacritics 2'
);
"""
DEFINITIONS_INDEXES = """
CREATE INDEX term_keys_key ON term_keys(section, position, key);
CREATE INDEX term_keys_any ON term_keys(key);
"""


class DefinitionsBuilder:
    """``icd10pcs-definitions``: definitions of root operations, approaches, devices, body
    parts (what each includes), substances and the other sections' axis values."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = pick_source(sources, DEFINITIONS_ROOT, DEFINITIONS_WHAT)
        root = parse(path, DEFINITIONS_ROOT, DEFINITIONS_WHAT, "icd10pcs-definitions")
        fy, release, start, end = fiscal_release(root, path, DEFINITIONS_WHAT)
        sections = root.findall("section")
        if not sections:
            raise FileFormatError(
                f"no <section> under <{DEFINITIONS_ROOT}>; expected {DEFINITIONS_WHAT}",
                path=path,
                line=root.line,
            )
        db = _connect(out_dir)
        db.executescript(DEFINITIONS_SCHEMA)
        term_id = 0
        by_axis: Counter[str] = Counter()
        for sec in sections:
            code = sec.attrib.get("code", "")
            if len(code) != 1 or code not in PCS_ALPHABET:
                raise FileFormatError(
                    f"<section code={code!r}>: expected one ICD-10-PCS character",
                    path=path,
                    line=sec.line,
                )
            label = sec.findtext("title") or ""
            db.execute("INSERT OR REPLACE INTO sections VALUES (?, ?)", (code, label))
            for ax in sec.findall("axis"):
                pos = ax.attrib.get("pos", "")
                if not (pos.isdigit() and 1 <= int(pos) <= 7):
                    raise FileFormatError(
                        f"section {code} <axis pos={pos!r}>: expected a position 1-7",
                        path=path,
                        line=ax.line,
                    )
                axis = ax.findtext("title") or ""
                for t in ax.findall("terms"):
                    titles = [n.text for n in t.findall("title") if n.text]
                    if not titles:
                        raise FileFormatError(
                            f"section {code} axis {pos}: a <terms> entry has no <title>",
                            path=path,
                            line=t.line,
                        )
                    includes = [n.text for n in t.findall("includes") if n.text]
                    definition = t.findtext("definition") or None
                    explanation = t.findtext("explanation") or None
                    term_id += 1
                    db.execute(
                        "INSERT INTO terms VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            term_id,
                            code,
                            int(pos),
                            axis,
                            json.dumps(titles),
                            definition,
                            explanation,
                            json.dumps(includes),
                        ),
                    )
                    db.executemany(
                        "INSERT INTO term_keys VALUES (?, ?, ?, ?)",
                        [(ti.casefold(), code, int(pos), term_id) for ti in titles],
                    )
                    db.execute(
                        "INSERT INTO fts(rowid, titles, includes, definition) VALUES (?, ?, ?, ?)",
                        (
                            term_id,
                            " ; ".join(titles),
                            " ; ".join(includes),
                            " ".join(x for x in (definition, explanation) if x),
                        ),
                    )
                    by_axis[f"{code}/{pos} {axis}"] += 1
        if term_id == 0:
            raise FileFormatError(
                f"no <terms> entries in any section; expected {DEFINITIONS_WHAT}",
                path=path,
                line=root.line,
            )
        n_agg = 0
        agg_root = root.find("deviceAggregation")
        if agg_root is not None:
            for agg in agg_root.findall("aggregate"):
                parent = agg.find("parent")
                device = agg.findtext("device") or ""
                if parent is None or not device:
                    raise FileFormatError(
                        "<aggregate> needs a <device> and a <parent value=…>",
                        path=path,
                        line=agg.line,
                    )
                n_agg += 1
                db.execute(
                    "INSERT INTO aggregates VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        n_agg,
                        device,
                        agg.findtext("operation") or "",
                        json.dumps([b.text for b in agg.findall("bodySys")]),
                        parent.attrib.get("value", ""),
                        parent.text,
                    ),
                )
        db.executescript(DEFINITIONS_INDEXES)
        meta = {
            "kind": "icd10pcs-definitions",
            "version": str(fy),
            "title": root.findtext("title") or "",
            "release": release,
            "terms": term_id,
            "aggregates": n_agg,
            "source_file": path.name,
        }
        _finish(db, meta)
        return BuildResult(
            release=release,
            effective_from=start,
            effective_to=end,
            rows=term_id,
            meta={
                "version": str(fy),
                "file": path.name,
                "sections": len(sections),
                "device_aggregates": n_agg,
                "terms_by_axis": dict(by_axis),
            },
        )


# -- index -------------------------------------------------------------------------------------

INDEX_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE terms (
    id INTEGER PRIMARY KEY,      -- printed order, from 1
    parent INTEGER,              -- NULL for a main term
    main INTEGER NOT NULL,       -- the main term this entry sits under (itself for one)
    level INTEGER NOT NULL,      -- 0 main term, 1.. subterm level
    letter TEXT NOT NULL,
    title TEXT,                  -- NULL for a subterm that only holds a see/use reference
    path TEXT NOT NULL,          -- JSON list of titles, main term first
    code TEXT,                   -- the code, partial code or table the entry leads to
    code_kind TEXT,              -- 'code' (7 characters), 'partial' (4-6), 'table' (3)
    ref TEXT,                    -- 'see' | 'use'
    ref_text TEXT,
    nchild INTEGER NOT NULL
);
CREATE VIRTUAL TABLE fts USING fts5(
    main, sub, ref, tokenize='porter unicode61 remove_diacritics 2'
);
"""
INDEX_INDEXES = """
CREATE INDEX terms_parent ON terms(parent);
CREATE INDEX terms_code ON terms(code);
CREATE INDEX terms_main_title ON terms(level, title COLLATE NOCASE);
"""
_CODE_TAGS = {"code": (7, 7, "code"), "codes": (4, 6, "partial"), "tab": (3, 3, "table")}
_CODE_NAMES = {"code": "code", "partial": "partial code", "table": "table"}


class IndexBuilder:
    """``icd10pcs-index``: the Alphabetic Index (terms, subterms, the codes or partial codes
    and tables they lead to, see/use references), searchable with FTS5."""

    format_version: int = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = pick_source(sources, INDEX_ROOT, INDEX_WHAT)
        root = parse(path, INDEX_ROOT, INDEX_WHAT, "icd10pcs-index")
        fy, release, start, end = fiscal_release(root, path, INDEX_WHAT)
        letters = root.findall("letter")
        if not letters:
            raise FileFormatError(
                f"no <letter> under <{INDEX_ROOT}>; expected {INDEX_WHAT}",
                path=path,
                line=root.line,
            )
        db = _connect(out_dir)
        db.executescript(INDEX_SCHEMA)
        self._path = path
        self._db = db
        self._id = 0
        self._kinds: Counter[str] = Counter()
        mains = 0
        for letter in letters:
            lt = letter.findtext("title") or ""
            for mt in letter.findall("mainTerm"):
                if not mt.findtext("title"):
                    raise FileFormatError(
                        f"a <mainTerm> under letter {lt!r} has no <title>",
                        path=path,
                        line=mt.line,
                    )
                mains += 1
                self._entry(mt, None, 0, lt, [], None)
        if self._id == 0:
            raise FileFormatError(
                f"no <mainTerm> in any letter; expected {INDEX_WHAT}", path=path, line=root.line
            )
        db.executescript(INDEX_INDEXES)
        meta = {
            "kind": "icd10pcs-index",
            "version": str(fy),
            "title": root.findtext("title") or "",
            "release": release,
            "entries": self._id,
            "main_terms": mains,
            "source_file": path.name,
        }
        _finish(db, meta)
        return BuildResult(
            release=release,
            effective_from=start,
            effective_to=end,
            rows=self._id,
            meta={
                "version": str(fy),
                "file": path.name,
                "main_terms": mains,
                "entries": self._id,
                "leads_to": dict(self._kinds),
            },
        )

    def _code(self, node: Node) -> tuple[str, str]:
        lo, hi, kind = _CODE_TAGS[node.tag]
        code = node.text.upper()
        if not (lo <= len(code) <= hi) or any(ch not in PCS_ALPHABET for ch in code):
            size = f"{lo}" if lo == hi else f"{lo}-{hi}"
            raise FileFormatError(
                f"<{node.tag}>{code}</{node.tag}> is not an ICD-10-PCS {_CODE_NAMES[kind]} "
                f"({size} characters of 0-9, A-H, J-N, P-Z)",
                path=self._path,
                line=node.line,
            )
        return code, kind

    def _entry(
        self,
        node: Node,
        parent: int | None,
        level: int,
        letter: str,
        path: list[str],
        main: int | None,
    ) -> int:
        if level:
            declared = node.attrib.get("level")
            if declared != str(level):
                raise FileFormatError(
                    f"<term level={declared!r}> sits at depth {level} (under "
                    f'{" > ".join(path)!r}); expected level="{level}"',
                    path=self._path,
                    line=node.line,
                )
        self._id += 1
        me = self._id
        title = node.findtext("title") or None
        my_path = [*path, title] if title else list(path)
        code = code_kind = ref = ref_text = None
        for child in node.children:
            if child.tag in _CODE_TAGS:
                code, code_kind = self._code(child)
            elif child.tag in ("see", "use"):
                ref, ref_text = child.tag, child.text
                for sub in child.children:
                    if sub.tag in _CODE_TAGS:
                        code, code_kind = self._code(sub)
        kids = node.findall("term")
        if title is None and ref is None and code is None:
            raise FileFormatError(
                f"an index entry under {' > '.join(path)!r} has no title, code or reference",
                path=self._path,
                line=node.line,
            )
        if code_kind:
            self._kinds[code_kind] += 1
        if ref:
            self._kinds[ref] += 1
        main_id = main if main is not None else me
        self._db.execute(
            "INSERT INTO terms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                me,
                parent,
                main_id,
                level,
                letter,
                title,
                json.dumps(my_path),
                code,
                code_kind,
                ref,
                ref_text,
                len(kids),
            ),
        )
        self._db.execute(
            "INSERT INTO fts(rowid, main, sub, ref) VALUES (?, ?, ?, ?)",
            (me, my_path[0] if my_path else "", " ".join(my_path[1:]), ref_text or ""),
        )
        for k in kids:
            self._entry(k, me, level + 1, letter, my_path, main_id)
        return me
