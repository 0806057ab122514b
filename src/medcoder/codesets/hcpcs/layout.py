"""The CMS HCPCS "contractor" record (ANWEB file): 320-character fixed-width records.

Positions are 1-based and inclusive, as in the CMS record layout (``HCPCyyyy_recordlayout.txt``,
"HCPCS Contractor Record", unchanged from 2016 to 2026). The code tables below restate the
meanings from that layout in short form.
"""

from __future__ import annotations

RECORD_LENGTH = 320

# name: (first, last) 1-based inclusive
FIELDS: dict[str, tuple[int, int]] = {
    "code": (1, 5),  # a modifier is blank-padded on the left: "   RT"
    "seq": (6, 10),
    "rec_id": (11, 11),  # 3/7 first line of a procedure/modifier, 4/8 continuation
    "long": (12, 91),
    "short": (92, 119),
    "pricing": (120, 127),  # 4 x 2
    "mult_pricing": (128, 128),
    "cim": (129, 146),  # 3 x 6: Coverage Issues Manual sections
    "mcm": (147, 170),  # 3 x 8: Medicare Carriers Manual sections
    "statute": (171, 180),
    "lab_cert": (181, 204),  # 8 x 3
    "xref": (205, 229),  # 5 x 5: cross-reference codes
    "coverage": (230, 230),
    "asc_group": (231, 232),
    "asc_date": (233, 240),
    "mog_group": (241, 243),
    "mog_policy": (244, 244),
    "mog_date": (245, 252),
    "proc_note": (253, 256),
    "betos": (257, 259),
    "tos": (261, 265),  # 5 x 1 (260 is filler)
    "anes_units": (266, 268),
    "add_date": (269, 276),
    "action_date": (277, 284),
    "term_date": (285, 292),
    "action_code": (293, 293),
}
REPEATS = {"pricing": 2, "cim": 6, "mcm": 8, "lab_cert": 3, "xref": 5, "tos": 1}
DATE_FIELDS = ("asc_date", "mog_date", "add_date", "action_date", "term_date")
LAST_DATA_COLUMN = FIELDS["action_code"][1]  # 293: a first-line record must reach it

REC_PROCEDURE = "3"
REC_PROCEDURE_CONT = "4"
REC_MODIFIER = "7"
REC_MODIFIER_CONT = "8"
FIRST_LINES = {REC_PROCEDURE, REC_MODIFIER}
CONTINUATIONS = {REC_PROCEDURE_CONT: REC_PROCEDURE, REC_MODIFIER_CONT: REC_MODIFIER}

PRICING = {
    "00": "Not separately priced by Part B (not covered, bundled, Part A only, ...)",
    "11": "Physician fee schedule: national RVUs",
    "12": "Physician fee schedule: national anesthesia base units",
    "13": "Physician fee schedule: priced by the contractor",
    "21": "Clinical lab fee schedule: national limitation amount",
    "22": "Clinical lab fee schedule: priced by the contractor",
    "31": "DMEPOS: frequently serviced DME",
    "32": "DMEPOS: inexpensive and routinely purchased DME",
    "33": "DMEPOS: oxygen and oxygen equipment",
    "34": "DMEPOS: DME supplies",
    "35": "DMEPOS: surgical dressings",
    "36": "DMEPOS: capped rental DME",
    "37": "DMEPOS: ostomy, tracheostomy and urological supplies",
    "38": "DMEPOS: orthotics, prosthetics, prosthetic devices, vision",
    "39": "DMEPOS: parenteral and enteral nutrition",
    "45": "DMEPOS: customized DME",
    "46": "DMEPOS: priced by the contractor",
    "51": "Drugs",
    "52": "Reasonable charge",
    "53": "Statute",
    "54": "Vaccinations",
    "55": "Splints and casts",
    "56": "IOLs inserted in a physician's office",
    "57": "Other, priced by the contractor",
    "99": "Value not established",
}

MULTIPLE_PRICING = {
    "9": "Not applicable: not priced separately (indicator 00) or value not established (99)",
    "A": "Not applicable: priced under one methodology",
    "B": "Professional component by RVUs; technical component and global by the contractor",
    "C": "Physician interpretation by RVUs; the lab service on the clinical lab fee schedule",
    "D": "Physician by RVUs; clinical psychologist on its own fee schedule (before 1998)",
    "E": "Physician, clinical psychologist and clinical social worker schedules (before 1998)",
    "F": "Contractor-priced physician service; psychologist/social worker schedules (before 1998)",
    "G": "Reasonable charge with blood products on the claim; else clinical lab fee schedule",
}

