"""Engines, sessions and migrations for the workbench database.

SQLite (the embedded default): one file, WAL journal, foreign keys on, a busy timeout, and every
transaction opened with ``BEGIN IMMEDIATE`` so that writers from several threads or processes
queue for the write lock instead of failing half-way; a session from ``read_session_factory``
(reads only: sign-in checks, the worklist, history) opens a plain deferred ``BEGIN`` instead,
which under WAL neither waits for nor blocks a writer. PostgreSQL: ``postgresql+psycopg://``.
Migrations are Alembic's, shipped in ``medcoder.workbench.migrations`` and run programmatically
(``migrate(engine)``); no ``alembic.ini`` is needed.

On both, a statement whose parameters hold a text with a NUL character (PostgreSQL refuses it in
a text column or a comparison; SQLite would store it) or an integer beyond 64 bits (SQLite's
driver overflows) is refused before it is sent, with an ``InputError`` naming the parameter (never
its value): whatever the request, the store answers the same way and never with a driver error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from medcoder.errors import InputError

__all__ = ["alembic_config", "check_parameters", "current_revision", "head_revision", "make_engine",
           "migrate", "read_session_factory", "session_factory", "transaction"]

BUSY_TIMEOUT_MS = 30_000
#: the execution option that marks a read-only session (SQLite opens it with a deferred BEGIN)
READ_ONLY = "medcoder_read_only"
_INT64 = 2**63


def _bad_value(value: Any) -> str | None:
    """What is wrong with one statement parameter for every store, or None."""
    if isinstance(value, str) and "\x00" in value:
        return "holds a NUL character (U+0000), which cannot be stored or searched; remove it"
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return "is an integer beyond 64 bits"
    return None


def check_parameters(parameters: Any, names: Any = None) -> None:
    """Raise ``InputError`` when a statement parameter could not be sent to every store (see the
    module docstring); ``parameters`` is a mapping, a sequence (``names``: the bind names in
    order, when known), or a list of them (executemany)."""
    groups = parameters if isinstance(parameters, list) else [parameters]
    for group in groups:
        if isinstance(group, dict):
            items: Any = group.items()
        elif isinstance(group, tuple):
            known = list(names or ())[:len(group)]
            items = zip(known + [None] * (len(group) - len(known)), group, strict=True)
        else:
            continue
        for name, value in items:
            why = _bad_value(value)
            if why is not None:
                field = str(name).rsplit("_", 1)[0] if name and str(name)[-1:].isdigit() else name
                raise InputError(f"a value {why}", where=str(field or "request"))


def _refuse_bad_parameters(_conn: Any, _cursor: Any, _statement: str, parameters: Any,
                           context: Any, _executemany: bool) -> None:
    compiled = getattr(context, "compiled", None)
    check_parameters(parameters, getattr(compiled, "positiontup", None))


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its pragmas and ``BEGIN IMMEDIATE`` on every transaction."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            read = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        event.listen(engine, "before_cursor_execute", _refuse_bad_parameters)
        return engine
    engine = create_engine(parsed, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _refuse_bad_parameters)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads only: on SQLite their transactions take no write lock (a write in one
    would fail with "database is locked" under contention, so none is made)."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine | None = None) -> Any:
    """An Alembic ``Config`` pointing at the packaged migrations (and ``engine``, when given)."""
    from alembic.config import Config

    cfg = Config()
    location = resources.files("medcoder.workbench") / "migrations"
    cfg.set_main_option("script_location", str(location))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
