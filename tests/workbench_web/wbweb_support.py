"""Helpers of the workbench web tests: a workbench over a temp SQLite with one user and token per
role, the app over it, and a TestClient (imported with starlette's httpx notice silenced)."""

from __future__ import annotations

import json
import os
import re
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # "install httpx2": httpx works the same here
    from fastapi.testclient import TestClient

from medcoder.workbench.security import Actor
from medcoder.workbench.service import Workbench
from medcoder.workbench.settings import Settings
from medcoder.workbench.web import create_app

__all__ = ["EXAMPLES", "PATIENT", "PG_ENV", "ROLES", "SECRET", "TestClient", "World", "csrf_of",
           "make_world", "postgres_schema_url"]

ROLES = ("coder", "biller", "auditor", "admin")
PG_ENV = "MEDCODER_TEST_POSTGRES_URL"
SECRET = "wbweb-test-secret-0123456789abcdef-xyz"
PASSWORD = "correct horse battery"
EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "medcoder" / "examples"
PATIENT = {"last_name": "Doe", "first_name": "John", "birth_date": "1950-03-02", "sex": "M",
           "member_id": "1EG4TE5MK73",
           "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL", "zip": "62704"}}


@dataclass
class World:
    settings: Settings
    wb: Workbench
    client: TestClient
    tokens: dict[str, str]
    actors: dict[str, Actor]
    password: str = PASSWORD
    extra: dict[str, Any] = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def app(self, **overrides: Any) -> TestClient:
        """Another app over the same workbench with other settings (limits)."""
        s = Settings(**{**self.settings.__dict__, **overrides})
        return TestClient(create_app(s, workbench=self.wb))

    def ingest(self, path: Path | None = None, *, data: bytes | None = None, name: str = "note.json",
               patient: dict[str, Any] | None = None, code: bool = True) -> int:
        body = data if data is not None else (path or EXAMPLES / "office-diabetes-ckd.json").read_bytes()
        form = {"patient": json.dumps(patient)} if patient else {}
        r = self.client.post("/api/v1/documents", files={"file": (name, body)}, data=form,
                             headers=self.h("coder"))
        assert r.status_code == 201, r.text
        if code:
            self.wb.run_pending(worker_id="test")
        return int(r.json()["id"])


def make_world(tmp: Path, kb: Any, *, database_url: str | None = None, **overrides: Any) -> World:
    """A workbench over ``database_url`` (default: a SQLite file in ``tmp``), its users, tokens
    and app."""
    settings = Settings(env="test", secret_key=SECRET,
                        database_url=database_url or f"sqlite:///{tmp / 'wb.sqlite'}",
                        job_threads=0, **overrides)
    wb = Workbench.open(settings, kb=kb)
    admin_user = wb.create_user(None, "admin", PASSWORD, "admin")
    actors = {"admin": Actor(int(admin_user["id"]), "admin", "admin")}
    for role in ROLES[:3]:
        u = wb.create_user(actors["admin"], role, PASSWORD, role)
        actors[role] = Actor(int(u["id"]), role, role)
    tokens = {role: wb.issue_token(actor, "tests") for role, actor in actors.items()}
    client = TestClient(create_app(settings, workbench=wb))
    return World(settings, wb, client, tokens, actors)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "the page carries no CSRF token"
    return m.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log the client in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": csrf_of(page.text), "next": "/worklist"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/worklist").text)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL of the PostgreSQL database named by ``MEDCODER_TEST_POSTGRES_URL`` whose search_path
    is a fresh schema (dropped afterwards); the test is skipped when the variable is not set."""
    import pytest
    from sqlalchemy import create_engine, text

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: the PostgreSQL runs need a server "
                    "(e.g. postgresql+psycopg://postgres@/medcoder_test?host=/tmp&port=55432)")
    schema = "wbw_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