COVERAGE = {
    "C": "Carrier judgment",
    "D": "Special coverage instructions apply",
    "I": "Not payable by Medicare",
    "M": "Non-covered by Medicare",
    "S": "Non-covered by Medicare statute",
}

ACTION = {
    "A": "Added",
    "B": "Administrative data and long description changed",
    "C": "Long description changed",
    "D": "Discontinued",
    "F": "Administrative data changed",
    "N": "No maintenance",
    "P": "Payment change",
    "R": "Re-activated",
    "S": "Short description changed",
    "T": "Miscellaneous change (BETOS, type of service)",
}

TYPE_OF_SERVICE = {
    "0": "Whole blood",
    "1": "Medical care",
    "2": "Surgery",
    "3": "Consultation",
    "4": "Diagnostic radiology",
    "5": "Diagnostic laboratory",
    "6": "Therapeutic radiology",
    "7": "Anesthesia",
    "8": "Assistant at surgery",
    "9": "Other medical items or services",
    "A": "Used DME",
    "B": "High risk screening mammography (obsolete)",
    "C": "Low risk screening mammography (obsolete)",
    "D": "Ambulance",
    "E": "Enteral/parenteral nutrients and supplies",
    "F": "Ambulatory surgical center facility",
    "G": "Immunosuppressive drugs",
    "H": "Hospice (discontinued)",
    "I": "Purchase of DME, installment basis (discontinued)",
    "J": "Diabetic shoes",
    "K": "Hearing items and services",
    "L": "ESRD supplies",
    "M": "Monthly capitation payment for dialysis",
    "N": "Kidney donor",
    "P": "Lump-sum purchase of DME, prosthetics, orthotics",
    "Q": "Vision items or services",
    "R": "Rental of DME",
    "S": "Surgical dressings or other medical supplies",
    "T": "Outpatient mental health limitation",
    "U": "Occupational therapy",
    "V": "Pneumococcal/flu vaccine",
    "W": "Physical therapy",
    "Y": "Second opinion on elective surgery (obsolete)",
    "Z": "Third opinion on elective surgery (obsolete)",
}

