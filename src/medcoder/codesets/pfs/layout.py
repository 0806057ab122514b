"""The CMS physician fee schedule file layouts, and what their indicator values mean.

Meanings are short paraphrases of the CMS "RVU" README that ships in every RVU zip (the
record layout and Attachment A of ``RVUyyX.docx``/``RVUyyX.pdf``); the README itself is the
authority. ``ZIP5`` positions follow ``ZIP5lyout.txt`` from the CMS ZIP code to carrier
locality file.
"""

from __future__ import annotations

import re

# -- PPRRVU (the RVU file, CSV) ---------------------------------------------------------------
# The CSV spreads each column name over several stacked header rows ("WORK" above "RVU"); the
# builder joins them and compares the letters and digits only ("NON-FAC PE RVU" -> NONFACPERVU).
# field -> accepted joined names (first is the CMS spelling in recent files)
RVU_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("HCPCS", "HCPCSCODE", "HCPCS CODE"),
    "modifier": ("MOD", "MODIFIER"),
    "description": ("DESCRIPTION",),
    "status": ("STATUS CODE", "STATUS"),
    "not_used_for_payment": ("NOT USED FOR MEDICARE PAYMENT",),
    "work_rvu": ("WORK RVU", "WORK RVUS"),
    "nf_pe_rvu": ("NON-FAC PE RVU", "NON-FACILITY PE RVU", "FULLY IMPLEMENTED NON-FACILITY PE RVUS"),
    "nf_na": ("NON-FAC NA INDICATOR", "NON-FACILITY NA INDICATOR"),
    "f_pe_rvu": ("FACILITY PE RVU", "FULLY IMPLEMENTED FACILITY PE RVUS"),
    "f_na": ("FACILITY NA INDICATOR",),
    "mp_rvu": ("MP RVU", "MP RVUS", "MALPRACTICE RVU"),
    "nf_total": ("NON-FACILITY TOTAL", "FULLY IMPLEMENTED NON-FACILITY TOTAL"),
    "f_total": ("FACILITY TOTAL", "FULLY IMPLEMENTED FACILITY TOTAL"),
    "pctc": ("PCTC IND", "PCTC INDICATOR", "PC/TC IND"),
    "global_days": ("GLOB DAYS", "GLOBAL DAYS", "GLOBAL"),
    "pre_op": ("PRE OP",),
    "intra_op": ("INTRA OP",),
    "post_op": ("POST OP",),
    "mult_proc": ("MULT PROC",),
    "bilat": ("BILAT SURG",),
    "asst": ("ASST SURG",),
    "co_surg": ("CO-SURG", "CO SURG"),
    "team": ("TEAM SURG",),
    "endo_base": ("ENDO BASE",),
    "conv_factor": ("CONV FACTOR", "CONVERSION FACTOR"),
    "supervision": ("PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES",),
    "calc_flag": ("CALCULATION FLAG",),
    "imaging_family": ("DIAGNOSTIC IMAGING FAMILY INDICATOR",),
    "opps_nf_pe": ("NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT",),
    "opps_f_pe": ("FACILITY PE USED FOR OPPS PAYMENT AMOUNT",),
    "opps_mp": ("MP USED FOR OPPS PAYMENT AMOUNT",),
}
RVU_REQUIRED = (
    "code", "modifier", "status", "work_rvu", "nf_pe_rvu", "f_pe_rvu", "mp_rvu", "pctc", "global_days",
)
RVU_DECIMALS = (
    "work_rvu", "nf_pe_rvu", "f_pe_rvu", "mp_rvu", "nf_total", "f_total", "pre_op", "intra_op",
    "post_op", "conv_factor", "opps_nf_pe", "opps_f_pe", "opps_mp",
)


def header_key(name: str) -> str:
    """Letters and digits only, upper case: how joined header names are compared."""
    return re.sub(r"[^A-Z0-9]", "", name.upper())


# field by header key
RVU_HEADER_KEYS: dict[str, str] = {header_key(a): f for f, names in RVU_COLUMNS.items() for a in names}

