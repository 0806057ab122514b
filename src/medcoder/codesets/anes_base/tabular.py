"""Rows of a small official table given as CSV, tab-delimited text or an Excel workbook.

Shared by the anesthesia base units and MS-DRG weights builders: CMS posts both as text and
as ``.xlsx``. Cells come back stripped; the caller finds its header row and columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from medcoder.errors import FileFormatError

YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def shown(path: Path) -> str | Path:
    """A member unpacked from a zip into the staging folder is named by its own name."""
    if any(p.startswith((".staging-", "medcoder-unzip-")) for p in path.parts[:-1]):
        return f"{path.name} (in the zip)"
    return path


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_rows(path: Path, what: str) -> list[tuple[int, list[str]]]:
    """``(line number, cells)`` for every non-empty row of ``path``."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from medcoder.codesets.ncci.xlsx import read_rows as xlsx_rows

        return [(n, [c.strip() for c in row]) for n, row in xlsx_rows(path) if any(c.strip() for c in row)]
    raw = path.read_bytes()
    if raw[:2] == b"PK":
        raise FileFormatError(f"a zip or workbook named {path.name}; expected {what} as CSV, text or .xlsx",
                              path=shown(path))
    if raw.lstrip()[:1] == b"<":
        raise FileFormatError(f"this is a web page, not {what}", path=shown(path))
    text = _decode(raw)
    head = "\n".join([ln for ln in text.splitlines() if ln.strip()][:5])
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if any(cells):
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise FileFormatError(f"damaged CSV ({exc})", path=shown(path), line=reader.line_num + 1) from exc
    return out


def year_in(texts: Iterable[str]) -> int | None:
    """The first 20xx year printed in any of ``texts`` (file name, title lines, headers)."""
    for t in texts:
        m = YEAR_RE.search(t)
        if m:
            return int(m.group(1))
    return None


def header_key(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper())
