"""What every reader shares: loading and decoding a document, limits, field values, joining notes.

Decoding (in this order, the first that applies wins):

1. a byte order mark: UTF-8 (EF BB BF), UTF-32 (FF FE 00 00 / 00 00 FE FF), UTF-16 (FF FE / FE FF);
2. a NUL byte anywhere: not a text file (UTF-16 without a byte order mark is refused too);
3. strict UTF-8;
4. Windows-1252, when every byte is defined in it (the five undefined bytes 81 8D 8F 90 9D refuse
   it); the encoding used is recorded in ``Encounter.metadata["encoding"]``;
5. otherwise an error naming the byte offset of the first byte that is not UTF-8.

A decoded text with control characters other than tab, line feed, carriage return, form feed,
vertical tab and the HL7 MLLP frame bytes (0B, 1C) is not a text file either.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcoder.encounter import SETTINGS, Section, Setting, Sex
from medcoder.errors import BadDateError, FileFormatError, InputError

MAX_NOTE_CHARS = 2 * 1024 * 1024
"""Longest note text accepted (2 MiB of characters); pass ``max_chars`` to change it."""
FILE_SIZE_FACTOR = 4
"""A document file may be this many times ``max_chars`` in bytes (base64, markup, escapes)."""
MAX_AGE = 125
MIN_YEAR = 1900

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1b\x1d-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1b\x1d-\x1f]")

# ---------------------------------------------------------------------------------------------
# loading and decoding


@dataclass(frozen=True)
class Source:
    name: str  # for messages: the file name, "<stdin>" or "<bytes>"
    data: bytes
    suffix: str  # lower-case extension with the dot, "" when none


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def load_source(source: Path | str | bytes, name: str | None, max_chars: int) -> Source:
    """Read the bytes of a document: a path, ``"-"`` for stdin, or the bytes themselves."""
    limit = max_chars * FILE_SIZE_FACTOR
    if isinstance(source, bytes | bytearray):
        label = name or "<bytes>"
        data = bytes(source)
    elif isinstance(source, str) and source == "-":
        label = name or "<stdin>"
        data = sys.stdin.buffer.read(limit + 1)
    elif isinstance(source, str | Path):
        path = Path(source)
        label = name or str(path)
        if not path.exists():
            if isinstance(source, str) and ("\n" in source or len(source) > 255):
                # text given where a path was expected: never echo it (it may be a note)
                raise InputError(
                    "no such file: a str is a path; give a note's text as bytes, or use "
                    "code_text",
                    where=name or "<str>",
                )
            raise InputError("no such file", where=label)
        if not path.is_file():
            raise InputError("not a file (a folder or a device); give one document file", where=label)
        size = path.stat().st_size
        if size > limit:
            raise FileFormatError(_too_big_file(size, limit, max_chars, exact=True), path=label)
        try:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
        except OSError as e:
            raise InputError(f"cannot read the file: {e.strerror or e}", where=label) from None
    else:
        raise InputError(
            f"cannot read a document from a {type(source).__name__}; "
            "give a path, '-' for stdin, or bytes"
        )
    if len(data) > limit:
        # stdin and a file that grew while read: only the first limit + 1 bytes were read
        exact = isinstance(source, bytes | bytearray)
        raise FileFormatError(_too_big_file(len(data), limit, max_chars, exact=exact), path=label)
    return Source(name=label, data=data, suffix=Path(name or label).suffix.lower())


def _too_big_file(size: int, limit: int, max_chars: int, *, exact: bool) -> str:
    more = "" if exact else "more than "
    return (
        f"the file is {more}{_mb(size)} ({size:,} bytes); a document file may be at most "
        f"{_mb(limit)} (the note text itself at most {_mb(max_chars)})"
    )


def decode_bytes(
    data: bytes, where: str, charset: str | None = None, place: str | None = None
) -> tuple[str, str]:
    """Decode a document's bytes; returns ``(text, encoding)``. See the module docstring.

    ``charset`` (from a MIME type) is used when it names something other than UTF-8/ASCII;
    ``place`` prefixes messages about bytes inside a document (an attachment, an OBX).
    """
    pre = f"{place}: " if place else ""

    def fail(msg: str) -> FileFormatError:
        return FileFormatError(pre + msg, path=where)

    if not data:
        raise fail("the document is empty (0 bytes)")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as e:
                raise fail(
                    f"starts with a {enc.upper()} byte order mark but is not {enc.upper()}: "
                    f"bad bytes at byte offset {e.start}"
                ) from None
            return _text_only(text, fail), "utf-8" if enc == "utf-8-sig" else enc
    wanted = _charset(charset)
    if wanted and wanted not in ("utf-8", "utf8", "us-ascii", "ascii"):
        try:
            text = data.decode(wanted)
        except LookupError:
            raise fail(f"unknown charset {charset!r}") from None
        except UnicodeDecodeError as e:
            raise fail(
                f"not valid {wanted}: bad byte 0x{data[e.start]:02X} at byte offset {e.start}"
            ) from None
        return _text_only(text, fail), wanted
    nul = data.find(b"\x00")
    if nul >= 0:
        raise fail(
            f"not a text file: a NUL byte at byte offset {nul} (binary data, or UTF-16 without "
            "a byte order mark; save the note as UTF-8)"
        )
    bad_b = _CONTROL_BYTES.search(data)
    if bad_b:
        raise fail(
            f"not a text file: control byte 0x{bad_b.group()[0]:02X} at byte offset "
            f"{bad_b.start()}"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    raise fail(
        f"unknown text encoding: byte 0x{data[first_bad]:02X} at byte offset {first_bad} is not "
        "UTF-8, and the file is not Windows-1252 either; save the note as UTF-8"
    )


def _text_only(text: str, fail: Callable[[str], FileFormatError]) -> str:
    bad = _CONTROL_CHARS.search(text)
    if bad:
        raise fail(
            f"not a text file: control character U+{ord(bad.group()):04X} at character "
            f"offset {bad.start()}"
        )
    return text


def _charset(charset: str | None) -> str | None:
    if not charset:
        return None
    c = charset.strip().strip('"').lower()
    return {"latin1": "latin-1", "iso-8859-1": "latin-1", "windows-1252": "cp1252"}.get(c, c)


# ---------------------------------------------------------------------------------------------
# values


@dataclass(frozen=True)
class Overrides:
    """Values given by the caller; each one replaces what the document says (None: not given)."""

    setting: Setting | None = None
    age: int | None = None
    sex: Sex | None = None
    date_of_service: _dt.date | None = None


_SETTING_ALIASES: dict[str, Setting] = {
    "outpatient": "outpatient",
    "office": "outpatient",
    "clinic": "outpatient",
    "ambulatory": "outpatient",
    "op": "outpatient",
    "emergency": "emergency",
    "ed": "emergency",
    "er": "emergency",
    "inpatient": "inpatient",
    "ip": "inpatient",
    "ambulance": "ambulance",
    "ems": "ambulance",
}
_SEX_ALIASES: dict[str, Sex] = {
    "m": "M",
    "male": "M",
    "f": "F",
    "female": "F",
    "u": "U",
    "unknown": "U",
    "o": "U",
    "other": "U",
    "x": "U",
    "": "U",
}


def setting_value(value: Any, place: str, where: str) -> Setting:
    """A setting name (or alias: office, clinic, ED, ER, IP, EMS…) -> the canonical setting."""
    if isinstance(value, str) and value.strip().lower() in _SETTING_ALIASES:
        return _SETTING_ALIASES[value.strip().lower()]
    raise InputError(
        f"{place}: unknown setting {_show(value)}; expected one of: {', '.join(SETTINGS)}",
        where=where,
    )


def sex_value(value: Any, place: str, where: str) -> Sex:
    """M/F/U, also male/female/other/unknown (any case); other and unknown become U."""
    if isinstance(value, str) and value.strip().lower() in _SEX_ALIASES:
        return _SEX_ALIASES[value.strip().lower()]
    raise InputError(
        f"{place}: sex {_show(value)} is not one of M, F, U (male, female, other and unknown "
        "are accepted too)",
        where=where,
    )


def age_value(value: Any, place: str, where: str) -> int:
    """A whole number of years, 0 to 125 (a digit string is accepted)."""
    age: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        age = value
    elif isinstance(value, float) and value.is_integer():
        age = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        age = int(value.strip())
    if age is None:
        raise InputError(f"{place}: age {_show(value)} is not a whole number of years", where=where)
    if age < 0 or age > MAX_AGE:
        raise InputError(
            f"{place}: age {age} is not possible; expected 0 to {MAX_AGE} years", where=where
        )
    return age


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
_BASIC_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:$|\d|[+\-.])")


def date_value(value: Any, place: str, where: str, *, partial: bool = False) -> _dt.date:
    """A date from ``YYYY-MM-DD``, an ISO date-time (its date as written), ``YYYYMMDD[HHMM…]``,
    or a date object. ``partial`` also accepts ``YYYY`` and ``YYYY-MM``/``YYYYMM`` (first day).
    Years before 1900 are refused; future dates are accepted."""
    if isinstance(value, _dt.datetime):
        d = value.date()
    elif isinstance(value, _dt.date):
        d = value
    elif isinstance(value, str):
        d = _parse_date_text(value.strip(), place, where, partial)
    else:
        raise BadDateError(f"{place}: {_show(value)} is not a date; expected YYYY-MM-DD", where=where)
    if d.year < MIN_YEAR:
        raise BadDateError(
            f"{place}: {d.isoformat()} is before {MIN_YEAR}; that cannot be right", where=where
        )
    return d


def _parse_date_text(s: str, place: str, where: str, partial: bool) -> _dt.date:
    m = _ISO_DATE.match(s) or _BASIC_DATE.match(s)
    parts: tuple[int, int, int] | None = None
    if m:
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif partial:
        pm = re.fullmatch(r"(\d{4})(?:-?(\d{2}))?", s)
        if pm:
            parts = (int(pm.group(1)), int(pm.group(2) or 1), 1)
    if parts is None:
        raise BadDateError(
            f"{place}: {s!r} is not a date; expected YYYY-MM-DD (e.g. 2026-03-15)", where=where
        )
    try:
        return _dt.date(*parts)
    except ValueError as e:
        raise BadDateError(f"{place}: {s!r} is not a possible date ({e})", where=where) from None


def age_at(birth: _dt.date, on: _dt.date, place: str, where: str) -> int:
    """Whole years from ``birth`` to ``on``; a birth date after ``on`` is an error."""
    if birth > on:
        raise BadDateError(
            f"{place}: birth date {birth.isoformat()} is after the date of service "
            f"{on.isoformat()}",
            where=where,
        )
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return age_value(years, place, where)


def _show(value: Any) -> str:
    s = repr(value)
    return s if len(s) <= 40 else s[:37] + "..."


# ---------------------------------------------------------------------------------------------
# reading context, JSON, joining notes


@dataclass
class ReadContext:
    """What a format reader gets besides the text: the name for messages, overrides, limits."""

    name: str
    overrides: Overrides = field(default_factory=Overrides)
    max_chars: int = MAX_NOTE_CHARS
    _json: Any = None

    def check_note(self, text: str, place: str = "note text") -> None:
        """Refuse a note over the size limit or with nothing in it."""
        if len(text) > self.max_chars:
            raise FileFormatError(
                f"{place} is {_mb(len(text))} ({len(text):,} characters); the limit is "
                f"{_mb(self.max_chars)} ({self.max_chars:,} characters). Split the document "
                "or pass a larger max_chars",
                path=self.name,
            )
        if not text.strip():
            raise FileFormatError(f"{place} is empty (only white space)", path=self.name)

    def json(self, text: str) -> Any:
        """The document parsed as JSON (once); a syntax error names its line and column."""
        if self._json is None:
            try:
                self._json = json.loads(text)
            except json.JSONDecodeError as e:
                raise FileFormatError(
                    f"malformed JSON: {e.msg}", path=self.name, line=e.lineno, column=e.colno
                ) from None
            except RecursionError:
                raise FileFormatError("malformed JSON: nested too deeply", path=self.name) from None
        return self._json


def locate_json(text: str, path: Sequence[str | int]) -> tuple[int | None, int | None]:
    """Line and column of the last key of ``path`` in a JSON text (a best effort: keys are found
    in order, list indexes are skipped). ``(None, None)`` when a key is not found."""
    pos = 0
    found = -1
    for key in path:
        if isinstance(key, int):
            continue
        m = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, pos)
        if not m:
            return None, None
        found = pos = m.start()
    if found < 0:
        return None, None
    line = text.count("\n", 0, found) + 1
    col = found - (text.rfind("\n", 0, found) + 1) + 1
    return line, col


def json_where(name: str, text: str, path: Sequence[str | int]) -> str:
    line, col = locate_json(text, path)
    return f"{name}:{line}:{col}" if line is not None else name


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k)
    return out


@dataclass
class Part:
    """One piece of a joined document: a note (sections found in it) or a titled section."""

    text: str
    title: str | None = None  # a structured section's title, written as a heading line
    name: str | None = None  # a structured section's canonical name (None: find headings)
    label: str | None = None  # where it came from, for metadata ("DocumentReference/doc1")


def join_parts(parts: list[Part]) -> tuple[str, list[Section], list[dict[str, Any]]]:
    """Join parts into one text with ``\\n\\n`` between them.

    A structured part (``name`` set) is written as ``Title:\\n`` + its text verbatim and becomes
    one section spanning its (white-space trimmed) text; a note part keeps its text verbatim and
    its sections are found by heading. Returns the text, the sections, and each part's span.
    """
    from medcoder.text.sections import find_sections

    chunks: list[str] = []
    sections: list[Section] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    for i, part in enumerate(parts):
        if i:
            chunks.append("\n\n")
            pos += 2
        if part.name is not None:
            head = f"{part.title}:\n" if part.title else ""
            chunks.append(head)
            pos += len(head)
            start, end = pos, pos + len(part.text)
            while start < end and part.text[start - pos].isspace():
                start += 1
            while end > start and part.text[end - 1 - pos].isspace():
                end -= 1
            sections.append(Section(part.name, part.title or "", start, end))
        else:
            sections.extend(
                Section(s.name, s.title, s.start + pos, s.end + pos)
                for s in find_sections(part.text)
            )
        spans.append({"source": part.label, "start": pos, "end": pos + len(part.text)})
        chunks.append(part.text)
        pos += len(part.text)
    return "".join(chunks), sections, spans
