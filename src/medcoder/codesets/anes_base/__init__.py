"""Anesthesia base units (CMS): kind ``anes-base-units``.

CMS publishes the base units Medicare recognizes for each anesthesia code (00100-01999) with
the physician fee schedule ("Anesthesia base units by CPT code", a CSV/Excel file with the
columns ``CPT Code``, a short descriptor, ``Base Units``). ``medcoder data import
anes-base-units FILE`` reads a CSV, tab-delimited text or ``.xlsx`` with a code column and a
base units column; any descriptor column is ignored and never stored (CPT descriptors are
AMA-licensed). The calendar year comes from the file name or a title line (``CY 2025 ...``).

:class:`~medcoder.codesets.anes_base.reader.AnesBaseReader` answers ``base_units(code)``.
Payment: :func:`medcoder.codesets.pfs.payment.anesthesia_allowed` takes the base units;
:mod:`medcoder.claims.pricing` looks them up here. Nothing heavy is imported here.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec

_PAGE = "https://www.cms.gov/medicare/payment/fee-schedules/physician/anesthesiologists-center"

SPECS = [
    KindSpec(
        kind="anes-base-units",
        title="Medicare anesthesia base units by anesthesia code",
        builder="medcoder.codesets.anes_base.builder:AnesBaseBuilder",
        reader="medcoder.codesets.anes_base.reader:AnesBaseReader",
        members=("*anes*base*.csv", "*anes*base*.xlsx", "*base*unit*.csv", "*base*unit*.xlsx", "*.csv", "*.xlsx"),
        official_source=(
            f"CMS, Anesthesiologists Center: anesthesia base units by CPT code (yearly): {_PAGE}"
        ),
        licence=(
            "public domain (US government work); CPT codes are AMA-licensed: their descriptors are never stored"
        ),
    ),
]
