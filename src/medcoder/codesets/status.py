"""``medcoder data status``: what the data dir holds, and what it lacks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from medcoder.codesets.registry import specs
from medcoder.codesets.store import DataStore


def status(store: DataStore | None = None) -> dict[str, Any]:
    store = store or DataStore()
    tables = store.tables()
    loaded = {t.kind for t in tables}
    missing = []
    for s in specs().values():
        if s.kind in loaded:
            continue
        if s.bundled:
            how = "bundled: built on first use"
        elif s.sync:
            how = f"`medcoder data sync {s.kind}` or `medcoder data import {s.kind} FILE`"
        else:
            how = f"`medcoder data import {s.kind} FILE`"
        missing.append({"kind": s.kind, "title": s.title, "how": how})
    return {
        "data_dir": str(store.root),
        "tables": [asdict(t) for t in sorted(tables, key=lambda t: (t.kind, t.effective_from))],
        "missing": missing,
    }
