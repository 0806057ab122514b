"""The workbench tables (SQLAlchemy 2 typed ORM). The head Alembic migration creates exactly these.

    users          who may log in, their role and argon2 password hash
    api_tokens     bearer tokens: only the sha256 of the secret is stored
    encounters     one row per ingested document: the note text, the reader's fields, and the
                   projection of its events (status, codes, claim, version) cached: the worklist
                   reads only its summary columns (``events.summary_columns``)
    events         the append-only history of every change to an encounter (who, when, what, why)
    jobs           the coding queue: queued -> running (leased) -> done | failed
    access_log     who viewed which encounter's note, when
    remits         every 835 payment posted (TRN02 trace + TRN03 originator, the file's sha256):
                   the same payment is never posted twice

Times are naive UTC.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[_dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[_dt.datetime | None] = mapped_column(DateTime)


class EncounterRow(Base):
    __tablename__ = "encounters"
    __table_args__ = (Index("ix_encounters_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # what the reader gave (the note text is only ever in ``text``)
    text: Mapped[str] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str | None] = mapped_column(String(255))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the projection of the events (rebuilt from them by ``events.project``)
    status: Mapped[str] = mapped_column(String(20), index=True)
    setting: Mapped[str | None] = mapped_column(String(20))
    payer: Mapped[str | None] = mapped_column(String(100))
    date_of_service: Mapped[str | None] = mapped_column(String(10))
    confidence: Mapped[float | None] = mapped_column(Float)
    n_codes: Mapped[int] = mapped_column(Integer, default=0)
    patient_name: Mapped[str | None] = mapped_column(String(200))
    patient_age: Mapped[int | None] = mapped_column(Integer)
    patient_sex: Mapped[str | None] = mapped_column(String(1))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {code, message}: never note text
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("encounter_id", "seq", name="uq_events_encounter_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(150))
    type: Mapped[str] = mapped_column(String(40), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


class JobRow(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="code")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    leased_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[_dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[_dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[_dt.datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)


class AccessLogRow(Base):
    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(150))
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), default="view")


class RemitRow(Base):
    """One 835 payment (ST/SE transaction) posted to the workbench."""

    __tablename__ = "remits"
    __table_args__ = (UniqueConstraint("trace_originator", "trace_number", name="uq_remits_trace"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posted_at: Mapped[_dt.datetime] = mapped_column(DateTime, default=utcnow)
    posted_by_id: Mapped[int | None] = mapped_column(Integer)
    posted_by: Mapped[str] = mapped_column(String(150))
    source: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    trace_number: Mapped[str | None] = mapped_column(String(80))  # TRN02; None when absent
    trace_originator: Mapped[str] = mapped_column(String(80), default="")  # TRN03
    payer: Mapped[str | None] = mapped_column(String(200))
    payment_date: Mapped[str | None] = mapped_column(String(10))
    total_paid: Mapped[str] = mapped_column(String(20))  # BPR02, a decimal as text
    claims_matched: Mapped[int] = mapped_column(Integer, default=0)
