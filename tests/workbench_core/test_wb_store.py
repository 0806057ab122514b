"""The store: migrations from an empty database on both backends, models == head migration."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from medcoder.workbench.store.db import (
    current_revision,
    head_revision,
    make_engine,
    migrate,
)
from medcoder.workbench.store.models import Base

TABLES = {"users", "api_tokens", "encounters", "events", "jobs", "access_log", "remits"}


def test_migrate_from_empty_to_head_and_models_match(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == head_revision() == "0002"
        names = set(inspect(engine).get_table_names())
        assert names >= TABLES | {"alembic_version"}
        with engine.connect() as conn:  # `alembic check`: nothing left to autogenerate
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        migrate(engine)  # idempotent at head
        assert current_revision(engine) == "0002"
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        from alembic import command

        from medcoder.workbench.store.db import alembic_config

        command.downgrade(alembic_config(engine), "base")
        assert not (set(inspect(engine).get_table_names()) & TABLES)
    finally:
        engine.dispose()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'w.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert (tmp_path / "sub" / "w.sqlite").exists()
    finally:
        engine.dispose()
