"""CPT (AMA): code-number checks and medcoder's own labels; descriptors only from a licensed file.

No CPT descriptor ships with medcoder. ``is_cpt_format``, ``family``, ``label`` and
``card_without_licence`` work with no data loaded. A user with an AMA licence imports their
descriptor file (``medcoder data import cpt LONGULT.txt``) and ``CptReader.descriptor`` then
answers from it.
"""

from __future__ import annotations

from medcoder.codesets.cpt.codes import (
    Family,
    card_without_licence,
    category,
    family,
    is_cpt_format,
    label,
)
from medcoder.codesets.registry import KindSpec

SPECS = [
    KindSpec(
        kind="cpt",
        title="CPT descriptors (your licensed AMA file)",
        builder="medcoder.codesets.cpt.builder:CptBuilder",
        reader="medcoder.codesets.cpt.reader:CptReader",
        members=("LONGUL*.txt", "LONGU*.txt", "MEDU*.txt", "SHORTU*.txt", "*.tsv", "*.txt"),
        official_source=(
            "American Medical Association, CPT data files (licensed; www.ama-assn.org/practice-"
            "management/cpt/cpt-licensing). medcoder ships none: import your own licensed file"
        ),
        licence="AMA licence required (CPT is copyrighted by the American Medical Association)",
        sync=(),
    ),
]

__all__ = [
    "SPECS",
    "Family",
    "card_without_licence",
    "category",
    "family",
    "is_cpt_format",
    "label",
]
