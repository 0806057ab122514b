"""Alembic environment: migrate the engine handed over in ``config.attributes["engine"]``
(or ``sqlalchemy.url``); the target metadata is the workbench models'."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from medcoder.workbench.store.db import make_engine
from medcoder.workbench.store.models import Base

config = context.config
target_metadata = Base.metadata


def _engine() -> Engine:
    engine: Engine | None = config.attributes.get("engine")
    if engine is not None:
        return engine
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no engine and no sqlalchemy.url given to the workbench migrations")
    return make_engine(url)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
