"""Fixtures for the workbench store/service tests.

Every test that takes ``db_url`` runs on SQLite (a fresh file in tmp_path) and on PostgreSQL
when ``MEDCODER_TEST_POSTGRES_URL`` names a database (e.g.
``postgresql+psycopg://postgres@/medcoder_test?host=/tmp&port=55432``); each PostgreSQL test gets
its own fresh schema (created, put first on the search_path, dropped afterwards), so tests never
see each other's tables. Without the variable the PostgreSQL runs are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.workbench import Actor, Settings, Workbench

PG_ENV = "MEDCODER_TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-" + "k" * 40
ROLE_USERS = ("admin", "coder", "biller", "auditor")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workbench.sqlite'}"
        return
    yield from _postgres_url()


@pytest.fixture(params=["sqlite", "postgres"])
def wb_url(request: pytest.FixtureRequest, tmp_path: Path, _migrated_sqlite: Path) -> Iterator[str]:
    """Like ``db_url``, but the SQLite file is already migrated (a copy of the template)."""
    if request.param == "sqlite":
        target = tmp_path / "workbench.sqlite"
        shutil.copyfile(_migrated_sqlite, target)
        yield f"sqlite:///{target}"
        return
    yield from _postgres_url()


def _postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: the PostgreSQL runs need a server "
                    "(e.g. postgresql+psycopg://postgres@/medcoder_test?host=/tmp&port=55432)")
    from sqlalchemy import create_engine, text

    schema = "wbt_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _light_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs so that each test's users hash quickly on a busy machine;
    ``test_wb_security`` checks the production parameters separately."""
    from argon2 import PasswordHasher

    from medcoder.workbench import security

    monkeypatch.setattr(security, "_hasher",
                        lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once; each test copies it (upgrades from empty are
    tested in test_wb_store)."""
    from medcoder.workbench.store.db import make_engine, migrate

    path = tmp_path_factory.mktemp("wb-template") / "workbench.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


def make_settings(db_url: str, kb: KnowledgeBase, **kw: Any) -> Settings:
    return Settings(database_url=db_url, secret_key=TEST_SECRET, env="test",
                    data_dir=str(kb.store.root), **kw)


@pytest.fixture
def wb(wb_url: str, coding_kb: KnowledgeBase) -> Iterator[Workbench]:
    bench = Workbench.open(make_settings(wb_url, coding_kb), kb=coding_kb)
    try:
        yield bench
    finally:
        bench.close()


@pytest.fixture
def actors(wb: Workbench) -> dict[str, Actor]:
    """One user per role (the admin bootstraps, then creates the others)."""
    wb.create_user(None, "admin", "admin-password", "admin")
    admin = wb.authenticate("admin", "admin-password")
    out = {"admin": admin}
    for role in ROLE_USERS[1:]:
        user = wb.create_user(admin, role, f"{role}-password", role)
        out[role] = Actor(user["id"], role, role)
    return out
