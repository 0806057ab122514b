"""Every kind of table medcoder knows, collected from the code-set packages.

Each package under ``medcoder.codesets`` declares ``SPECS: list[KindSpec]`` in its
``__init__.py`` (kept free of heavy imports). A spec names its builder and reader by dotted
path so nothing is imported until it is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from medcoder.errors import InputError

PACKAGES = (
    "medcoder.codesets.icd10cm",
    "medcoder.codesets.icd10cm_index",
    "medcoder.codesets.icd10pcs",
    "medcoder.codesets.hcpcs",
    "medcoder.codesets.cpt",
    "medcoder.codesets.pfs",
    "medcoder.codesets.ncci",
    "medcoder.codesets.carc_rarc",
    "medcoder.codesets.anes_base",  # anesthesia base units (kind anes-base-units)
    "medcoder.codesets.drg",  # MS-DRG relative weights, Table 5 (kind msdrg-weights)
)


@dataclass(frozen=True)
class SyncSource:
    """An official download for ``medcoder data sync``."""

    url: str
    release: str
    note: str = ""


@dataclass(frozen=True)
class KindSpec:
    kind: str
    title: str
    builder: str  # "module:Class", instantiated with no arguments
    reader: str  # "module:Class", called as Class(path: Path, info: TableInfo)
    members: tuple[str, ...] = ()  # file-name patterns to take from an official zip
    official_source: str = ""  # who publishes it, and where
    licence: str = "public domain (US government work)"
    sync: tuple[SyncSource, ...] = ()
    bundled: str | None = None  # "module:function" returning the bundled source Path, if any
    extra: dict[str, Any] = field(default_factory=dict)


def load_object(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@cache
def specs() -> dict[str, KindSpec]:
    out: dict[str, KindSpec] = {}
    for pkg in PACKAGES:
        try:
            mod = importlib.import_module(pkg)
        except ModuleNotFoundError as exc:
            if exc.name == pkg:
                continue
            raise
        for spec in getattr(mod, "SPECS", ()):
            out[spec.kind] = spec
    return out


def spec(kind: str) -> KindSpec:
    all_specs = specs()
    if kind not in all_specs:
        raise InputError(f"unknown table kind {kind!r}; known kinds: {', '.join(sorted(all_specs))}")
    return all_specs[kind]
