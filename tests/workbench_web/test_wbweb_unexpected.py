"""A bug inside a request (an exception medcoder did not expect) answers a 500 problem+json and
is logged with its type and frames only: the exception's message, which could quote the note,
reaches neither the user nor the log, and it is not re-raised to the server (whose own error
log would print the message)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from wbweb_support import World

from medcoder.workbench.web import create_app

MARKER = "Patient-specific words ZQX-7731 from a note"


def test_a_bug_answers_500_without_its_message(world: World, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError(MARKER)

    # the workbench method the route calls fails like a bug would; the app under test is real
    monkeypatch.setattr(world.wb, "worklist", broken)
    # raise_server_exceptions=True: the TestClient re-raises anything that reaches the server
    client = TestClient(create_app(world.settings, workbench=world.wb), raise_server_exceptions=True)
    with caplog.at_level(logging.DEBUG):
        r = client.get("/api/v1/worklist", headers=world.h("coder"))
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "MC500" and MARKER not in r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "unexpected RuntimeError on GET /api/v1/worklist" in logged
    assert "GET /api/v1/worklist 500" in logged  # the access log saw the answer
    assert MARKER not in logged
    assert all(MARKER not in str(rec.exc_info) for rec in caplog.records)
