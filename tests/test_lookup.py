"""`lookup` and `show` with the official Alphabetic Index loaded: the coder's path, then the Tabular."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medcoder.codesets.cards import code_cards
from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.lookup import lookup
from medcoder.codesets.store import DataStore
from medcoder.errors import InputError


@pytest.fixture(scope="module")
def _built(_built_tabular: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("index-kb")
    shutil.copytree(_built_tabular, root, dirs_exist_ok=True)
    kb = KnowledgeBase(DataStore(root))
    d = shared_data / "icd10cm"
    kb.import_file("icd10cm-index", d / "icd10cm-index-2025-reconstructed.xml")
    kb.import_file("icd10cm-drug", d / "icd-10-cm-drug-2025.xml")
    return root


@pytest.fixture
def index_kb(_built: Path, data_dir: Path) -> KnowledgeBase:
    shutil.copytree(_built, data_dir, dirs_exist_ok=True)
    return KnowledgeBase(DataStore(data_dir))


def test_a_comma_path_is_walked_like_a_coder(index_kb: KnowledgeBase) -> None:
    res = lookup("Diabetes, type 2, with, chronic kidney disease", "2025-06-01", kb=index_kb)
    (walk,) = [w for w in res["walks"] if w["source"] == "icd10cm-index"]
    assert walk["code"] == "E11.22"
    assert walk["path"] == ["Diabetes, diabetic", "type 2", "with", "chronic kidney disease"]
    # the FY2025 index covers 2025-06-01; the bundled April 2026 tabular does not, and says so
    (notice,) = res["notices"]
    assert "before the oldest icd10cm-tabular release" in notice


def test_words_find_index_paths_then_tabular_titles(index_kb: KnowledgeBase) -> None:
    res = lookup("diabetes with ckd", "2026-05-01", kb=index_kb)
    assert res["index"][0]["code"] == "E11.22" or "E11.22" in [h.get("code") for h in res["index"][:5]]
    assert "E11.22" in [h["code"] for h in res["tabular"][:5]]
    assert any("icd10cm-index FY2025" in n for n in res["notices"])


def test_drug_table_cells_by_column(index_kb: KnowledgeBase) -> None:
    res = lookup("acetaminophen", "2025-06-01", kb=index_kb)
    top = next(h for h in res["index"] if h["source"] == "icd10cm-drug")
    assert top["path"] == ["Acetaminophen"]
    assert top["cells"]["Poisoning Accidental (unintentional)"] == "T39.1X1"


def test_show_lists_index_entries_leading_to_the_code(index_kb: KnowledgeBase) -> None:
    (card,) = code_cards("E11.22", "2026-05-01", kb=index_kb)
    texts = [e["text"] for e in card["index_entries"]]
    assert "Diabetes, diabetic > type 2 > with > chronic kidney disease" in texts


def test_empty_lookup_is_refused(tabular_kb: KnowledgeBase) -> None:
    with pytest.raises(InputError):
        lookup("   ", kb=tabular_kb)
