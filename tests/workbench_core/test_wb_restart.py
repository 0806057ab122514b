"""The queue survives a killed worker: SIGKILL mid-queue, a new worker finishes the rest, every
job is done exactly once (one "coded" event per encounter), none is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import select
from wbcore_helpers import encounter_json

from medcoder.codesets.kb import KnowledgeBase
from medcoder.workbench import Actor, Settings, Workbench
from medcoder.workbench.store.models import JobRow

JOBS = 8
LEASE = 3

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from medcoder.codesets.kb import KnowledgeBase
    from medcoder.codesets.store import DataStore
    from medcoder.workbench import Settings, Workbench

    url, kb_dir, lease = sys.argv[1], sys.argv[2], int(sys.argv[3])
    settings = Settings(database_url=url, env="test", secret_key="s" * 40,
                        job_lease_seconds=lease)
    wb = Workbench(settings, kb=KnowledgeBase(DataStore(Path(kb_dir))))

    def hook(job_id):
        print("claimed", job_id, flush=True)
        time.sleep(0.4)

    wb._job_hook = hook
    wb.run_pending(worker_id="doomed")
    print("finished", flush=True)
""")


def test_killed_worker_jobs_complete_exactly_once(wb_url: str, coding_kb: KnowledgeBase,
                                                  tmp_path: Path) -> None:
    settings = Settings(database_url=wb_url, env="test", secret_key="s" * 40,
                        data_dir=str(coding_kb.store.root), job_lease_seconds=LEASE)
    wb = Workbench.open(settings, kb=coding_kb)
    try:
        wb.create_user(None, "coder", "coder-password", "coder")
        coder = Actor(1, "coder", "coder")
        ids = [wb.ingest(coder, encounter_json(), filename=f"n{i}.json")["id"] for i in range(JOBS)]

        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, wb_url, str(coding_kb.store.root), str(LEASE)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        claimed = 0
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("claimed"):
                claimed += 1
            if claimed == 3:  # two jobs done, the third one in progress
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""

        with wb._tx() as s:
            running = s.execute(select(JobRow.id).where(JobRow.status == "running")).scalars().all()
        assert len(running) == 1, "the killed worker left its job leased"

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            wb.run_pending(worker_id="survivor")
            with wb._tx() as s:
                left = s.execute(select(JobRow.id).where(JobRow.status != "done")).scalars().all()
            if not left:
                break
            time.sleep(0.5)  # the killed worker's lease has to expire first

        with wb._tx() as s:
            jobs = s.execute(select(JobRow).order_by(JobRow.id)).scalars().all()
        assert [j.status for j in jobs] == ["done"] * JOBS
        assert next(j for j in jobs if j.id == running[0]).attempts == 2
        workers = set()
        for eid in ids:
            hist = wb.history(coder, eid)
            assert sum(1 for h in hist if h["type"] == "coded") == 1, f"encounter {eid}"
            workers |= {h["data"]["worker"] for h in hist if h["type"] == "coding_started"}
            assert wb.encounter(coder, eid)["status"] == "ready"
        assert workers == {"doomed", "survivor"}
    finally:
        wb.close()


def test_lease_lost_result_is_discarded(wb: Workbench, actors: dict[str, Actor]) -> None:
    """A worker whose lease was taken over does not record its result: done once, by the other."""
    coder = actors["coder"]
    eid = wb.ingest(coder, encounter_json(), filename="n.json")["id"]
    first = wb._claim("slow")
    assert first is not None
    from sqlalchemy import update

    with wb._tx() as s:  # the lease expires while "slow" is still coding
        s.execute(update(JobRow).values(lease_expires_at=JobRow.created_at))
    assert wb.run_pending(worker_id="fast") == 1
    assert wb._run_job(first, "slow") is False
    hist = wb.history(coder, eid)
    assert sum(1 for h in hist if h["type"] == "coded") == 1
    assert [h["data"]["worker"] for h in hist if h["type"] == "coding_started"] == ["slow", "fast"]
