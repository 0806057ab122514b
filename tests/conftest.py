"""Shared test fixtures.

Tests that read official files take them from ``../shared/data`` beside the checkout (or
``$MEDCODER_SHARED``); when it is absent they are skipped with that reason. Every test gets
its own empty data dir through ``MEDCODER_DATA``; the ICD-10-CM tabular, which takes a few
seconds to build, is built once per session and copied in by ``tabular_kb``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.store import DataStore

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MEDCODER_SHARED", REPO.parent / "shared")).resolve()
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip(f"../shared/data is absent (looked in {data}); official-file tests need it")
    return data


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "medcoder-data"
    monkeypatch.setenv("MEDCODER_DATA", str(d))
    return d


@pytest.fixture
def data_dir(_isolated_data_dir: Path) -> Path:
    return _isolated_data_dir


@pytest.fixture
def kb(data_dir: Path) -> KnowledgeBase:
    return KnowledgeBase(DataStore(data_dir))


@pytest.fixture(scope="session")
def _built_tabular(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tabular-cache")
    KnowledgeBase(DataStore(root)).install_bundled("icd10cm-tabular")
    return root


@pytest.fixture(scope="session")
def coding_kb(_built_tabular: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """One knowledge base (the bundled ICD-10-CM tabular) shared by the tests that only code
    notes with it: the coder built over it is reused. Tests that import tables into their
    knowledge base use ``tabular_kb``, which is their own."""
    d = tmp_path_factory.mktemp("coding-kb")
    shutil.copytree(_built_tabular, d, dirs_exist_ok=True)
    return KnowledgeBase(DataStore(d))


@pytest.fixture
def tabular_kb(_built_tabular: Path, data_dir: Path) -> KnowledgeBase:
    """A knowledge base whose data dir already holds the bundled ICD-10-CM tabular."""
    shutil.copytree(_built_tabular, data_dir, dirs_exist_ok=True)
    return KnowledgeBase(DataStore(data_dir))
