"""Code spellings: the corpus form (lower-case, dotted) and the printed form (upper-case, dotted).

CodiEsp writes ICD-10-CM codes lower-case with the dot ("r69", "n28.1", "f17.210") and
ICD-10-PCS codes lower-case, either complete ("bw03zzz") or cut after the fourth character
("bn20": the annotators could not tell the rest from the case report). medcoder prints codes
upper-case as the code books do ("N28.1", "BW03ZZZ").

Which system a bare code belongs to (``infer_system``):

- it has a dot, or has 3, 5 or 6 characters: ICD-10-CM ("F17210" is "F17.210" undotted);
- 4 or 7 characters without a dot, none of them I or O: ICD-10-PCS, complete or partial.

So a 4-character ICD-10-CM code must be written with its dot ("N28.1", not "N281"), as the
corpus and the code books write it; callers that hold undotted codes pass ``system``.
"""

from __future__ import annotations

import re

CM = "ICD-10-CM"
PCS = "ICD-10-PCS"

_CM_SHAPE = re.compile(r"^[a-z][0-9][0-9a-z](\.[0-9a-z]{1,4})?$")
# PCS uses every digit and letter except I and O; CodiEsp also accepts the first four axes
_PCS_SHAPE = re.compile(r"^[0-9a-hj-np-z]{4}([0-9a-hj-np-z]{3})?$")


def infer_system(code: str) -> str:
    bare = code.strip().lower()
    if "." not in bare and _PCS_SHAPE.match(bare):
        return PCS
    return CM


def _dotted(code: str) -> str:
    bare = code.replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def corpus_code(code: str, system: str | None = None) -> str:
    """The CodiEsp spelling: "N28.1" -> "n28.1", "N281" -> "n28.1", "BW03ZZZ" -> "bw03zzz"."""
    code = code.strip()
    system = system or infer_system(code)
    return (_dotted(code) if system == CM else code.replace(".", "")).lower()


def display_code(code: str, system: str | None = None) -> str:
    """The printed spelling: "n28.1" -> "N28.1", "bw03zzz" -> "BW03ZZZ"."""
    code = code.strip()
    system = system or infer_system(code)
    return (_dotted(code) if system == CM else code.replace(".", "")).upper()


def category(code: str) -> str:
    """The first three characters (ICD-10-CM category; PCS section, body system, operation)."""
    return code.replace(".", "")[:3]


def is_valid_shape_d(code: str) -> bool:
    """A corpus-form ICD-10-CM code by its shape (the default stand-in for the valid-code list)."""
    return bool(_CM_SHAPE.match(code))


def is_valid_shape_p(code: str) -> bool:
    """A corpus-form ICD-10-PCS code, complete or cut after four characters, by its shape."""
    return bool(_PCS_SHAPE.match(code))
