"""``lookup(text)``: what a coder finds for the words they type, from the Index and the Tabular.

Index paths come first when an Alphabetic Index is loaded (that is where a coder starts),
then Tabular title / inclusion-term matches. Each result names where it came from and its path.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from medcoder.codesets.kb import KnowledgeBase, default_kb
from medcoder.dates import parse_date
from medcoder.errors import DataError, InputError

INDEX_KINDS = ("icd10cm-index", "icd10cm-eindex", "icd10cm-drug", "icd10cm-neoplasm")


def lookup(
    text: str,
    date_of_service: _dt.date | str | None = None,
    *,
    limit: int = 15,
    kb: KnowledgeBase | None = None,
) -> dict[str, Any]:
    if not text or not text.strip():
        raise InputError("lookup needs some words, e.g. \"fracture distal radius left\"")
    kb = kb or default_kb()
    dos = parse_date(date_of_service)
    notices: list[str] = []
    index_hits: list[dict[str, Any]] = []
    walks: list[dict[str, Any]] = []
    for kind in INDEX_KINDS:
        if not kb.store.tables(kind):
            continue
        try:
            opened = kb.open(kind, dos)
        except DataError:
            continue
        if opened.notice:
            notices.append(opened.notice)
        if "," in text:
            # "Diabetes, type 2, with, chronic kidney disease": a term path, walked as a coder does
            w = opened.reader.walk(text)
            if w.found:
                walks.append({**w.to_dict(), "source": kind, "release": opened.release})
        for hit in opened.reader.search(text, limit=limit):
            d = hit.to_dict() if hasattr(hit, "to_dict") else _as_dict(hit)
            d["source"] = kind
            d["release"] = opened.release
            index_hits.append(d)
    index_hits.sort(key=lambda h: -float(h.get("score", 0) or 0))
    tab = kb.open("icd10cm-tabular", dos)
    if tab.notice:
        notices.append(tab.notice)
    tabular_hits = tab.reader.search(text, limit=limit)
    for h in tabular_hits:
        h["source"] = "icd10cm-tabular"
        h["release"] = tab.release
        node_path = [a.title for a in reversed(tab.reader.ancestors(h["code"])) if a.kind not in ("chapter", "block")]
        h["path"] = [*node_path, h["title"]]
    if not any(kb.store.tables(k) for k in INDEX_KINDS):
        notices.append(
            "no Alphabetic Index is loaded: showing Tabular matches only. "
            "`medcoder data import icd10cm-index FILE` adds Index paths."
        )
    return {
        "query": text,
        "date_of_service": dos.isoformat(),
        "walks": walks,
        "index": index_hits[:limit],
        "tabular": tabular_hits,
        "notices": _merge(notices),
    }


def _merge(notices: list[str]) -> list[str]:
    """One line for the "after the newest release" notices of several tables."""
    late = [n for n in notices if "is after the newest" in n]
    rest = list(dict.fromkeys(n for n in notices if n not in late))
    if len(late) <= 1:
        return late + rest
    import re

    parts = []
    for n in late:
        m = re.search(r"newest (\S+) release loaded \(([^,]+),", n)
        if m:
            parts.append(f"{m.group(1)} {m.group(2)}")
    date = re.search(r"date of service (\S+)", late[0])
    head = f"date of service {date.group(1) if date else ''} is after the newest release loaded of "
    return [
        head + ", ".join(parts) + "; answered from those releases. `medcoder data sync` or "
        "`medcoder data import KIND FILE` brings newer ones.",
        *rest,
    ]


def _as_dict(hit: Any) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(hit) and not isinstance(hit, type):
        return asdict(hit)
    return dict(vars(hit))
