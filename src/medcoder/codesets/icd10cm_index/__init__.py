"""ICD-10-CM Alphabetic Index (CDC/NCHS): the Index to Diseases and Injuries, the External
Cause of Injuries Index, the Table of Drugs and Chemicals and the Neoplasm Table.

Each is imported from the official XML (``medcoder data import icd10cm-index FILE``, or the
CDC/CMS release zip that holds it) into SQLite with a full-text table, and read with
:class:`~medcoder.codesets.icd10cm_index.reader.IndexReader`: ``main_term``, ``children``,
``walk`` (a term path, as a coder walks it), ``search`` (ranked), ``table_row`` and ``card``.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec, SyncSource

from .model import IndexHit, Term, WalkResult, WalkStep

__all__ = ["SPECS", "IndexHit", "Term", "WalkResult", "WalkStep"]

_CDC = "https://ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM"
_SOURCE = (
    "CDC/NCHS ICD-10-CM release XML, also in CMS's 'Code Tables, Tabular and Index' zip "
    "(www.cdc.gov/nchs/icd/icd-10-cm/files.html; www.cms.gov/medicare/coding-billing/icd-10-codes)"
)
# oldest first: `medcoder data sync` takes the last (newest) one
_SYNC = (
    SyncSource(
        url=f"{_CDC}/2025/icd10cm-table-index-2025.zip",
        release="FY2025",
        note="FY2025 (October 1, 2024) release: tabular and the four index files",
    ),
    SyncSource(
        url=f"{_CDC}/2026/icd10cm-table%20and%20index-2026.zip",
        release="FY2026",
        note="FY2026 (October 1, 2025) release: tabular and the four index files",
    ),
    SyncSource(
        url=f"{_CDC}/2026-Update/icd10cm-table-index-April-2026.zip",
        release="FY2026-April",
        note="FY2026 April 1, 2026 update: tabular, both indexes, drug and neoplasm tables",
    ),
)


def _members(stem: str) -> tuple[str, ...]:
    # CDC names them icd10cm-index-2026.xml / icd-10-cm-index-2025.xml; CMS icd10cm_index_2025.xml
    return (f"icd10c*[-_]{stem}[-_]*.xml", f"icd-10-cm[-_]{stem}[-_]*.xml")


def _spec(kind: str, title: str, builder: str, stem: str) -> KindSpec:
    return KindSpec(
        kind=kind,
        title=title,
        builder=f"medcoder.codesets.icd10cm_index.builder:{builder}",
        reader="medcoder.codesets.icd10cm_index.reader:IndexReader",
        members=_members(stem),
        official_source=_SOURCE,
        sync=_SYNC,
    )


SPECS = [
    _spec(
        "icd10cm-index", "ICD-10-CM Index to Diseases and Injuries", "DiseaseIndexBuilder", "index"
    ),
    _spec(
        "icd10cm-eindex",
        "ICD-10-CM External Cause of Injuries Index",
        "ExternalCauseIndexBuilder",
        "eindex",
    ),
    _spec("icd10cm-drug", "ICD-10-CM Table of Drugs and Chemicals", "DrugTableBuilder", "drug"),
    _spec("icd10cm-neoplasm", "ICD-10-CM Neoplasm Table", "NeoplasmTableBuilder", "neoplasm"),
]
