"""ICD-10-CM Tabular List (CDC/NCHS): codes, hierarchy, instructional notes, validation.

Bundled: the official FY2026 (April 1, 2026 update) tabular XML that the ``simple-icd-10-cm``
package ships is read directly (the package is only the carrier) and built into the data dir
on first use. ``medcoder data import icd10cm-tabular FILE`` loads any other official release.
"""

from __future__ import annotations

from pathlib import Path

from medcoder.codesets.registry import KindSpec, SyncSource


def bundled_tabular() -> Path:
    """The official tabular XML inside the installed ``simple-icd-10-cm`` package."""
    import importlib.util

    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        from medcoder.errors import DataError

        raise DataError("the simple-icd-10-cm package is not installed; `pip install medcoder` brings it")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    found = sorted(data.glob("icd10c*-tabular-*.xml"))
    if not found:
        from medcoder.errors import DataError

        raise DataError("no tabular XML found in the simple-icd-10-cm package", where=data)
    return found[-1]


def bundled_label() -> str:
    from importlib.metadata import version

    return f"simple-icd-10-cm {version('simple-icd-10-cm')}: {bundled_tabular().name}"


SPECS = [
    KindSpec(
        kind="icd10cm-tabular",
        title="ICD-10-CM Tabular List of Diseases and Injuries",
        builder="medcoder.codesets.icd10cm.builder:TabularBuilder",
        reader="medcoder.codesets.icd10cm.reader:TabularReader",
        members=("icd10cm*tabular*.xml", "icd-10-cm*tabular*.xml", "icd10c-tabular*.xml"),
        official_source="CDC/NCHS ICD-10-CM XML release (www.cdc.gov/nchs/icd/icd-10-cm/files.html)",
        sync=(
            SyncSource(
                url="https://ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM/2026-Update/icd10cm-table-index-April-2026.zip",
                release="FY2026-April",
                note="FY2026 April 1, 2026 update: tabular and index XML",
            ),
        ),
        bundled="medcoder.codesets.icd10cm:bundled_tabular",
        extra={"bundled_label": "medcoder.codesets.icd10cm:bundled_label"},
    ),
]
