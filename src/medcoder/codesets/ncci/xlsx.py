"""Rows of the first worksheet of an ``.xlsx`` workbook, with the standard library only.

CMS ships the NCCI PTP parts and the MUE tables as text/CSV and as Excel workbooks; this
reads the workbook when it is the only copy a user has. Cells come back as text: shared and
inline strings as written, numbers as Excel stores them (``80053``, ``20260701``); the
caller interprets them. Rows are streamed, so a 500,000-row part does not sit in memory.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

from medcoder.errors import FileFormatError

from .layout import shown

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column(ref: str) -> int:
    """``C7`` → 2 (0-based column index)."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def _text(el: ET.Element) -> str:
    """The text of a shared or inline string: every ``<t>`` outside phonetic runs."""
    out: list[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            out.append(child.text or "")
        elif name == "r":
            out.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(out)


def _shared_strings(zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    if "xl/sharedStrings.xml" not in names:
        return []
    with zf.open("xl/sharedStrings.xml") as fh:
        return [_text(el) for el in ET.parse(fh).getroot() if _local(el.tag) == "si"]


def _first_sheet(zf: zipfile.ZipFile, names: set[str]) -> str:
    try:
        with zf.open("xl/workbook.xml") as fh:
            wb = ET.parse(fh).getroot()
        sheet = next(el for el in wb.iter() if _local(el.tag) == "sheet")
        rid = sheet.get(f"{{{_REL_NS}}}id") or next(
            (v for k, v in sheet.attrib.items() if _local(k) == "id"), None
        )
        with zf.open("xl/_rels/workbook.xml.rels") as fh:
            rels = ET.parse(fh).getroot()
        target = next(el.get("Target") for el in rels if el.get("Id") == rid)
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            path = posixpath.normpath(path)
            if path in names:
                return path
    except (KeyError, StopIteration, ET.ParseError):
        pass
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not sheets:
        raise KeyError("no worksheet")
    return "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in sheets else sheets[0]


def _rows(fh: IO[bytes], shared: list[str]) -> Iterator[tuple[int, list[str]]]:
    n = 0
    for _event, el in ET.iterparse(fh, events=("end",)):
        if _local(el.tag) != "row":
            continue
        n = int(el.get("r") or n + 1)
        cells: dict[int, str] = {}
        for c in el:
            if _local(c.tag) != "c":
                continue
            ref = c.get("r")
            col = _column(ref) if ref else len(cells)
            kind = c.get("t")
            if kind == "inlineStr":
                is_ = next((x for x in c if _local(x.tag) == "is"), None)
                cells[col] = _text(is_) if is_ is not None else ""
                continue
            v = next((x for x in c if _local(x.tag) == "v"), None)
            raw = (v.text or "") if v is not None else ""
            if kind == "s" and raw:
                cells[col] = shared[int(raw)]
            else:
                cells[col] = raw
        el.clear()
        yield n, [cells.get(i, "") for i in range(max(cells) + 1)] if cells else []


def read_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` for every row of the workbook's first worksheet."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(f"not a readable Excel workbook (.xlsx): {exc}", path=shown(path)) from exc
    with zf:
        names = set(zf.namelist())
        try:
            shared = _shared_strings(zf, names)
            sheet = _first_sheet(zf, names)
        except KeyError as exc:
            raise FileFormatError("Excel workbook without a worksheet", path=shown(path)) from exc
        except ET.ParseError as exc:
            raise FileFormatError(f"damaged Excel workbook: {exc}", path=shown(path)) from exc
        try:
            with zf.open(sheet) as fh:
                yield from _rows(fh, shared)
        except (ET.ParseError, IndexError, ValueError, zipfile.BadZipFile) as exc:
            raise FileFormatError(f"damaged Excel worksheet ({sheet}): {exc}", path=shown(path)) from exc
