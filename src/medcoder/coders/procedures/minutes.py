"""Documented time: "23 minutes", "45 min", "1 hour 10 minutes", "from 23:40 to 00:25".

A timed service is only coded from time the note states; nothing is guessed. A stated time that
cannot be right (0 minutes, more than a day, a span that runs backwards on the same day when no
crossing of midnight is possible) is reported, not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_MINUTES = 24 * 60
# a span whose end is before its start is read as crossing midnight only when that gives a
# plausible session (up to 12 hours); otherwise it runs backwards and is reported
MAX_OVERNIGHT = 12 * 60

_NUM = r"(\d{1,4})"
_DURATION = re.compile(
    rf"(?:(?P<h>\d{{1,2}})\s*(?:hours?|hrs?|h)\b\s*(?:and\s*)?)?(?:{_NUM}\s*(?:minutes?|mins?|min)\b\.?)"
    rf"|(?P<hh>\d{{1,2}})\s*(?:hours?|hrs?)\b",
    re.I,
)
_CLOCK = r"([01]?\d|2[0-3])[:h.]?([0-5]\d)"
_SPAN = re.compile(
    rf"(?:from|start(?:ed)?(?:\s+time)?:?|begin(?:ning)?:?)?\s*{_CLOCK}\s*(?:-|–|to|until|through|end(?:ed)?(?:\s+time)?:?)\s*{_CLOCK}",
    re.I,
)


@dataclass(frozen=True)
class Minutes:
    minutes: int
    start: int  # character offsets of the words that state it
    end: int
    how: str  # "stated" | "clock span" | "clock span across midnight"


def durations(text: str, start: int = 0, end: int | None = None) -> list[Minutes]:
    """Every stated duration and clock span in ``text[start:end]``, in text order."""
    end = len(text) if end is None else end
    out: list[Minutes] = []
    taken: list[tuple[int, int]] = []
    for m in _SPAN.finditer(text, start, end):
        a = int(m.group(1)) * 60 + int(m.group(2))
        b = int(m.group(3)) * 60 + int(m.group(4))
        how = "clock span"
        if b <= a and b + MAX_MINUTES - a <= MAX_OVERNIGHT:
            b += MAX_MINUTES  # 23:40 to 00:25: the span crosses midnight
            how = "clock span across midnight"
        elif b <= a:
            how = "clock span that runs backwards"  # 10:50 to 10:05: not a time, a typo
        out.append(Minutes(b - a, m.start(), m.end(), how))
        taken.append((m.start(), m.end()))
    for m in _DURATION.finditer(text, start, end):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if m.group("hh"):
            total = int(m.group("hh")) * 60
        else:
            total = int(m.group(2)) + 60 * int(m.group("h") or 0)
        out.append(Minutes(total, m.start(), m.end(), "stated"))
    return sorted(out, key=lambda x: x.start)


def plausible(m: Minutes) -> bool:
    return 0 < m.minutes <= MAX_MINUTES
