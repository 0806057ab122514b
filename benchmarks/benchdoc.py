"""What every benchmark script shares: the machine it ran on, and writing its section of
docs/benchmarks.md (between ``<!-- name:start -->`` and ``<!-- name:end -->``; other sections
are left as they are)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    """CPU model, cores, Python and OS, as the results table states them."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def put_section(start: str, end: str, section: str, path: Path = DOC) -> None:
    """Replace the text from ``start`` to ``end`` in ``path`` with ``section`` (which carries both
    markers), or append it when the markers are not there yet."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