# -- Attachment A: status codes ----------------------------------------------------------------
STATUS: dict[str, str] = {
    "A": "Active: paid separately under the fee schedule when covered",
    "B": "Bundled: payment is always included in another service; RVUs shown are not used for payment",
    "C": "Contractor priced: the MAC sets the amount, usually case by case (for example from the operative report)",
    "D": "Deleted code",
    "E": "Excluded from the fee schedule by regulation; when covered, paid under other provisions",
    "F": "Deleted/discontinued code (no grace period)",
    "G": "Not valid for Medicare: another code is used (grace period)",
    "H": "Deleted modifier: the TC or 26 component shown was deleted",
    "I": "Not valid for Medicare: another code is used for reporting and payment",
    "J": "Anesthesia service: no RVUs or fee schedule amount (paid by anesthesia base and time units)",
    "M": "Measurement code: reporting only",
    "N": "Non-covered service",
    "P": "Bundled/excluded: no separate fee schedule payment (bundled when incident to a physician service, otherwise paid outside the fee schedule)",
    "R": "Restricted coverage: special coverage instructions apply; when covered, contractor priced",
    "T": "Injection-type service: paid only when no other fee schedule service is billed on the same date by the same provider",
    "X": "Statutory exclusion: not a physician service for fee schedule payment (e.g. ambulance, clinical lab)",
}
# statuses whose RVUs are used for Medicare fee schedule payment (README: A, R and T)
PAYABLE_STATUS = frozenset("ART")

PCTC: dict[str, str] = {
    "0": "Physician service: no professional/technical split; modifiers 26 and TC cannot be used",
    "1": "Diagnostic test with professional (26) and technical (TC) components; global, 26 and TC rows",
    "2": "Professional-component-only code (a stand-alone interpretation code); 26/TC cannot be used",
    "3": "Technical-component-only code (or a test covered only as a diagnostic test); 26/TC cannot be used",
    "4": "Global-test-only code (has separate PC-only and TC-only codes); 26/TC cannot be used",
    "5": "Incident-to service: not payable for hospital inpatients or outpatients; 26/TC cannot be used",
    "6": "Laboratory physician interpretation code: separate payment for the interpretation; TC cannot be used",
    "7": "Physical therapy service not payable when furnished to hospital patients by an independently practising therapist",
    "8": "Physician interpretation of an abnormal smear for a hospital inpatient only; no TC billing",
    "9": "Professional/technical component concept does not apply",
}

GLOBAL_DAYS: dict[str, str] = {
    "000": "Endoscopic or minor procedure: pre- and post-operative work on the day of the procedure only",
    "010": "Minor procedure: day of procedure plus a 10-day post-operative period",
    "090": "Major surgery: 1 pre-operative day plus a 90-day post-operative period",
    "MMM": "Maternity code: the usual global period does not apply",
    "XXX": "Global surgery concept does not apply",
    "YYY": "Contractor decides whether the global concept applies and sets the post-operative period",
    "ZZZ": "Add-on related to another service: always within that service's global period",
}

MULT_PROC: dict[str, str] = {
    "0": "No multiple procedure reduction",
    "1": "Pre-1995 standard multiple procedure rules (100/50/25/25/25%)",
    "2": "Standard multiple procedure rules: 100% for the highest, 50% for each other (ranked by fee)",
    "3": "Multiple endoscopy rules within the family of the endoscopic base code",
    "4": "Diagnostic imaging reduction: TC of later procedures in the same family at 50%, PC at 95%",
    "5": "Therapy: 50% reduction of the practice expense of later units and procedures",
    "6": "Diagnostic cardiovascular: 25% reduction of the TC of the second and later procedures",
    "7": "Diagnostic ophthalmology: 20% reduction of the TC of the second and later procedures",
    "9": "Multiple procedure concept does not apply",
}

BILATERAL: dict[str, str] = {
    "0": "No bilateral adjustment: with modifier 50 (or RT and LT) pay at most 100% of one side",
    "1": "Bilateral adjustment: with modifier 50 (or RT and LT, or 2 units) pay 150% of the single-code amount",
    "2": "RVUs already bilateral: with modifier 50 pay at most 100% of the single-code amount",
    "3": "Each side paid at 100% (typically radiology or other diagnostic tests)",
    "9": "Bilateral concept does not apply",
}

ASSISTANT: dict[str, str] = {
    "0": "Assistant at surgery paid only with documentation of medical necessity",
    "1": "Statutory restriction: assistant at surgery may not be paid",
    "2": "Assistant at surgery may be paid",
    "9": "Assistant at surgery concept does not apply",
}

CO_SURGEONS: dict[str, str] = {
    "0": "Co-surgeons not permitted",
    "1": "Co-surgeons may be paid with documentation of medical necessity",
    "2": "Co-surgeons permitted without documentation when the two-specialty requirement is met",
    "9": "Co-surgeon concept does not apply",
}

