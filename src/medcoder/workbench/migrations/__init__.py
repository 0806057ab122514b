"""Alembic migrations of the workbench database (run by ``medcoder.workbench.store.db.migrate``)."""
