"""ICD-10-PCS (CMS): the code tables, the Definitions and the Index.

Three kinds, each imported from its official XML (``medcoder data import KIND FILE``, or the
CMS "ICD-10-PCS Code Tables and Index" zip that holds all three):

- ``icd10pcs``: the tables. :class:`~medcoder.codesets.icd10pcs.reader.PcsReader` validates
  codes (with the reason a code is invalid), explains each character, enumerates and counts
  codes, shows a table, lists the values allowed at the next axis, and makes code cards.
- ``icd10pcs-definitions``: root operations, approaches, devices, body parts (what each
  includes) and the other sections' values;
  :class:`~medcoder.codesets.icd10pcs.definitions.DefinitionsReader`, which
  ``PcsReader.explain(code, definitions=…)`` accepts.
- ``icd10pcs-index``: the Alphabetic Index with full-text search;
  :class:`~medcoder.codesets.icd10pcs.index.IndexReader` (``search``, ``walk``).

Nothing heavy is imported here.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec, SyncSource

_SOURCE = (
    "CMS, ICD-10-PCS Code Tables and Index (XML), one zip per fiscal year: "
    "https://www.cms.gov/medicare/coding-billing/icd-10-codes"
)
# oldest first: `medcoder data sync` takes the last (newest) one
_SYNC = (
    SyncSource(
        url="https://www.cms.gov/files/zip/2025-icd-10-pcs-code-tables-and-index-updated-07/09/2024.zip",
        release="FY2025",
        note="FY2025 (October 1, 2024) ICD-10-PCS Code Tables and Index, updated 07/09/2024",
    ),
    SyncSource(
        url="https://www.cms.gov/files/zip/2026-icd-10-pcs-code-tables-and-index.zip",
        release="FY2026",
        note="FY2026 (October 1, 2025) ICD-10-PCS Code Tables and Index",
    ),
)


def _spec(kind: str, title: str, builder: str, reader: str, stem: str) -> KindSpec:
    return KindSpec(
        kind=kind,
        title=title,
        builder=f"medcoder.codesets.icd10pcs.builder:{builder}",
        reader=reader,
        # CMS names them icd10pcs_tables_2026.xml, icd10pcs_definitions_2026.xml,
        # icd10pcs_index_2026.xml (the zip also holds the XSDs and PDFs)
        members=(f"icd10pcs_{stem}_*.xml", f"icd10pcs{stem}*.xml", f"icd-10-pcs*{stem}*.xml"),
        official_source=_SOURCE,
        sync=_SYNC,
    )


SPECS = [
    _spec(
        "icd10pcs",
        "ICD-10-PCS Tables",
        "TablesBuilder",
        "medcoder.codesets.icd10pcs.reader:PcsReader",
        "tables",
    ),
    _spec(
        "icd10pcs-definitions",
        "ICD-10-PCS Definitions",
        "DefinitionsBuilder",
        "medcoder.codesets.icd10pcs.definitions:DefinitionsReader",
        "definitions",
    ),
    _spec(
        "icd10pcs-index",
        "ICD-10-PCS Index",
        "IndexBuilder",
        "medcoder.codesets.icd10pcs.index:IndexReader",
        "index",
    ),
]