TEAM: dict[str, str] = {
    "0": "Team surgeons not permitted",
    "1": "Team surgeons may be paid with documentation of medical necessity; paid by report",
    "2": "Team surgeons permitted; paid by report",
    "9": "Team surgery concept does not apply",
}

SUPERVISION: dict[str, str] = {
    "01": "General supervision of a physician",
    "02": "Direct supervision of a physician",
    "03": "Personal supervision of a physician (RRA/RPA-performed imaging may be under direct supervision)",
    "04": "No physician supervision when furnished by a qualified independent or clinical psychologist; otherwise general supervision",
    "05": "No physician supervision when furnished by a qualified audiologist; otherwise general supervision",
    "06": "Performed by a physician or an ABPTS-certified electrophysiologic clinical specialist physical therapist",
    "09": "Supervision concept does not apply",
    "21": "Certified technician under general supervision; otherwise direct supervision",
    "22": "Technician with on-line real-time contact with a physician",
    "66": "Physician, or physical therapist with ABPTS certification and certification in the procedure",
    "6A": "As 66; an ABPTS-certified PT may supervise another PT, but only the certified PT may bill",
    "77": "ABPTS-certified PT, uncertified PT under direct physician supervision, or certified technician under general supervision",
    "7A": "As 77; an ABPTS-certified PT may supervise another PT, but only the certified PT may bill",
}

IMAGING_FAMILY: dict[str, str] = {
    "01": "Ultrasound (chest/abdomen/pelvis, non-obstetrical)",
    "02": "CT and CTA (chest/thorax/abdomen/pelvis)",
    "03": "CT and CTA (head/brain/orbit/maxillofacial/neck)",
    "04": "MRI and MRA (chest/abdomen/pelvis)",
    "05": "MRI and MRA (head/brain/neck)",
    "06": "MRI and MRA (spine)",
    "07": "CT (spine)",
    "08": "MRI and MRA (lower extremities)",
    "09": "CT and CTA (lower extremities)",
    "10": "MR and MRI (upper extremities and joints)",
    "11": "CT and CTA (upper extremities)",
    "88": "Subject to the multiple procedure reduction of diagnostic imaging (TC and PC)",
    "99": "Concept does not apply",
}

NOT_USED_FOR_PAYMENT = "RVUs are shown for information only and are not used for Medicare payment"

# -- ZIP5 (fixed width, 80 characters) ------------------------------------------------------------
ZIP5_RECORD_LENGTH = 80
# field -> (first column, last column), 1-based inclusive, as in ZIP5lyout.txt
ZIP5_FIELDS: dict[str, tuple[int, int]] = {
    "state": (1, 2),
    "zip": (3, 7),
    "carrier": (8, 12),
    "locality": (13, 14),
    "rural": (15, 15),
    "lab_cb_locality": (16, 17),
    "rural2": (18, 18),
    "plus_four": (21, 21),
    "part_b_payment": (23, 23),
    "year_quarter": (76, 80),
}
RURAL: dict[str, str] = {"": "urban", "R": "rural", "B": "super rural"}
LAB_CB: dict[str, str] = {
    "Z1": "lab competitive bidding area 1",
    "Z2": "lab competitive bidding area 2",
    "Z9": "not a lab competitive bidding demonstration locality",
}


def zip5_field(rec: str, name: str) -> str:
    a, b = ZIP5_FIELDS[name]
    return rec[a - 1 : b]


# -- quarters of a calendar year: RVUyyA .. RVUyyD --------------------------------------------------
QUARTER_LETTER = {1: "A", 4: "B", 7: "C", 10: "D"}
MONTHS = {
    "JAN": 1, "JANUARY": 1, "APR": 4, "APRIL": 4, "JUL": 7, "JULY": 7, "OCT": 10, "OCTOBER": 10,
}

# full state names in the locality/county crosswalk (25LOCCO) -> postal abbreviations
STATE_ABBREV: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "HAWAII/GUAM": "HI", "IDAHO": "ID",
    "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY",
    "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI",
    "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE",
    "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "PUERTO RICO": "PR", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC",
    "SOUTH DAKOTA": "SD", "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT",
    "VIRGIN ISLANDS": "VI", "VIRGINIA": "VA", "WASHINGTON": "WA", "WEST VIRGINIA": "WV",
    "WISCONSIN": "WI", "WYOMING": "WY", "GUAM": "GU", "AMERICAN SAMOA": "AS",
    "NORTHERN MARIANA ISLANDS": "MP",
}
