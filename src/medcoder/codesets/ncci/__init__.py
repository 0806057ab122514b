"""Medicare NCCI edits (CMS): procedure-to-procedure (PTP) pairs and medically unlikely edits (MUE).

Five kinds, each imported from the official quarterly CMS file or zip
(``medcoder data import KIND FILE``):

- ``ncci-ptp-practitioner`` (``ccipra-vNNNrN-fN.txt``) and ``ncci-ptp-hospital``
  (``ccioph-…``): :class:`~medcoder.codesets.ncci.reader.PtpReader` answers ``edit(a, b, dos)``
  (either order), ``edits_for(code, dos)``, ``edits_among(codes, dos)``, ``history(a, b)`` and
  ``card(code)``. CMS splits each release in parts (one zip each); all parts of a release are
  taken together or accumulate import by import.
- ``mue-practitioner``, ``mue-hospital``, ``mue-dme``
  (``MCR_MUE_<Setting>Services_Eff_MM-DD-YYYY.csv``):
  :class:`~medcoder.codesets.ncci.reader.MueReader` answers ``mue(code, dos)`` and ``card``.

Releases are quarters (``2026Q3``, in force July 1 to September 30). Nothing heavy is imported
here.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec, SyncSource

_PTP_PAGE = (
    "https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/"
    "medicare-ncci-procedure-procedure-ptp-edits"
)
_MUE_PAGE = (
    "https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/"
    "medicare-ncci-medically-unlikely-edits"
)
_LICENCE = (
    "CMS data, public domain (US government work); the files carry CPT codes, which are "
    "© American Medical Association (CMS asks users to accept the AMA licence before download). "
    "Codes only, no CPT descriptors."
)
_BUILDERS = "medcoder.codesets.ncci.builder"
_READERS = "medcoder.codesets.ncci.reader"


def _ptp_sync(quarter: str, letters: str, version: str, url_quarter: str, setting: str) -> tuple[SyncSource, ...]:
    # CMS posts each part as its own zip; importing them one after another accumulates the parts
    return tuple(
        SyncSource(
            url=(
                f"https://www.cms.gov/files/zip/medicare-ncci-{url_quarter}-{setting}-ptp-edits-"
                f"cci{letters}-{version}-f{n}.zip"
            ),
            release=quarter,
            note=f"Medicare NCCI PTP edits, {setting}, {quarter} ({version}), part {n} of 4",
        )
        for n in (1, 2, 3, 4)
    )


def _mue_sync(quarter: str, url_quarter: str, slug: str, words: str) -> tuple[SyncSource, ...]:
    return (
        SyncSource(
            url=f"https://www.cms.gov/files/zip/medicare-ncci-{url_quarter}-{slug}-mue-table.zip",
            release=quarter,
            note=f"Medicare NCCI MUE table, {words}, {quarter}",
        ),
    )


SPECS = [
    KindSpec(
        kind="ncci-ptp-practitioner",
        title="NCCI procedure-to-procedure edits, practitioner (CMS, quarterly)",
        builder=f"{_BUILDERS}:PtpPractitionerBuilder",
        reader=f"{_READERS}:PtpReader",
        members=("*ccipra*.txt", "*ccipra*.xlsx", "*ccipra*.zip"),
        official_source=f"CMS, Medicare NCCI PTP edits, practitioner services: {_PTP_PAGE}",
        licence=_LICENCE,
        sync=_ptp_sync("2026Q4", "pra", "v323r0", "2026q4", "practitioner"),
    ),
    KindSpec(
        kind="ncci-ptp-hospital",
        title="NCCI procedure-to-procedure edits, outpatient hospital (CMS, quarterly)",
        builder=f"{_BUILDERS}:PtpHospitalBuilder",
        reader=f"{_READERS}:PtpReader",
        members=("*ccioph*.txt", "*ccioph*.xlsx", "*ccioph*.zip"),
        official_source=f"CMS, Medicare NCCI PTP edits, hospital outpatient services: {_PTP_PAGE}",
        licence=_LICENCE,
        sync=_ptp_sync("2026Q4", "oph", "v323r0", "2026-q4", "hospital"),
    ),
    KindSpec(
        kind="mue-practitioner",
        title="NCCI medically unlikely edits, practitioner services (CMS, quarterly)",
        builder=f"{_BUILDERS}:MuePractitionerBuilder",
        reader=f"{_READERS}:MueReader",
        members=("*MCR_MUE_PractitionerServices*.csv", "*MCR_MUE_PractitionerServices*.xlsx"),
        official_source=f"CMS, Medicare NCCI MUE tables: {_MUE_PAGE}",
        licence=_LICENCE,
        sync=_mue_sync("2026Q4", "2026-q4", "practitioner-services", "practitioner services"),
    ),
    KindSpec(
        kind="mue-hospital",
        title="NCCI medically unlikely edits, outpatient hospital services (CMS, quarterly)",
        builder=f"{_BUILDERS}:MueHospitalBuilder",
        reader=f"{_READERS}:MueReader",
        members=(
            "*MCR_MUE_OutpatientHospitalServices*.csv",
            "*MCR_MUE_OutpatientHospitalServices*.xlsx",
        ),
        official_source=f"CMS, Medicare NCCI MUE tables: {_MUE_PAGE}",
        licence=_LICENCE,
        sync=_mue_sync(
            "2026Q4", "2026-q4", "facility-outpatient-hospital-services", "outpatient hospital services"
        ),
    ),
    KindSpec(
        kind="mue-dme",
        title="NCCI medically unlikely edits, DME supplier services (CMS, quarterly)",
        builder=f"{_BUILDERS}:MueDmeBuilder",
        reader=f"{_READERS}:MueReader",
        members=("*MCR_MUE_DMESupplierServices*.csv", "*MCR_MUE_DMESupplierServices*.xlsx"),
        official_source=f"CMS, Medicare NCCI MUE tables: {_MUE_PAGE}",
        licence=_LICENCE,
        sync=_mue_sync("2026Q4", "2026-q4", "dme-supplier-services", "DME supplier services"),
    ),
]
