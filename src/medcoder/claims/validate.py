"""Validate an X12 file (837P, 837I, 835 ...) against its implementation guide with pyx12.

    v = validate_x12("claim.837")
    v.ok, v.errors, v.ack_999       # errors: "line 24, element 7: ... (PWK02) (AD)"

pyx12 checks the envelope, segment order and counts, loops, element formats and code values
against the guide named in GS08, and writes the 999 implementation acknowledgment the receiver
would return. medcoder keeps pyx12's messages (line and element) and the 999.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from medcoder.errors import InputError


@dataclass
class X12Validation:
    path: str
    ok: bool
    errors: list[str] = field(default_factory=list)
    ack_999: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"file": self.path, "valid": self.ok, "errors": list(self.errors), "ack_999": self.ack_999}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def validate_x12(path: str | Path) -> X12Validation:
    """Validate one X12 file; an unreadable file is an InputError, an invalid one is not."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the X12 file ({exc.strerror})", where=p) from None
    if not raw.strip():
        return X12Validation(str(p), False, ["the file is empty: expected an ISA segment"])
    if not raw.lstrip().startswith(b"ISA"):
        return X12Validation(str(p), False, ["the file does not start with an ISA segment: not an X12 interchange"])
    try:
        raw.decode("ascii")
    except UnicodeDecodeError as exc:
        return X12Validation(str(p), False, [f"byte {exc.start}: non-ASCII character; X12 5010 uses the basic/extended character set"])
    ack = io.StringIO()
    ok, messages = run_pyx12(str(p), ack)
    errors = [_plain(m) for m in messages]
    return X12Validation(str(p), ok and not errors, errors, ack.getvalue())


def run_pyx12(source: str | io.StringIO, ack: io.StringIO | None) -> tuple[bool, list[str]]:
    """Run pyx12 on a file name or a text buffer (``ack``: where its 999 goes, None for none);
    (valid, pyx12's messages). pyx12's logging is captured here and kept out of the user's logs
    (its messages quote segment contents); its exceptions on a broken envelope become messages."""
    import pyx12.errors
    import pyx12.params
    import pyx12.x12n_document

    handler = _Collect()
    logger = logging.getLogger("pyx12")
    old_propagate, old_level = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    try:
        ok = bool(pyx12.x12n_document.x12n_document(pyx12.params.params(), source, ack, None))
    except (pyx12.errors.X12Error, pyx12.errors.EngineError, pyx12.errors.GSError, ValueError, IndexError) as exc:
        # a broken envelope (bad delimiters, short ISA) stops pyx12 with an exception
        handler.messages.append(f"{type(exc).__name__}: {exc}")
        ok = False
    except (AttributeError, KeyError, TypeError):
        # pyx12 fails on its own state when the envelope is out of order (ST before GS …)
        handler.messages.append("pyx12 could not follow the envelope: segments out of order (expected ISA, GS, "
                                "ST … SE, GE, IEA)")
        ok = False
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = old_propagate, old_level
    return ok, handler.messages


def _plain(message: str) -> str:
    """pyx12's "Line:24 ELE:7 - ..." as "line 24, element 7: ..."."""
    if message.startswith("Line:") and " - " in message:
        head, _, rest = message.partition(" - ")
        parts = dict(p.split(":", 1) for p in head.split() if ":" in p)
        where = f"line {parts.get('Line', '?')}" + (f", element {parts['ELE']}" if "ELE" in parts else "")
        return f"{where}: {rest}"
    return message
