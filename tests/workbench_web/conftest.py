from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wbweb_support import World, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, coding_kb: Any) -> Iterator[World]:
    """One workbench (temp SQLite) and app per test module; tests that change an encounter
    ingest their own."""
    w = make_world(Path(tmp_path_factory.mktemp("wbweb")), coding_kb)
    yield w
    w.client.close()
    w.wb.close()


@pytest.fixture(scope="module")
def coded(world: World) -> int:
    """An encounter coded and left untouched (read-only tests)."""
    return world.ingest()
