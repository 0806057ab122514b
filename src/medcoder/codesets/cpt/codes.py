"""CPT code numbers without AMA text: shape, section (family) by number range, our own labels.

CPT descriptors are licensed by the AMA and never ship with medcoder. What ships is:

* the shape of a code number (``is_cpt_format``): Category I ``NNNNN``, Category II ``NNNNF``,
  Category III ``NNNNT``, Proprietary Laboratory Analyses ``NNNNU``;
* the section a Category I number falls in (``family``), from the published number ranges;
* ``medcoder/data/cpt_families.csv``: short neutral labels, written by the medcoder authors, for
  the code numbers medcoder codes by rule (``label``). They name what the code is for so a
  coder can recognise it; they are not, and do not reproduce, the CPT descriptors.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from medcoder.errors import DataError

_FORMAT = re.compile(r"^[0-9]{4}[0-9FTU]$")


@dataclass(frozen=True)
class Family:
    section: str
    subsection: str | None = None


# (first, last, section) for Category I; checked in order (E/M before Medicine). Subsections:
# the narrowest range holding the number wins.
_SECTIONS: tuple[tuple[int, int, str], ...] = (
    (99202, 99499, "Evaluation and Management"),
    (100, 1999, "Anesthesia"),
    (10004, 69990, "Surgery"),
    (70010, 79999, "Radiology"),
    (80047, 89398, "Pathology and Laboratory"),
    (90281, 99199, "Medicine"),
    (99500, 99607, "Medicine"),
)
_SUBSECTIONS: tuple[tuple[int, int, str], ...] = (
    # Evaluation and Management
    (99202, 99205, "Office/outpatient visit, new patient"),
    (99211, 99215, "Office/outpatient visit, established patient"),
    (99221, 99223, "Hospital inpatient/observation care, initial"),
    (99231, 99233, "Hospital inpatient/observation care, subsequent"),
    (99234, 99236, "Hospital inpatient/observation care, same-day admit and discharge"),
    (99238, 99239, "Hospital inpatient/observation discharge"),
    (99242, 99255, "Consultations"),
    (99281, 99288, "Emergency department services"),
    (99291, 99292, "Critical care"),
    (99304, 99316, "Nursing facility services"),
    (99341, 99350, "Home or residence visits"),
    (99358, 99359, "Prolonged services"),
    (99360, 99380, "Standby, team conferences and care plan oversight"),
    (99381, 99397, "Preventive medicine visits"),
    (99401, 99412, "Preventive counselling and risk-factor reduction"),
    (99415, 99418, "Prolonged services"),
    (99421, 99423, "Online digital E/M services"),
    (99441, 99458, "Non-face-to-face and remote services"),
    (99460, 99486, "Newborn, neonatal and pediatric critical care"),
    (99487, 99491, "Care management"),
    (99492, 99494, "Psychiatric collaborative care"),
    (99495, 99496, "Transitional care management"),
    (99497, 99498, "Advance care planning"),
    # Anesthesia (by body region)
    (100, 222, "Anesthesia: head"),
    (300, 352, "Anesthesia: neck"),
    (400, 474, "Anesthesia: thorax (chest wall and shoulder girdle)"),
    (500, 580, "Anesthesia: intrathoracic"),
    (600, 670, "Anesthesia: spine and spinal cord"),
    (700, 797, "Anesthesia: upper abdomen"),
    (800, 882, "Anesthesia: lower abdomen"),
    (902, 952, "Anesthesia: perineum"),
    (1112, 1173, "Anesthesia: pelvis (except hip)"),
    (1200, 1274, "Anesthesia: upper leg (except knee)"),
    (1320, 1444, "Anesthesia: knee and popliteal area"),
    (1462, 1522, "Anesthesia: lower leg"),
    (1610, 1682, "Anesthesia: shoulder and axilla"),
    (1710, 1782, "Anesthesia: upper arm and elbow"),
    (1810, 1860, "Anesthesia: forearm, wrist and hand"),
    (1916, 1936, "Anesthesia: radiological procedures"),
    (1951, 1953, "Anesthesia: burn excision or debridement"),
    (1958, 1969, "Anesthesia: obstetric"),
    (1990, 1999, "Anesthesia: other procedures"),
    # Surgery
    (10004, 19499, "Integumentary system"),
    (20100, 29999, "Musculoskeletal system"),
    (30000, 32999, "Respiratory system"),
    (33016, 37799, "Cardiovascular system"),
    (38100, 38999, "Hemic and lymphatic systems"),
    (39000, 39599, "Mediastinum and diaphragm"),
    (40490, 49999, "Digestive system"),
    (50010, 53899, "Urinary system"),
    (54000, 55899, "Male genital system"),
    (55920, 55980, "Reproductive system and intersex"),
    (56405, 58999, "Female genital system"),
    (59000, 59899, "Maternity care and delivery"),
    (60000, 60699, "Endocrine system"),
    (61000, 64999, "Nervous system"),
    (65091, 68899, "Eye and ocular adnexa"),
    (69000, 69979, "Auditory system"),
    (69990, 69990, "Operating microscope"),
    # Radiology
    (70010, 76499, "Diagnostic radiology (imaging)"),
    (76506, 76999, "Diagnostic ultrasound"),
    (77001, 77022, "Radiologic guidance"),
    (77046, 77067, "Breast imaging"),
    (77071, 77092, "Bone and joint studies"),
    (77261, 77799, "Radiation oncology"),
    (78012, 79999, "Nuclear medicine"),
    # Pathology and Laboratory
    (80047, 80081, "Organ or disease-oriented panels"),
    (80143, 80377, "Drug assays and drug testing"),
    (80400, 80439, "Evocative/suppression testing"),
    (80503, 80506, "Pathology clinical consultations"),
    (81000, 81099, "Urinalysis"),
    (81105, 81479, "Molecular pathology"),
    (81490, 81599, "Multianalyte assays with algorithmic analyses"),
    (82009, 84999, "Chemistry"),
    (85002, 85999, "Hematology and coagulation"),
    (86000, 86849, "Immunology"),
    (86850, 86999, "Transfusion medicine"),
    (87003, 87999, "Microbiology"),
    (88000, 88099, "Anatomic pathology (postmortem)"),
    (88104, 88199, "Cytopathology"),
    (88230, 88299, "Cytogenetic studies"),
    (88300, 88399, "Surgical pathology"),
    (88720, 88749, "In vivo laboratory procedures"),
    (89049, 89240, "Other laboratory procedures"),
    (89250, 89398, "Reproductive medicine laboratory procedures"),
    # Medicine
    (90281, 90399, "Immune globulins"),
    (90460, 90474, "Immunization administration"),
    (90480, 90480, "Immunization administration"),
    (90476, 90759, "Vaccines and toxoids"),
    (90785, 90899, "Psychiatry"),
    (90901, 90913, "Biofeedback"),
    (90935, 90999, "Dialysis"),
    (91010, 91299, "Gastroenterology"),
    (92002, 92499, "Ophthalmology"),
    (92502, 92700, "Otorhinolaryngologic services"),
    (92920, 93799, "Cardiovascular"),
    (93880, 93998, "Noninvasive vascular diagnostic studies"),
    (94002, 94799, "Pulmonary"),
    (95004, 95199, "Allergy and clinical immunology"),
    (95249, 95251, "Endocrinology"),
    (95700, 96020, "Neurology and neuromuscular procedures"),
    (96105, 96171, "Central nervous system assessments and health behavior"),
    (96360, 96549, "Hydration, injections, infusions and chemotherapy administration"),
    (96567, 96574, "Photodynamic therapy"),
    (96900, 96999, "Special dermatological procedures"),
    (97010, 97799, "Physical medicine and rehabilitation"),
    (97802, 97804, "Medical nutrition therapy"),
    (97810, 97814, "Acupuncture"),
    (98925, 98929, "Osteopathic manipulative treatment"),
    (98940, 98943, "Chiropractic manipulative treatment"),
    (99000, 99082, "Special services and reports"),
    (99100, 99140, "Qualifying circumstances for anesthesia"),
    (99151, 99157, "Moderate sedation"),
    (99500, 99607, "Home health procedures and medication therapy management"),
)


def normalize(code: str) -> str:
    return code.strip().upper().replace(" ", "")


def is_cpt_format(code: str) -> bool:
    """Shaped like a CPT code: 5 digits, or 4 digits and F (Cat. II), T (Cat. III) or U (PLA)."""
    return bool(_FORMAT.match(normalize(code)))


def category(code: str) -> str | None:
    """``I``, ``II``, ``III`` or ``PLA`` by the code's shape; None when not CPT-shaped."""
    c = normalize(code)
    if not _FORMAT.match(c):
        return None
    return {"F": "II", "T": "III", "U": "PLA"}.get(c[-1], "I")


