"""Build the ICD-10-CM tabular table from the official CDC XML (``ICD10CM.tabular``).

Reads chapters, sections (blocks) and nested ``diag`` elements with every instructional note
(inclusionTerm, includes, excludes1, excludes2, codeFirst, useAdditionalCode, codeAlso, notes,
sevenChrNote, sevenChrDef), then expands 7th characters (with placeholder X) onto every leaf
code under a 7th-character definition, so the table lists each billable code exactly.
"""

from __future__ import annotations

import datetime as _dt
import re
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from medcoder.codesets.store import BuildResult
from medcoder.dates import fy_end, fy_start
from medcoder.errors import FileFormatError

NOTE_TAGS = (
    "inclusionTerm",
    "includes",
    "excludes1",
    "excludes2",
    "codeFirst",
    "useAdditionalCode",
    "codeAlso",
    "notes",
    "sevenChrNote",
)

SCHEMA = """
CREATE TABLE nodes (
    code TEXT PRIMARY KEY,      -- '1'..'22' for chapters, 'A00-A09' for blocks, codes with dot
    kind TEXT NOT NULL,         -- chapter | block | category | subcategory | code
    title TEXT NOT NULL,
    parent TEXT,
    depth INTEGER NOT NULL,
    chapter TEXT,
    block TEXT,
    billable INTEGER NOT NULL,  -- 1 when the code is reportable as it is
    seventh_from TEXT,          -- node whose sevenChrDef applies (needs a 7th character)
    ord INTEGER NOT NULL
);
CREATE TABLE notes (node TEXT NOT NULL, type TEXT NOT NULL, ord INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX notes_node ON notes(node);
CREATE TABLE seventh (node TEXT NOT NULL, char TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX seventh_node ON seventh(node);
CREATE TABLE expanded (code TEXT PRIMARY KEY, base TEXT NOT NULL, char TEXT NOT NULL);
CREATE INDEX expanded_base ON expanded(base);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE search USING fts5(code UNINDEXED, field UNINDEXED, text, tokenize='porter unicode61');
"""


@dataclass
class _Node:
    code: str
    kind: str
    title: str
    parent: str | None
    depth: int
    chapter: str | None
    block: str | None
    notes: list[tuple[str, str]] = field(default_factory=list)
    seventh: list[tuple[str, str]] = field(default_factory=list)
    has_children: bool = False
    seventh_from: str | None = None


