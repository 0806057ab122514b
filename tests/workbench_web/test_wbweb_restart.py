"""`medcoder serve` survives being killed mid-queue: notes ingested through the API, the server
SIGKILLed while it codes them, started again, and every job is done exactly once (one "coded"
event per encounter), none lost. On SQLite, and on PostgreSQL when MEDCODER_TEST_POSTGRES_URL
is set. The server is slowed with MEDCODER_TEST_JOB_DELAY (honoured only when MEDCODER_ENV=test)
so that the kill lands while jobs are still queued."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from wbweb_support import SECRET, postgres_schema_url

from medcoder.codesets.kb import KnowledgeBase
from medcoder.workbench import Settings, Workbench
from medcoder.workbench.security import SYSTEM

NOTES = 8
LEASE_S = 3
DELAY_S = 0.5
NOTE = ("Assessment and Plan:\n1. Type 2 diabetes mellitus without complications.\n"
        "2. Essential hypertension.\n")


@pytest.fixture(params=["sqlite", "postgres"])
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'served.sqlite'}"
        return
    with postgres_schema_url() as url:
        yield url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One `medcoder serve` process (the real CLI) on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "medcoder.cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--job-threads", "1", "--log-level", "warning"],
                env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"medcoder serve did not start:\n{self.tail()}")
            time.sleep(0.2)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(20)


def _jobs(client: httpx.Client, ids: list[int]) -> list[dict[str, Any]]:
    out = []
    for jid in ids:
        r = client.get(f"/api/v1/jobs/{jid}")
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


def test_killed_server_finishes_every_job_exactly_once(server_db: str, coding_kb: KnowledgeBase,
                                                       tmp_path: Path) -> None:
    settings = Settings(database_url=server_db, env="test", secret_key=SECRET,
                        data_dir=str(coding_kb.store.root), job_threads=0)
    wb = Workbench.open(settings, kb=coding_kb)  # migrates; the servers share the database
    try:
        wb.create_user(None, "coder", "coder-password", "coder")
        coder = wb.authenticate("coder", "coder-password")
        token = wb.issue_token(coder, "restart-test")
        env = {**os.environ, "MEDCODER_ENV": "test", "MEDCODER_SECRET_KEY": SECRET,
               "MEDCODER_DATABASE_URL": server_db, "MEDCODER_DATA": str(coding_kb.store.root),
               "MEDCODER_TEST_JOB_DELAY": str(DELAY_S), "MEDCODER_JOB_LEASE_SECONDS": str(LEASE_S),
               "MEDCODER_RATE_LIMIT": "0", "PYTHONUNBUFFERED": "1"}
        log = tmp_path / "serve.log"
        auth = {"Authorization": f"Bearer {token}"}

        first = Server(env, log)
        try:
            with httpx.Client(base_url=first.url, headers=auth, timeout=30) as c:
                ingested = []
                for i in range(NOTES):
                    r = c.post("/api/v1/documents", content=NOTE.encode(),
                               params={"filename": f"n{i}.txt", "date_of_service": "2026-05-04"},
                               headers={"Content-Type": "text/plain"})
                    assert r.status_code == 201, r.text
                    ingested.append(r.json())
                job_ids = [int(s["job_id"]) for s in ingested]
                enc_ids = [int(s["id"]) for s in ingested]
                deadline = time.monotonic() + 120
                while True:  # kill it with two jobs done, one being coded, the rest queued
                    states = [j["status"] for j in _jobs(c, job_ids)]
                    if states.count("done") >= 2 and "running" in states:
                        break
                    assert time.monotonic() < deadline, f"no progress: {states}\n{first.tail()}"
                    time.sleep(0.05)
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(30)
            assert first.proc.returncode == -signal.SIGKILL
        finally:
            first.stop()

        after_kill = {j: wb.job(SYSTEM, j) for j in job_ids}
        leased = [j for j, row in after_kill.items() if row["status"] == "running"]
        assert len(leased) == 1, f"the killed server left one job leased: {after_kill}"
        assert any(row["status"] == "queued" for row in after_kill.values()), "killed mid-queue"

        second = Server(env, log)
        try:
            with httpx.Client(base_url=second.url, headers=auth, timeout=30) as c:
                deadline = time.monotonic() + 120
                while True:  # the leased job comes back once its lease expires
                    jobs = _jobs(c, job_ids)
                    if all(j["status"] == "done" for j in jobs):
                        break
                    assert not any(j["status"] == "failed" for j in jobs), jobs
                    assert time.monotonic() < deadline, f"not finished: {jobs}\n{second.tail()}"
                    time.sleep(0.2)
                attempts = {j["id"]: j["attempts"] for j in jobs}
                assert attempts[leased[0]] == 2
                workers: set[str] = set()
                for eid in enc_ids:
                    hist = c.get(f"/api/v1/encounters/{eid}/history").json()
                    types = [h["type"] for h in hist]
                    assert types.count("coded") == 1, f"encounter {eid}: {types}"
                    assert "coding_failed" not in types
                    workers |= {h["data"]["worker"] for h in hist if h["type"] == "coding_started"}
                    enc = c.get(f"/api/v1/encounters/{eid}").json()
                    assert enc["status"] == "ready" and enc["n_codes"] >= 1
                killed_job = enc_ids[job_ids.index(leased[0])]
                hist = c.get(f"/api/v1/encounters/{killed_job}/history").json()
                assert [h["type"] for h in hist].count("coding_started") == 2
            assert len(workers) == 2, f"both servers coded: {workers}"
        finally:
            second.stop()
    finally:
        wb.close()
