"""Medicare physician fee schedule (CMS): RVUs, GPCIs, anesthesia CFs, localities, ZIP codes.

Five kinds, each imported from its official CMS file (``medcoder data import KIND FILE``, or
the RVU zip for the first four):

- ``pfs-rvu``: the national relative value file (``PPRRVUyyyy_Mon.csv``): RVUs, status codes
  and payment policy indicators per code and modifier (global, 26, TC, 53);
  :class:`~medcoder.codesets.pfs.reader.RvuReader`.
- ``pfs-gpci``: geographic practice cost indices by MAC and locality (``GPCIyyyy.csv``).
- ``pfs-anes``: anesthesia conversion factors by contractor and locality (``ANESyyyy.csv``).
- ``pfs-locality``: counties in each locality (``yyLOCCO.csv``).
- ``pfs-zip``: ZIP code to carrier, locality and rural indicator (``ZIP5_MONyyyy.txt``, from
  the separate "ZIP code to carrier locality" zip).

Payment: :func:`medicare_allowed` and :func:`anesthesia_allowed` (in
:mod:`medcoder.codesets.pfs.payment`, loaded on first use) with conversion factors from
``medcoder/data/conversion_factors.csv`` (user overrides in the data dir). Nothing heavy is
imported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from medcoder.codesets.registry import KindSpec, SyncSource

_PAGE = "https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files"
_ZIP_PAGE = (
    "https://www.cms.gov/medicare/payment/fee-schedules/physician-fee-schedule/"
    "zip-code-carrier-locality-file"
)
# oldest first: `medcoder data sync` takes the last one. The RVU zip carries PPRRVU, GPCI,
# ANES and LOCCO files; CMS re-posts corrected zips under "-updated-" names.
_RVU_SYNC = (
    SyncSource(
        url="https://www.cms.gov/files/zip/rvu25d.zip",
        release="CY2025 (RVU25D)",
        note="October 2025 release (released 09/11/2025): PPRRVU2025_Oct.csv, GPCI2025, ANES2025, 25LOCCO",
    ),
    SyncSource(
        url="https://www.cms.gov/files/zip/rvu26a-updated-12-29-2025.zip",
        release="CY2026 (RVU26A)",
        note="January 2026 release: PPRRVU2026_Jan_nonQPP.csv and _QPP.csv, GPCI2026, ANES2026, 26LOCCO",
    ),
    SyncSource(
        url="https://www.cms.gov/files/zip/rvu26d-updated-08-26-2026.zip",
        release="CY2026 (RVU26D)",
        note="October 2026 release: PPRRVU2026_Oct_nonQPP.csv and _QPP.csv, GPCI2026, ANES2026, 26LOCCO",
    ),
)
_ZIP_SYNC = (
    SyncSource(
        url="https://www.cms.gov/files/zip/zip-code-carrier-locality-file-revised-08/14/2025.zip",
        release="CY2025 Q4",
        note="ZIP5_OCT2025.txt (with ZIP9 and the layouts)",
    ),
    SyncSource(
        url="https://www.cms.gov/files/zip/zip-code-carrier-locality-file-updated-05-13-2026.zip",
        release="CY2026",
        note="ZIP code to carrier locality file updated 05/13/2026",
    ),
)


def _spec(kind: str, title: str, builder: str, reader: str, members: tuple[str, ...], source: str) -> KindSpec:
    return KindSpec(
        kind=kind,
        title=title,
        builder=f"medcoder.codesets.pfs.builder:{builder}",
        reader=f"medcoder.codesets.pfs.reader:{reader}",
        members=members,
        official_source=source,
        licence=(
            "public domain (US government work); CPT codes are AMA-licensed and CDT codes ADA-licensed: "
            "their descriptors are never stored"
            if kind == "pfs-rvu"
            else "public domain (US government work)"
        ),
        sync=_ZIP_SYNC if kind == "pfs-zip" else _RVU_SYNC,
    )


SPECS = [
    _spec(
        "pfs-rvu", "Medicare physician fee schedule relative value units (PPRRVU)", "RvuBuilder",
        "RvuReader", ("PPRRVU*.csv",), f"CMS PFS relative value files (RVU zip, PPRRVU CSV): {_PAGE}",
    ),
    _spec(
        "pfs-gpci", "Medicare geographic practice cost indices (GPCI)", "GpciBuilder", "GpciReader",
        ("GPCI*.csv",), f"CMS PFS relative value files (RVU zip, GPCIyyyy.csv): {_PAGE}",
    ),
    _spec(
        "pfs-anes", "Medicare anesthesia conversion factors by locality", "AnesBuilder", "AnesReader",
        ("ANES*.csv",), f"CMS PFS relative value files (RVU zip, ANESyyyy.csv): {_PAGE}",
    ),
    _spec(
        "pfs-locality", "Medicare payment localities and their counties", "LocalityBuilder",
        "LocalityReader", ("*LOCCO*.csv",), f"CMS PFS relative value files (RVU zip, yyLOCCO.csv): {_PAGE}",
    ),
    _spec(
        "pfs-zip", "ZIP code to Medicare carrier and locality (ZIP5)", "ZipBuilder", "ZipReader",
        ("ZIP5_*.txt", "ZIP5*.txt"), f"CMS ZIP code to carrier locality file (ZIP5, layout ZIP5lyout.txt): {_ZIP_PAGE}",
    ),
]

_LAZY = {
    "medicare_allowed": "medcoder.codesets.pfs.payment",
    "anesthesia_allowed": "medcoder.codesets.pfs.payment",
    "Allowed": "medcoder.codesets.pfs.payment",
    "AnesthesiaAllowed": "medcoder.codesets.pfs.payment",
}

__all__ = ["SPECS", "Allowed", "AnesthesiaAllowed", "anesthesia_allowed", "medicare_allowed"]

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.codesets.pfs.payment import (
        Allowed,
        AnesthesiaAllowed,
        anesthesia_allowed,
        medicare_allowed,
    )


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
