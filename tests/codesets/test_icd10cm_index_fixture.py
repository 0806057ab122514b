"""ICD-10-CM Alphabetic Index on small hand-written files in the official layouts.

``tests/fixtures/icd10cm_index/icd10cm-index-2025-sample.xml`` holds what the reconstructed
Index in ../shared lacks: <manif> (bracketed manifestation codes), <seecat>, <subcat>, text
after a <nemod>, nested parentheses in a modifier, a <warning>. These tests need no shared data.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import shutil
import zipfile
from pathlib import Path

import pytest

from medcoder.codesets.icd10cm_index import SPECS
from medcoder.codesets.icd10cm_index.reader import IndexReader
from medcoder.codesets.icd10cm_index.text import norm, split_modifiers, stem, stems
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.registry import spec
from medcoder.errors import DataImportError, FileFormatError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "icd10cm_index"
SAMPLE = FIX / "icd10cm-index-2025-sample.xml"
DRUG = FIX / "icd10cm-drug-2025-sample.xml"
NEOPLASM = FIX / "icd10cm-neoplasm-2025-sample.xml"


def _open(kb: KnowledgeBase, kind: str, source: Path) -> IndexReader:
    kb.import_file(kind, source)
    reader = kb.open(kind, "2025-01-15").reader
    assert isinstance(reader, IndexReader)
    return reader


@pytest.fixture
def index(kb: KnowledgeBase) -> IndexReader:
    return _open(kb, "icd10cm-index", SAMPLE)


# -- registry ----------------------------------------------------------------------------------


def test_specs_declare_the_four_kinds() -> None:
    kinds = {s.kind for s in SPECS}
    assert kinds == {"icd10cm-index", "icd10cm-eindex", "icd10cm-drug", "icd10cm-neoplasm"}
    for s in SPECS:
        assert spec(s.kind) is s
        assert s.reader == "medcoder.codesets.icd10cm_index.reader:IndexReader"
        assert s.sync and s.sync[-1].url.startswith("https://ftp.cdc.gov/")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("icd-10-cm-index-2025.xml", "icd10cm-index"),
        ("icd10cm-index-2026.xml", "icd10cm-index"),
        ("icd10cm_index_2025.xml", "icd10cm-index"),
        ("icd-10-cm-eindex-2025.xml", "icd10cm-eindex"),
        ("icd10cm_eindex_2025.xml", "icd10cm-eindex"),
        ("icd-10-cm-drug-2025.xml", "icd10cm-drug"),
        ("icd10cm-drug-2026.xml", "icd10cm-drug"),
        ("icd10cm_neoplasm_2025.xml", "icd10cm-neoplasm"),
        ("icd-10-cm-neoplasm-2025.xml", "icd10cm-neoplasm"),
        ("icd-10-cm-tabular-2025.xml", None),
    ],
)
def test_zip_member_patterns_pick_exactly_one_kind(name: str, kind: str | None) -> None:
    takers = {
        s.kind for s in SPECS if any(fnmatch.fnmatch(name.lower(), p.lower()) for p in s.members)
    }
    assert takers == ({kind} if kind else set())


# -- building the Index to Diseases sample ------------------------------------------------------


def test_sample_counts_and_release(kb: KnowledgeBase) -> None:
    info = kb.import_file("icd10cm-index", SAMPLE)
    assert (info.release, info.effective_from, info.effective_to) == (
        "FY2025",
        "2024-10-01",
        "2025-09-30",
    )
    assert info.rows == 30
    m = info.meta
    assert (m["main_terms"], m["letters"], m["codes"]) == (11, 6, 17)
    assert (m["manif"], m["seecat"], m["subcat"], m["warnings"]) == (4, 2, 1, 1)
    assert (m["see"], m["see_also"]) == (4, 3)


def test_text_after_nonessential_modifier(index: IndexReader) -> None:
    cyst = index.main_term("cyst")
    assert cyst is not None
    assert cyst.title == "Cyst (colloid) (mucous) (simple) (retention) NEC"
    assert cyst.plain == "Cyst NEC"
    assert cyst.modifiers == ("colloid", "mucous", "simple", "retention")
    kidney = index.children(cyst)[0]
    # "(simple)" printed outside the <nemod> is part of the title, but a step may leave it out
    assert (kidney.title, kidney.plain, kidney.modifiers) == (
        "kidney (acquired) (simple)",
        "kidney (simple)",
        ("acquired",),
    )
    assert index.walk("Cyst, kidney").code == "N28.1"


def test_nested_parentheses_in_a_modifier(index: IndexReader) -> None:
    dementia = index.main_term("Dementia")
    assert dementia is not None
    assert dementia.modifiers == ("degenerative (primary)", "old age", "persisting")
    assert dementia.title == "Dementia (degenerative (primary)) (old age) (persisting)"


def test_manifestation_codes(index: IndexReader) -> None:
    heart = index.walk("Amyloidosis, heart")
    assert heart.code == "E85.4" and heart.manif == ("I43",)
    lung = index.walk("Amyloidosis, lung involvement")  # through the "with" subterm
    assert (lung.code, lung.manif) == ("E85.4", ("J99",))
    assert lung.path == ("Amyloidosis", "with", "lung involvement")
    early = index.walk(["Disease", "Alzheimer's", "early onset"])
    assert (early.code, early.manif) == ("G30.0", ("F02.80",))


def test_see_followed_to_an_entry_with_manifestation(index: IndexReader) -> None:
    res = index.walk("Dementia, in, Alzheimer's disease")
    assert res.followed == ("Disease, Alzheimer's",)
    assert (res.code, res.manif) == ("G30.9", ("F02.80",))
    assert res.see_also == ("Syndrome",)
    # apostrophes, case and the connective "in" may all be left out
    assert index.walk("dementia, alzheimers disease").code == "G30.9"


def test_see_from_a_deep_subterm(index: IndexReader) -> None:
    res = index.walk(["Cyst", "kidney", "congenital", "multiple"])
    assert res.followed == ("Polycystic, kidney",)
    assert res.code == "Q61.3" and res.path == ("Polycystic", "kidney")
    chain = index.walk("Abdominalgia, lower, left quadrant")  # see Pain, abdominal; then on
    assert chain.code == "R10.32" and chain.found
    assert chain.see_also == ("Painful",)


def test_seecat_subcat_and_warning(index: IndexReader) -> None:
    strang = index.walk("Strangulation")
    assert strang.seecat == "T71" and strang.code is None
    assert (
        strang.term is not None
        and strang.term.warning == "see also the External Cause Index for the intent"
    )
    deep = index.walk("Asphyxia, traumatic, due to, mechanical threat to breathing")
    assert deep.seecat == "T71"
    lightning = index.walk("Lightning")
    assert lightning.subcat == "T75.0"
    burn = index.walk("Lightning, burn")
    assert burn.unresolved_see == "Burn"  # "see Burn": not an entry of this small file


def test_search_on_the_sample(index: IndexReader) -> None:
    top = index.search("amyloid heart")[0]
    assert top.path == ("Amyloidosis", "heart")
    assert (top.code, top.manif) == ("E85.4", ("I43",))
    hits = index.search("alzheimer dementia")
    assert hits[0].path == ("Dementia", "in", "Alzheimer's disease")
    assert hits[0].see_code == "G30.9"
    assert index.search("pain abdominal lower left")[0].code == "R10.32"


def test_card_for_a_manifestation_code(index: IndexReader) -> None:
    card = index.card("F02.80")
    assert card is not None
    assert card["count"] == 2
    assert {e["role"] for e in card["entries"]} == {"manifestation"}
    assert card["entries"][0]["code_first"] == "G30.9"
    amyl = index.card("E85.4")
    assert amyl is not None and amyl["entries"][0]["manif"] == ["I43"]
    assert index.card("A00.0") is None


# -- tables ----------------------------------------------------------------------------------


def test_drug_table_sample(kb: KnowledgeBase) -> None:
    drug = _open(kb, "icd10cm-drug", DRUG)
    acet = drug.table_row(["Acetaminophen"])
    assert acet is not None and acet["Poisoning Assault"] == "T39.1X3"
    carbon = drug.table_row("Carbon, monoxide")
    assert carbon is not None
    assert carbon["Poisoning Undetermined"] == "T58.94" and carbon["Underdosing"] is None
    para = drug.walk("Paracetamol")
    assert para.followed == ("Acetaminophen",) and para.cells["Underdosing"] == "T39.1X6"
    assert drug.table_row("Carbon") is None  # a heading row with no cells


def test_neoplasm_table_sample(kb: KnowledgeBase) -> None:
    neo = _open(kb, "icd10cm-neoplasm", NEOPLASM)
    upper = neo.table_row("lung, upper lobe")
    assert upper is not None and upper["Malignant Primary"] == "C34.1-"
    assert neo.walk("pulmonary").cells["Malignant Secondary"] == "C78.0-"
    assert neo.card("C34.11") is not None


# -- sources ---------------------------------------------------------------------------------


def test_import_from_a_release_zip_takes_the_right_member(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    z = tmp_path / "2025-code-tables-tabular-and-index.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(SAMPLE, "Table and Index/icd10cm_index_2025.xml")
        zf.write(DRUG, "Table and Index/icd10cm_drug_2025.xml")
        zf.writestr("Table and Index/icd10cm_tabular_2025.xml", "<ICD10CM.tabular/>")
    info = kb.import_file("icd10cm-index", z)
    assert info.meta["file"] == "icd10cm_index_2025.xml" and info.rows == 30
    drug = kb.import_file("icd10cm-drug", z)
    assert drug.meta["file"] == "icd10cm_drug_2025.xml"
    with pytest.raises(DataImportError, match="no member matching"):
        kb.import_file("icd10cm-eindex", z)


def test_april_update_release(kb: KnowledgeBase, tmp_path: Path) -> None:
    src = tmp_path / "icd10cm-index-April-2025.xml"
    shutil.copy(SAMPLE, src)
    info = kb.import_file("icd10cm-index", src)
    assert (info.release, info.effective_from, info.effective_to) == (
        "FY2025-April",
        "2025-04-01",
        "2025-09-30",
    )


def test_year_from_the_file_name_when_version_is_missing(kb: KnowledgeBase, tmp_path: Path) -> None:
    src = tmp_path / "icd10cm-index-2024.xml"
    src.write_text(SAMPLE.read_text().replace("<version>2025</version>", ""))
    info = kb.import_file("icd10cm-index", src)
    assert info.release == "FY2024" and info.start == _dt.date(2023, 10, 1)


def test_truncated_file_names_the_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    src = tmp_path / "icd10cm-index-2025.xml"
    lines = SAMPLE.read_text().splitlines(keepends=True)
    src.write_text("".join(lines[:40]))
    with pytest.raises(FileFormatError) as err:
        kb.import_file("icd10cm-index", src)
    assert "truncated" in str(err.value)
    assert err.value.line == 40 or err.value.line == 41
    assert kb.store.tables() == []


# -- text rules ------------------------------------------------------------------------------


def test_stemming_meets_plural_and_adjective_forms() -> None:
    assert stem("fractures") == stem("fracture")
    assert stem("injuries") == stem("injury")
    assert stem("diabetes") == stem("diabetic")
    assert stem("abscesses") == "abscess"
    assert stem("radius") == "radius" and stem("pelvis") == "pelvis"
    assert stems("Charcot's joints") == ("charcot", "joint")


def test_modifier_splitting_and_keys() -> None:
    assert split_modifiers("(mellitus) (sugar)") == ["mellitus", "sugar"]
    assert split_modifiers("(degenerative (primary)) (old age)") == [
        "degenerative (primary)",
        "old age",
    ]
    assert norm("Diabetes, diabetic (mellitus) (sugar)") == "diabetes, diabetic"
    assert norm("Charcot's  joints") == "charcots joints"