def _text(el: ET.Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _notes(el: ET.Element) -> list[tuple[str, str]]:
    out = []
    for tag in NOTE_TAGS:
        for block in el.findall(tag):
            for note in block.findall("note"):
                t = _text(note)
                if t:
                    out.append((tag, t))
    return out


def _seventh(el: ET.Element) -> list[tuple[str, str]]:
    d = el.find("sevenChrDef")
    if d is None:
        return []
    out: list[tuple[str, str]] = []
    for child in d:
        if child.tag == "extension":
            out.append((child.get("char", "").strip().upper(), _text(child)))
        elif child.tag == "note" and out:
            # a note inside sevenChrDef qualifies the extension before it ("open fracture NOS")
            char, text = out[-1]
            out[-1] = (char, f"{text}; {_text(child)}")
    return out


_NOT_APPLY = re.compile(
    r"7th characters? ((?:[A-Z](?:,\s*|\s+and\s+|\s+or\s+)?)+) do(?:es)? not apply to codes in "
    r"category ([A-Z0-9]{3}) with 6th character ([0-9A-Z])(?:.*?,?\s+or\s+([0-9A-Z])\s+-)?",
    re.I,
)


def _seventh_exceptions(nodes: list[_Node]) -> dict[str, list[tuple[str, set[str]]]]:
    """Notes like S06's "7th characters D and S do not apply to codes ... with 6th character 7 or 8".

    Returns category → [(6th character, 7th characters that do not apply)].
    """
    out: dict[str, list[tuple[str, set[str]]]] = {}
    for n in nodes:
        for _t, text in n.notes:
            m = _NOT_APPLY.search(text)
            if not m:
                continue
            chars = set(re.findall(r"\b([A-Z])\b", m.group(1)))
            for sixth in filter(None, (m.group(3), m.group(4))):
                out.setdefault(m.group(2).upper(), []).append((sixth.upper(), chars))
    return out


def _release(root: ET.Element, source: Path) -> tuple[str, _dt.date, _dt.date]:
    version = _text(root.find("version"))
    m = re.search(r"(20\d\d)", version) or re.search(r"(20\d\d)", source.name)
    if not m:
        raise FileFormatError(
            "cannot tell the release: no <version> year in the tabular XML nor a year in the file name",
            path=source,
        )
    fy = int(m.group(1))
    if re.search(r"april", source.name, re.I):
        return f"FY{fy}-April", _dt.date(fy, 4, 1), fy_end(fy)
    return f"FY{fy}", fy_start(fy), fy_end(fy)


def _parse(source: Path) -> ET.Element:
    try:
        return ET.parse(source).getroot()
    except ET.ParseError as exc:
        line, col = exc.position
        why = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise FileFormatError(
            f"not well-formed XML ({why}); expected the official "
            f"ICD-10-CM tabular XML",
            path=source,
            line=line,
            column=col,
        ) from exc


class TabularBuilder:
    format_version = 1

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        if len(sources) != 1:
            raise FileFormatError(
                f"expected one tabular XML, found {len(sources)}: {', '.join(p.name for p in sources)}",
                path=sources[0].parent if sources else out_dir,
            )
        source = sources[0]
        root = _parse(source)
        if root.tag != "ICD10CM.tabular":
            raise FileFormatError(
                f"root element is <{root.tag}>, expected <ICD10CM.tabular> (the ICD-10-CM Tabular List XML)",
                path=source,
                line=1,
            )
        release, eff_from, eff_to = _release(root, source)
        nodes: list[_Node] = []
        for chapter in root.iter("chapter"):
            ch = _text(chapter.find("name"))
            if not ch:
                raise FileFormatError("a <chapter> has no <name>", path=source)
            nodes.append(
                _Node(ch, "chapter", _text(chapter.find("desc")), None, 0, ch, None, _notes(chapter),
                      has_children=True)
            )
            for section in chapter.findall("section"):
                sid = (section.get("id") or "").strip().upper()
                if not sid:
                    raise FileFormatError(f"a <section> in chapter {ch} has no id", path=source)
                if "-" not in sid:  # a one-category block (QA0) would clash with its category
                    sid = f"{sid}-{sid}"
                nodes.append(
                    _Node(sid, "block", _text(section.find("desc")), ch, 1, ch, sid, _notes(section),
                          has_children=True)
                )
                for diag in section.findall("diag"):
                    self._walk(diag, sid, 2, ch, sid, None, nodes, source)
        codes = [n for n in nodes if n.kind not in ("chapter", "block")]
        if not codes:
            raise FileFormatError("no <diag> codes found; expected the ICD-10-CM tabular list", path=source)

        expanded: list[tuple[str, str, str]] = []
        by_code = {n.code: n for n in nodes}
        exceptions = _seventh_exceptions(nodes)
        for n in codes:
            if n.has_children or n.seventh_from is None:
                continue
            chars = by_code[n.seventh_from].seventh
            flat = n.code.replace(".", "")
            padded = flat.ljust(6, "X")
            barred = {c for sixth, cs in exceptions.get(flat[:3], ()) if padded[5] == sixth for c in cs}
            for char, _t in chars:
                if char in barred:
                    continue
                full = padded + char
                expanded.append((f"{full[:3]}.{full[3:]}", n.code, char))

        db = sqlite3.connect(out_dir / "table.sqlite")
        try:
            db.executescript(SCHEMA)
            db.executemany(
                "INSERT INTO nodes VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        n.code, n.kind, n.title, n.parent, n.depth, n.chapter, n.block,
                        int(n.kind not in ("chapter", "block") and not n.has_children and n.seventh_from is None),
                        n.seventh_from, i,
                    )
                    for i, n in enumerate(nodes)
                ],
            )
            db.executemany(
                "INSERT INTO notes VALUES (?,?,?,?)",
                [(n.code, t, j, text) for n in nodes for j, (t, text) in enumerate(n.notes)],
            )
            db.executemany(
                "INSERT INTO seventh VALUES (?,?,?)",
                [(n.code, c, t) for n in nodes for c, t in n.seventh],
            )
            db.executemany("INSERT INTO expanded VALUES (?,?,?)", expanded)
            db.executemany(
                "INSERT INTO search VALUES (?,?,?)",
                [(n.code, "title", n.title) for n in codes]
                + [(n.code, t, text) for n in codes for t, text in n.notes if t in ("inclusionTerm", "includes")],
            )
            db.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [("release", release), ("version", _text(root.find("version"))), ("source", source.name)],
            )
            db.commit()
        finally:
            db.close()
        billable = sum(1 for n in codes if not n.has_children and n.seventh_from is None) + len(expanded)
        (out_dir / "billable.txt").write_text("\n".join(
            sorted([n.code for n in codes if not n.has_children and n.seventh_from is None] + [e[0] for e in expanded])
        ) + "\n", encoding="ascii")
        return BuildResult(
            release=release,
            effective_from=eff_from,
            effective_to=eff_to,
            rows=billable,
            meta={
                "billable_codes": billable,
                "tabular_entries": len(codes),
                "chapters": sum(1 for n in nodes if n.kind == "chapter"),
                "blocks": sum(1 for n in nodes if n.kind == "block"),
                "seventh_character_codes": len(expanded),
                "xml_version": _text(root.find("version")),
            },
        )

    def _walk(
        self,
        el: ET.Element,
        parent: str,
        depth: int,
        chapter: str,
        block: str,
        seventh_from: str | None,
        out: list[_Node],
        source: Path,
    ) -> None:
        code = _text(el.find("name")).upper()
        if not re.fullmatch(r"[A-Z][0-9A-Z][0-9A-Z](\.[0-9A-Z]{1,4})?", code):
            raise FileFormatError(f"<diag> name {code!r} is not an ICD-10-CM code", path=source)
        seventh = _seventh(el)
        here_seventh = code if seventh else seventh_from
        children = el.findall("diag")
        kind = "category" if len(code) == 3 else ("subcategory" if children else "code")
        out.append(
            _Node(code, kind, _text(el.find("desc")), parent, depth, chapter, block, _notes(el), seventh,
                  has_children=bool(children), seventh_from=here_seventh)
        )
        for child in children:
            self._walk(child, code, depth + 1, chapter, block, here_seventh, out, source)