BETOS = {
    "M1A": "Office visits - new",
    "M1B": "Office visits - established",
    "M2A": "Hospital visit - initial",
    "M2B": "Hospital visit - subsequent",
    "M2C": "Hospital visit - critical care",
    "M3": "Emergency room visit",
    "M4A": "Home visit",
    "M4B": "Nursing home visit",
    "M5A": "Specialist - pathology",
    "M5B": "Specialist - psychiatry",
    "M5C": "Specialist - ophthalmology",
    "M5D": "Specialist - other",
    "M6": "Consultations",
    "P0": "Anesthesia",
    "P1A": "Major procedure - breast",
    "P1B": "Major procedure - colectomy",
    "P1C": "Major procedure - cholecystectomy",
    "P1D": "Major procedure - TURP",
    "P1E": "Major procedure - hysterectomy",
    "P1F": "Major procedure - explor/decompr/excis disc",
    "P1G": "Major procedure - other",
    "P2A": "Major cardiovascular - CABG",
    "P2B": "Major cardiovascular - aneurysm repair",
    "P2C": "Major cardiovascular - thromboendarterectomy",
    "P2D": "Major cardiovascular - coronary angioplasty (PTCA)",
    "P2E": "Major cardiovascular - pacemaker insertion",
    "P2F": "Major cardiovascular - other",
    "P3A": "Major orthopedic - hip fracture repair",
    "P3B": "Major orthopedic - hip replacement",
    "P3C": "Major orthopedic - knee replacement",
    "P3D": "Major orthopedic - other",
    "P4A": "Eye - corneal transplant",
    "P4B": "Eye - cataract removal/lens insertion",
    "P4C": "Eye - retinal detachment",
    "P4D": "Eye - treatment of retinal lesions",
    "P4E": "Eye - other",
    "P5A": "Ambulatory procedures - skin",
    "P5B": "Ambulatory procedures - musculoskeletal",
    "P5C": "Ambulatory procedures - inguinal hernia repair",
    "P5D": "Ambulatory procedures - lithotripsy",
    "P5E": "Ambulatory procedures - other",
    "P6A": "Minor procedures - skin",
    "P6B": "Minor procedures - musculoskeletal",
    "P6C": "Minor procedures - other (Medicare fee schedule)",
    "P6D": "Minor procedures - other (non-Medicare fee schedule)",
    "P7A": "Oncology - radiation therapy",
    "P7B": "Oncology - other",
    "P8A": "Endoscopy - arthroscopy",
    "P8B": "Endoscopy - upper gastrointestinal",
    "P8C": "Endoscopy - sigmoidoscopy",
    "P8D": "Endoscopy - colonoscopy",
    "P8E": "Endoscopy - cystoscopy",
    "P8F": "Endoscopy - bronchoscopy",
    "P8G": "Endoscopy - laparoscopic cholecystectomy",
    "P8H": "Endoscopy - laryngoscopy",
    "P8I": "Endoscopy - other",
    "P9A": "Dialysis services (Medicare fee schedule)",
    "P9B": "Dialysis services (non-Medicare fee schedule)",
    "I1A": "Standard imaging - chest",
    "I1B": "Standard imaging - musculoskeletal",
    "I1C": "Standard imaging - breast",
    "I1D": "Standard imaging - contrast gastrointestinal",
    "I1E": "Standard imaging - nuclear medicine",
    "I1F": "Standard imaging - other",
    "I2A": "Advanced imaging - CT: brain/head/neck",
    "I2B": "Advanced imaging - CT: other",
    "I2C": "Advanced imaging - MRI/MRA: brain/head/neck",
    "I2D": "Advanced imaging - MRI/MRA: other",
    "I3A": "Ultrasound - eye",
    "I3B": "Ultrasound - abdomen/pelvis",
    "I3C": "Ultrasound - heart",
    "I3D": "Ultrasound - carotid arteries",
    "I3E": "Ultrasound - prostate, transrectal",
    "I3F": "Ultrasound - other",
    "I4A": "Imaging/procedure - heart, including cardiac catheterization",
    "I4B": "Imaging/procedure - other",
    "T1A": "Lab tests - routine venipuncture (non-Medicare fee schedule)",
    "T1B": "Lab tests - automated general profiles",
    "T1C": "Lab tests - urinalysis",
    "T1D": "Lab tests - blood counts",
    "T1E": "Lab tests - glucose",
    "T1F": "Lab tests - bacterial cultures",
    "T1G": "Lab tests - other (Medicare fee schedule)",
    "T1H": "Lab tests - other (non-Medicare fee schedule)",
    "T2A": "Other tests - electrocardiograms",
    "T2B": "Other tests - cardiovascular stress tests",
    "T2C": "Other tests - EKG monitoring",
    "T2D": "Other tests - other",
    "D1A": "Medical/surgical supplies",
    "D1B": "Hospital beds",
    "D1C": "Oxygen and supplies",
    "D1D": "Wheelchairs",
    "D1E": "Other DME",
    "D1F": "Prosthetic/orthotic devices",
    "D1G": "Drugs administered through DME",
    "O1A": "Ambulance",
    "O1B": "Chiropractic",
    "O1C": "Enteral and parenteral",
    "O1D": "Chemotherapy",
    "O1E": "Other drugs",
    "O1F": "Hearing and speech services",
    "O1G": "Immunizations/vaccinations",
    "Y1": "Other - Medicare fee schedule",
    "Y2": "Other - non-Medicare fee schedule",
    "Z1": "Local codes",
    "Z2": "Undefined codes",
}


def field(record: str, name: str) -> str:
    first, last = FIELDS[name]
    return record[first - 1 : last]


def repeated(record: str, name: str) -> list[str]:
    """The non-blank occurrences of a repeated field (pricing indicators, TOS, ...)."""
    raw = field(record, name)
    width = REPEATS[name]
    parts = [raw[i : i + width].strip() for i in range(0, len(raw), width)]
    return [p for p in parts if p]


def column_of(name: str) -> int:
    return FIELDS[name][0]
