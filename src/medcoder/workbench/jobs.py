"""The coding queue: jobs in the database, claimed with a lease, finished exactly once.

    queued --claim--> running (lease_token, lease_expires_at) --finish--> done | failed

* ``claim_next`` takes the oldest job that is queued, or running with an expired lease (its
  worker died): on PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED``; on SQLite the
  transaction holds the write lock (``BEGIN IMMEDIATE``) and the ``UPDATE ... WHERE id = ? AND
  (status = 'queued' OR lease expired)`` confirms the claim. Each claim gets a new lease token.
* ``finish`` marks the job done only if the caller still holds the lease (``WHERE lease_token =
  ?``); the service commits that and the job's result in ONE transaction, so a job whose lease
  was taken over by another worker is never done twice, and a job whose worker was killed is
  never lost.
* A job claimed ``MAX_ATTEMPTS`` times without finishing is failed by ``reap``.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from medcoder.workbench.store.models import JobRow, utcnow

__all__ = ["MAX_ATTEMPTS", "Claimed", "claim_next", "enqueue", "finish", "reap"]

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Claimed:
    job_id: int
    encounter_id: int
    token: str
    attempt: int


def enqueue(session: Session, encounter_id: int, kind: str = "code") -> JobRow:
    job = JobRow(encounter_id=encounter_id, kind=kind, status="queued", attempts=0,
                 created_at=utcnow())
    session.add(job)
    session.flush()
    return job


def _claimable(now: _dt.datetime) -> Any:
    return and_(
        or_(JobRow.status == "queued",
            and_(JobRow.status == "running", JobRow.lease_expires_at < now)),
        JobRow.attempts < MAX_ATTEMPTS,
    )


def claim_next(session: Session, worker_id: str, lease_seconds: float) -> Claimed | None:
    """Claim the oldest claimable job for ``worker_id``, or None when there is none."""
    now = utcnow()
    stmt = select(JobRow.id, JobRow.encounter_id).where(_claimable(now)).order_by(JobRow.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    row = session.execute(stmt).first()
    if row is None:
        return None
    job_id, encounter_id = int(row[0]), int(row[1])
    token = secrets.token_hex(16)
    res = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, _claimable(now))
        .values(status="running", lease_token=token, leased_by=worker_id[:100],
                lease_expires_at=now + _dt.timedelta(seconds=lease_seconds),
                attempts=JobRow.attempts + 1, started_at=now)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return None
    attempt = session.execute(select(JobRow.attempts).where(JobRow.id == job_id)).scalar_one()
    return Claimed(job_id, encounter_id, token, int(attempt))


def finish(session: Session, claimed: Claimed, *, status: str = "done",
           error: str | None = None) -> bool:
    """Mark the job ``done`` (or ``failed``) if ``claimed`` still holds its lease."""
    res = session.execute(
        update(JobRow)
        .where(JobRow.id == claimed.job_id, JobRow.lease_token == claimed.token,
               JobRow.status == "running")
        .values(status=status, finished_at=utcnow(), lease_expires_at=None, error=error)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount == 1  # type: ignore[attr-defined]


def reap(session: Session) -> list[tuple[int, int]]:
    """Fail the jobs whose last allowed lease expired; returns their (job id, encounter id)."""
    now = utcnow()
    rows = session.execute(
        select(JobRow.id, JobRow.encounter_id).where(
            JobRow.status == "running", JobRow.lease_expires_at < now,
            JobRow.attempts >= MAX_ATTEMPTS)
    ).all()
    out: list[tuple[int, int]] = []
    for job_id, enc_id in rows:
        res = session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == "running", JobRow.lease_expires_at < now)
            .values(status="failed", finished_at=now, lease_expires_at=None,
                    error=f"no worker finished the job in {MAX_ATTEMPTS} attempts")
            .execution_options(synchronize_session=False)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            out.append((int(job_id), int(enc_id)))
    return out


def counts(session: Session) -> dict[str, int]:
    """Jobs per status."""
    rows = session.execute(select(JobRow.status, func.count()).group_by(JobRow.status)).all()
    return {str(s): int(n) for s, n in rows}
