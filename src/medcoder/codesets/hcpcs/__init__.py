"""HCPCS Level II (CMS alpha-numeric file): codes, modifiers, dates in force, drug dosage.

``medcoder data import hcpcs HCPC2026_JAN_ANWEB.txt`` (or the CMS zip) builds the table;
``HcpcsReader`` answers ``get``, ``is_active``, ``search``, ``modifiers``, ``modifier``,
``dosage``, ``units_for_dose`` and ``card``.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec, SyncSource

SPECS = [
    KindSpec(
        kind="hcpcs",
        title="HCPCS Level II alpha-numeric codes and modifiers (CMS)",
        builder="medcoder.codesets.hcpcs.builder:HcpcsBuilder",
        reader="medcoder.codesets.hcpcs.reader:HcpcsReader",
        members=("HCPC*ANWEB*.txt", "*ANWEB*.txt"),
        official_source=(
            "CMS Alpha-Numeric HCPCS files (www.cms.gov/medicare/coding-billing/"
            "healthcare-common-procedure-system/quarterly-update); record layout in the zip"
        ),
        licence=(
            "public domain (CMS); the file holds no CPT (AMA) or CDT dental (ADA) descriptors"
        ),
        sync=(
            SyncSource(
                url="https://www.cms.gov/files/zip/january-2026-alpha-numeric-hcpcs-file.zip",
                release="2026 January",
                note="CMS quarterly alpha-numeric HCPCS file, January 2026 "
                "(HCPC2026_JAN_ANWEB*.txt)",
            ),
        ),
    ),
]
