"""MS-DRG relative weights and mean lengths of stay (CMS IPPS Table 5): kind ``msdrg-weights``.

Each fiscal year's IPPS final rule publishes "Table 5.--List of Medicare Severity Diagnosis-Related
Groups (MS-DRGs), Relative Weighting Factors, and Geometric and Arithmetic Mean Length of
Stay" (tab-delimited text and Excel in the Table 5 zip). Columns::

    MS-DRG | FY yyyy Final Post-Acute DRG | FY yyyy Final Special Pay DRG | MDC | TYPE |
    MS-DRG Title | Weights | Geometric mean LOS | Arithmetic mean LOS

``medcoder data import msdrg-weights FILE`` reads the text, CSV or ``.xlsx`` copy; the fiscal
year comes from the title line, the header (``FY 2025 ...``) or the file name, and the table
is in force for discharges from October 1 of the year before to September 30.

:class:`~medcoder.codesets.drg.reader.DrgWeightsReader` answers ``get(drg)``. Grouping itself
is done by the ``msdrg`` package (:mod:`medcoder.claims.pricing.inpatient`). Nothing heavy is
imported here.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec

_PAGE = "https://www.cms.gov/medicare/payment/prospective-payment-systems/acute-inpatient-pps"

SPECS = [
    KindSpec(
        kind="msdrg-weights",
        title="MS-DRG relative weights and geometric/arithmetic mean length of stay (IPPS Table 5)",
        builder="medcoder.codesets.drg.builder:DrgWeightsBuilder",
        reader="medcoder.codesets.drg.reader:DrgWeightsReader",
        members=("*table*5*.txt", "*table*5*.xlsx", "*table*5*.csv", "*table_5*", "*tbl5*"),
        official_source=(
            "CMS IPPS final rule home page, FY tables: Table 5 (MS-DRGs, relative weighting factors, "
            f"geometric and arithmetic mean length of stay): {_PAGE}"
        ),
    ),
]
