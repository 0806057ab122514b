"""A small XML tree with line numbers, for error messages that point into the official files.

The three CMS files are a few MB each, so they are read whole into :class:`Node` objects by
the stdlib expat parser (the parser under ``ElementTree``), which, unlike ``ElementTree``,
tells each element its line. The root element is checked as soon as it is read, so a file of
another kind is refused before it is parsed through.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from medcoder.dates import fy_end, fy_start
from medcoder.errors import FileFormatError

# root element → (what the file is, the kind that imports it)
KNOWN_ROOTS = {
    "ICD10PCS.tabular": ("the ICD-10-PCS Tables file (icd10pcs_tables_YYYY.xml)", "icd10pcs"),
    "ICD10PCS.definitions": (
        "the ICD-10-PCS Definitions file (icd10pcs_definitions_YYYY.xml)",
        "icd10pcs-definitions",
    ),
    "ICD10PCS.index": ("the ICD-10-PCS Index file (icd10pcs_index_YYYY.xml)", "icd10pcs-index"),
    "ICD10CM.tabular": ("the ICD-10-CM Tabular List", "icd10cm-tabular"),
    "ICD10CM.index": ("an ICD-10-CM Index or table", "icd10cm-index"),
    "html": ("a web page (an HTML error page saved instead of the file?)", ""),
}


@dataclass
class Node:
    """An element: tag, attributes, direct text (children's text excluded), line, children."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Direct character data, whitespace collapsed (``<see>Resection, Uterus<codes>…``)."""
        return " ".join("".join(self.parts).split())

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag: str) -> str | None:
        c = self.find(tag)
        return c.text if c is not None else None

    def iter(self, tag: str) -> Iterator[Node]:
        if self.tag == tag:
            yield self
        for c in self.children:
            yield from c.iter(tag)


class _WrongRoot(Exception):
    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line


def parse(path: Path, root: str, what: str, kind: str) -> Node:
    """Read ``path`` whose root must be ``root`` (``what``: how to name the expected file).

    Raises FileFormatError (with the line) for a damaged or truncated file, an empty one,
    or a file whose root element is another kind's.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    stack: list[Node] = []
    top: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, dict(attrs), parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            if tag != root:
                raise _WrongRoot(tag, parser.CurrentLineNumber)
            top.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _WrongRoot as exc:
        raise FileFormatError(
            wrong_root_message(exc.tag, root, what, kind), path=path, line=exc.line
        ) from None
    except expat.ExpatError as exc:
        msg = expat.errors.messages.get(exc.code, str(exc))
        if not top:
            raise FileFormatError(
                f"not an XML file or empty ({msg}); expected {what} with root <{root}>",
                path=path,
                line=exc.lineno,
                column=exc.offset + 1,
            ) from None
        raise FileFormatError(
            f"the XML is damaged or truncated ({msg}); expected the whole of {what}",
            path=path,
            line=exc.lineno,
            column=exc.offset + 1,
        ) from None
    except OSError as exc:
        raise FileFormatError(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    if not top:
        raise FileFormatError(f"the file holds no XML element; expected {what}", path=path)
    return top[0]


def wrong_root_message(found: str, root: str, what: str, kind: str) -> str:
    known = KNOWN_ROOTS.get(found) or KNOWN_ROOTS.get(found.lower())
    if known is not None:
        desc, other_kind = known
        hint = (
            f"; import it with `medcoder data import {other_kind} FILE`"
            if other_kind and other_kind != kind
            else ""
        )
        return f"this is {desc}, root <{found}>, not {what} (root <{root}>){hint}"
    return f"wrong schema: root element <{found}>, expected <{root}> ({what})"


def peek_root(path: Path) -> str | None:
    """The root element's tag, read from the start of the file (None if unreadable)."""
    parser = expat.ParserCreate()
    found: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        found.append(tag)
        raise StopIteration

    parser.StartElementHandler = start
    try:
        with open(path, "rb") as fh:
            while not found and (chunk := fh.read(1 << 16)):
                parser.Parse(chunk, False)
    except (StopIteration, expat.ExpatError, OSError):
        pass
    return found[0] if found else None


def fiscal_release(root: Node, path: Path, what: str) -> tuple[int, str, _dt.date, _dt.date]:
    """(fiscal year, release label, effective from, effective to) from ``<version>``.

    FY2026 is in force 2025-10-01 to 2026-09-30; an April 1 update (title or file name
    saying "April") is ``FY2026-April``, in force 2026-04-01 to 2026-09-30.
    """
    node = root.find("version")
    if node is None:
        raise FileFormatError(
            f"no <version> element (the fiscal year, e.g. 2026) under <{root.tag}>; "
            f"expected {what}",
            path=path,
            line=root.line,
        )
    text = node.text
    if not (text.isdigit() and len(text) == 4 and 2014 <= int(text) <= 2100):
        raise FileFormatError(
            f"<version> is {text!r}; expected the fiscal year of an ICD-10-PCS release as "
            "4 digits (2014 or later, e.g. 2026)",
            path=path,
            line=node.line,
        )
    fy = int(text)
    # CMS's April 1 updates carry the same fiscal year; their title or file name says April
    if "april" in f"{root.findtext('title') or ''} {path.name}".lower():
        return fy, f"FY{fy}-April", _dt.date(fy, 4, 1), fy_end(fy)
    return fy, f"FY{fy}", fy_start(fy), fy_end(fy)


def pick_source(sources: list[Path], root: str, what: str) -> Path:
    """The one source (a file, or a zip's matching members) whose root is ``root``."""
    if len(sources) == 1:
        return sources[0]
    good = [p for p in sources if peek_root(p) == root]
    if len(good) == 1:
        return good[0]
    if not good:
        return sources[0]  # parsing it gives the precise complaint
    from medcoder.errors import DataImportError

    raise DataImportError(
        f"several files hold {what}: {', '.join(p.name for p in good)}; import one of them",
        where=good[0].parent,
    )
