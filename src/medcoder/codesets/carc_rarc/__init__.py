"""Remittance code lists: CARC, RARC, CAS group codes, claim status codes, PLB reason codes.

Five kinds, each imported from its list as a ``Code,Description`` CSV
(``medcoder data import KIND FILE``; optional ``Start``/``Stop``/``Last Modified``/``Notes``
columns are read too, and dates run into a description are taken out of it):

- ``carc``: claim adjustment reason codes (X12), the reason of each 835 CAS adjustment;
- ``rarc``: remittance advice remark codes (maintained by CMS, published by X12), the 835 LQ
  remarks;
- ``claim-adjustment-groups``: CAS01 group codes (CO, PR, OA, PI; CR in older versions);
- ``claim-status``: CLP02 claim status codes (1 processed as primary … 4 denied, 22 reversal);
- ``plb-reasons``: PLB03-1 provider-level adjustment reason codes (WO, L6, FB …).

:class:`~medcoder.codesets.carc_rarc.reader.RemitCodeReader` answers ``get``, ``is_active``,
``search``, ``all`` and ``card`` for each. Nothing heavy is imported here.
"""

from __future__ import annotations

from medcoder.codesets.registry import KindSpec

_LICENCE = (
    "© X12 (code lists free to view at x12.org/codes; reproduction needs X12's permission, "
    "https://x12.org/products/ip-use). medcoder ships no copy: import your own."
)
_BUILDERS = "medcoder.codesets.carc_rarc.builder"
_READER = "medcoder.codesets.carc_rarc.reader:RemitCodeReader"
_TR3 = "the X12 835 Health Care Claim Payment/Advice implementation guide (005010X221A1)"

SPECS = [
    KindSpec(
        kind="carc",
        title="Claim adjustment reason codes (CARC, X12)",
        builder=f"{_BUILDERS}:CarcBuilder",
        reader=_READER,
        members=("claim_adjustment_reason_codes*.csv", "*carc*.csv"),
        official_source=(
            "X12 External Code List: Claim Adjustment Reason Codes, "
            "https://x12.org/codes/claim-adjustment-reason-codes (updated three times a year)"
        ),
        licence=_LICENCE,
    ),
    KindSpec(
        kind="rarc",
        title="Remittance advice remark codes (RARC, CMS / X12)",
        builder=f"{_BUILDERS}:RarcBuilder",
        reader=_READER,
        members=("remittance_advice_remark_codes*.csv", "*rarc*.csv"),
        official_source=(
            "X12 External Code List: Remittance Advice Remark Codes, maintained by CMS, "
            "https://x12.org/codes/remittance-advice-remark-codes"
        ),
        licence=_LICENCE,
    ),
    KindSpec(
        kind="claim-adjustment-groups",
        title="Claim adjustment group codes (835 CAS01)",
        builder=f"{_BUILDERS}:GroupCodesBuilder",
        reader=_READER,
        members=("claim_adjustment_group_codes*.csv",),
        official_source=f"X12, element CAS01 (Claim Adjustment Group Code) in {_TR3}",
        licence=_LICENCE,
    ),
    KindSpec(
        kind="claim-status",
        title="Claim status codes (835 CLP02)",
        builder=f"{_BUILDERS}:ClaimStatusBuilder",
        reader=_READER,
        members=("claim_status_codes*.csv",),
        official_source=f"X12, element CLP02 (Claim Status Code) in {_TR3}",
        licence=_LICENCE,
    ),
    KindSpec(
        kind="plb-reasons",
        title="Provider-level adjustment reason codes (835 PLB)",
        builder=f"{_BUILDERS}:PlbReasonsBuilder",
        reader=_READER,
        members=("provider_adjustment_reason_codes*.csv", "*plb*.csv"),
        official_source=f"X12, element PLB03-1 (Adjustment Reason Code) in {_TR3}",
        licence=_LICENCE,
    ),
]