def family(code: str) -> Family | None:
    """The CPT section (and subsection where known) a code number falls in, by number range."""
    c = normalize(code)
    cat = category(c)
    if cat is None:
        return None
    if cat == "II":
        return Family("Category II (performance measurement)")
    if cat == "III":
        return Family("Category III (emerging technology)")
    if cat == "PLA":
        return Family("Proprietary Laboratory Analyses")
    n = int(c)
    section = next((name for lo, hi, name in _SECTIONS if lo <= n <= hi), None)
    if section is None:
        return None
    subs = [(hi - lo, name) for lo, hi, name in _SUBSECTIONS if lo <= n <= hi]
    return Family(section, min(subs)[1] if subs else None)


@dataclass(frozen=True)
class Label:
    code: str
    label: str
    group: str


def _labels_text() -> str:
    return (
        resources.files("medcoder").joinpath("data", "cpt_families.csv").read_text(encoding="utf-8")
    )


def parse_labels(text: str, where: str = "cpt_families.csv") -> dict[str, Label]:
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != ("code", "label", "group"):
        raise DataError(
            f"expected columns code,label,group, found {reader.fieldnames}", where=where
        )
    out: dict[str, Label] = {}
    for i, row in enumerate(reader, start=2):
        code = normalize(row["code"] or "")
        if not is_cpt_format(code):
            raise DataError(f"{code!r} is not a CPT code number", where=f"{where}:{i}")
        if code in out:
            raise DataError(f"{code} is listed twice", where=f"{where}:{i}")
        text_label = (row["label"] or "").strip()
        if not text_label:
            raise DataError(f"{code} has no label", where=f"{where}:{i}")
        out[code] = Label(code, text_label, (row["group"] or "").strip())
    return out


@cache
def labels() -> dict[str, Label]:
    """Our own short labels for the CPT numbers medcoder codes by rule (read once)."""
    return parse_labels(_labels_text())


def label(code: str) -> str | None:
    """medcoder's own short label for a CPT number (no licensed data needed), or None."""
    hit = labels().get(normalize(code))
    return hit.label if hit else None


def card_without_licence(code: str) -> dict[str, Any] | None:
    """The code card when no licensed CPT table is loaded: number, family, our label.

    None when the code is not CPT-shaped.
    """
    c = normalize(code)
    if not is_cpt_format(c):
        return None
    fam = family(c)
    hit = labels().get(c)
    return {
        "system": "CPT",
        "code": c,
        "title": hit.label if hit else None,
        "title_source": "medcoder label (not the AMA descriptor)" if hit else None,
        "category": category(c),
        "family": fam.section if fam else None,
        "subfamily": fam.subsection if fam else None,
        "group": hit.group if hit else None,
        "descriptor": None,
        "licence_note": (
            "CPT descriptors are AMA-licensed and not shipped; import your licensed descriptor "
            "file with `medcoder data import cpt FILE` to see them"
        ),
    }
