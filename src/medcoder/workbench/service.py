"""The workbench service: every operation of the coding workbench, authorization enforced here.

    wb = Workbench.open(Settings.from_env())     checks the settings, migrates the database to head
    wb.ingest(actor, content) -> encounter summary (status "queued", one coding job enqueued)
    wb.run_pending(worker_id="w1") -> jobs coded
    wb.code_note(actor, text) -> CodingResult JSON now, nothing stored
    wb.encounter(actor, id) / decide / sequence / complete / build_claim / release / history

Statuses: queued -> coding -> ready -> in_review -> coded -> released ("error" if coding failed).
Every state change is an append-only event (``medcoder.workbench.events``); the current state is
derived from the events and cached in the encounter row. Every method that takes an ``actor``
calls ``security.authorize`` first; routes only find the actor. Note text never goes into a log
line or an error message: logs name encounters and jobs by id.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from medcoder.errors import InputError, MedcoderError
from medcoder.workbench import events as ev
from medcoder.workbench import security
from medcoder.workbench.errors import AuthError, Conflict, Forbidden, NotFound, TooLarge
from medcoder.workbench.security import ROLES, SYSTEM, Actor, authorize
from medcoder.workbench.settings import Settings

__all__ = ["MAX_ID", "STATUSES", "TOKEN_TOUCH_SECONDS", "Workbench"]

log = logging.getLogger("medcoder.workbench")

STATUSES = ("queued", "coding", "ready", "in_review", "coded", "released", "error")
REVIEWABLE = ("ready", "in_review", "coded")
KINDS = ("diagnosis", "procedure")
#: a token's ``last_used_at`` is written at most once in this many seconds (not on every request)
TOKEN_TOUCH_SECONDS = 60
#: the largest id a row can have (the id columns are 32-bit INTEGER on PostgreSQL); an id outside
#: 1..MAX_ID names nothing (NotFound) and is never sent to the database, which would overflow
MAX_ID = 2**31 - 1
_FORMATS = {"text": "text", "encounter-json": "encounter-json", "fhir": "fhir", "hl7": "hl7v2",
            "hl7v2": "hl7v2", "json": "json", "auto": "auto"}


def _is_id(value: int) -> bool:
    """Whether ``value`` can be a row id (1..MAX_ID): others are not looked up."""
    return 1 <= value <= MAX_ID


def _iso(value: _dt.datetime | None) -> str | None:
    return value.replace(microsecond=value.microsecond).isoformat() + "Z" if value else None


class _LeaseLost(Exception):
    """Rolls back the result of a job whose lease another worker took over."""


class Workbench:
    """The coding workbench over one database (SQLite file or PostgreSQL)."""

    def __init__(self, settings: Settings, *, kb: Any = None) -> None:
        from medcoder.workbench.store.db import make_engine, read_session_factory, session_factory

        self.settings = settings
        self._kb = kb
        self.engine = make_engine(settings.database_url)
        self._sessions = session_factory(self.engine)
        self._reads = read_session_factory(self.engine)
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        #: test-only: called with the job id after a job is claimed, before it is coded
        self._job_hook: Callable[[int], None] | None = None
        if settings.env == "test" and settings.test_job_delay > 0:  # MEDCODER_TEST_JOB_DELAY
            delay = settings.test_job_delay
            self._job_hook = lambda _job_id: time.sleep(delay)

    @classmethod
    def open(cls, settings: Settings | None = None, *, kb: Any = None) -> Workbench:
        """Check the settings, migrate the database to head and return the workbench."""
        from medcoder.workbench.store.db import migrate

        settings = (settings or Settings.from_env()).check()
        wb = cls(settings, kb=kb)
        migrate(wb.engine)
        return wb

    def close(self) -> None:
        """Stop background workers and dispose of the engine."""
        self.stop_workers()
        self.engine.dispose()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def kb(self) -> Any:
        if self._kb is None:
            from medcoder.codesets.kb import KnowledgeBase, default_kb
            from medcoder.codesets.store import DataStore

            self._kb = (KnowledgeBase(DataStore(Path(self.settings.data_dir)))
                        if self.settings.data_dir else default_kb())
        return self._kb

    def _tx(self) -> Any:
        from medcoder.workbench.store.db import transaction

        return transaction(self._sessions)

    def _read(self) -> Any:
        """A transaction for reads only (on SQLite it takes no write lock)."""
        from medcoder.workbench.store.db import transaction

        return transaction(self._reads)

    # users -------------------------------------------------------------------------------
    def create_user(
        self, actor: Actor | None, username: str, password: str, role: str, *, system: bool = False
    ) -> dict[str, Any]:
        """Create a user; ``actor`` None only to bootstrap the first user, or ``system=True``."""
        from sqlalchemy import func, select

        from medcoder.workbench.store.models import User

        name = (username or "").strip()
        if not name or len(name) > 150 or any(c.isspace() for c in name):
            raise InputError("a username is 1 to 150 characters without spaces", where="username")
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}",
                             where="role")
        if len(password or "") < 8:
            raise InputError("a password needs at least 8 characters", where="password")
        pw_hash = security.hash_password(password)
        with self._tx() as s:
            if actor is None and not system:
                if s.execute(select(func.count()).select_from(User)).scalar_one():
                    raise Forbidden("an anonymous caller may not 'users' once a user exists")
            elif actor is not None:
                authorize(actor, "users")
            if s.execute(select(User.id).where(User.username == name)).first():
                raise Conflict(f"username {name!r} is taken")
            user = User(username=name, password_hash=pw_hash, role=role, active=True)
            s.add(user)
            s.flush()
            out = self._user_dict(user)
        log.info("user %s created with role %s", out["id"], role)
        return out

    @staticmethod
    def _user_dict(user: Any) -> dict[str, Any]:
        return {"id": user.id, "username": user.username, "role": user.role,
                "active": user.active, "created_at": _iso(user.created_at)}

    def authenticate(self, username: str, password: str) -> Actor:
        """The actor for a username and password (AuthError)."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import User

        with self._tx() as s:
            user = s.execute(select(User).where(User.username == (username or "").strip())).scalar_one_or_none()
            if user is None or not user.active:
                security.verify_password(_dummy_hash(), password or "")  # same time either way
                raise AuthError("unknown user or wrong password")
            if not security.verify_password(user.password_hash, password or ""):
                raise AuthError("unknown user or wrong password")
            if security.needs_rehash(user.password_hash):
                user.password_hash = security.hash_password(password)
            return Actor(user.id, user.username, user.role)

    def issue_token(self, actor: Actor, name: str) -> str:
        """A new API token for the actor (shown once; only its sha256 is stored)."""
        from medcoder.workbench.store.models import ApiToken

        self._require_user(actor)
        label = (name or "").strip()[:100] or "token"
        token = security.new_token()
        with self._tx() as s:
            s.add(ApiToken(user_id=actor.user_id, name=label, token_hash=security.hash_token(token)))
        log.info("token issued for user %s", actor.user_id)
        return token

    def revoke_token(self, actor: Actor, token_id: int) -> None:
        """Revoke one of the actor's tokens (admins: any token)."""
        from medcoder.workbench.store.models import ApiToken, utcnow

        self._require_user(actor)
        with self._tx() as s:
            tok = s.get(ApiToken, token_id) if _is_id(token_id) else None
            if tok is None or (tok.user_id != actor.user_id and actor.role != "admin"):
                raise NotFound(f"token {token_id} not found")
            if tok.revoked_at is None:
                tok.revoked_at = utcnow()
        log.info("token %s revoked", token_id)

    def list_tokens(self, actor: Actor) -> list[dict[str, Any]]:
        """The actor's tokens (id, name, created_at, last_used_at, revoked_at); never the secret."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import ApiToken

        self._require_user(actor)
        with self._read() as s:
            rows = s.execute(select(ApiToken).where(ApiToken.user_id == actor.user_id)
                             .order_by(ApiToken.id)).scalars().all()
            return [{"id": t.id, "name": t.name, "created_at": _iso(t.created_at),
                     "last_used_at": _iso(t.last_used_at), "revoked_at": _iso(t.revoked_at)}
                    for t in rows]

    def actor_for_token(self, token: str) -> Actor:
        """The actor a bearer token belongs to (AuthError when unknown, revoked, or its user is
        deactivated). A read; ``last_used_at`` is written at most once a minute per token."""
        from sqlalchemy import or_, select, update

        from medcoder.workbench.store.models import ApiToken, User, utcnow

        if not token or not token.startswith(security.TOKEN_PREFIX):
            raise AuthError("bad or revoked token")
        with self._read() as s:
            row = s.execute(
                select(ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, User.id,
                       User.username, User.role, User.active)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == security.hash_token(token))
            ).first()
        if row is None or row[1] is not None or not row[6]:
            raise AuthError("bad or revoked token")
        token_id, _revoked, last_used, uid, username, role, _active = row
        now = utcnow()
        stale = now - _dt.timedelta(seconds=TOKEN_TOUCH_SECONDS)
        if last_used is None or last_used < stale:
            with self._tx() as s:  # the WHERE makes concurrent requests write it once
                s.execute(update(ApiToken)
                          .where(ApiToken.id == token_id,
                                 or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < stale))
                          .values(last_used_at=now)
                          .execution_options(synchronize_session=False))
        return Actor(uid, username, role)

    def actor_for_user(self, user_id: int) -> Actor:
        """The actor of a signed-in user (the page's session), read from the user row on every
        request: a deactivated user or a changed role takes effect at once. AuthError when the
        user is gone or deactivated."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import User

        if not _is_id(user_id):
            raise AuthError("the session's user is unknown or deactivated: log in again")
        with self._read() as s:
            row = s.execute(select(User.id, User.username, User.role, User.active)
                            .where(User.id == user_id)).first()
        if row is None or not row[3]:
            raise AuthError("the session's user is unknown or deactivated: log in again")
        return Actor(row[0], row[1], row[2])

    def update_user(
        self, actor: Actor, user_id: int, *, active: bool | None = None, role: str | None = None
    ) -> dict[str, Any]:
        """Deactivate or reactivate a user, or change their role (admins). Takes effect on the
        user's next request, by token or session. An admin may not deactivate or demote
        themselves (the last admin would lock everyone out)."""
        from medcoder.workbench.store.models import User

        authorize(actor, "users")
        if role is not None and role not in ROLES:
            raise InputError(f"unknown role {role!r}; expected one of: {', '.join(ROLES)}",
                             where="role")
        with self._tx() as s:
            user = s.get(User, user_id) if _is_id(user_id) else None
            if user is None:
                raise NotFound(f"user {user_id} not found")
            if user.id == actor.user_id and (active is False or (role not in (None, user.role))):
                raise Conflict("you may not deactivate yourself or change your own role")
            if active is not None:
                user.active = bool(active)
            if role is not None:
                user.role = role
            s.flush()
            out = self._user_dict(user)
        log.info("user %s updated: active=%s role=%s", user_id, out["active"], out["role"])
        return out

    def deactivate_user(self, actor: Actor, user_id: int) -> dict[str, Any]:
        """Deactivate a user (admins): their tokens and sessions are refused from now on."""
        return self.update_user(actor, user_id, active=False)

    def list_users(self, actor: Actor) -> list[dict[str, Any]]:
        """Every user (id, username, role, created_at, active); admins only."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import User

        authorize(actor, "users")
        with self._read() as s:
            return [self._user_dict(u) for u in s.execute(select(User).order_by(User.id)).scalars()]

    def _require_user(self, actor: Actor | None) -> None:
        if actor is None or actor.user_id <= 0:
            raise AuthError("tokens belong to a logged-in user")

    # events ------------------------------------------------------------------------------------
    def _load(self, s: Any, encounter_id: int, *, lock: bool = False) -> Any:
        from sqlalchemy import select

        from medcoder.workbench.store.models import EncounterRow

        if not _is_id(encounter_id):
            raise NotFound(f"encounter {encounter_id} not found")
        stmt = select(EncounterRow).where(EncounterRow.id == encounter_id)
        if lock:
            stmt = stmt.with_for_update()
        row = s.execute(stmt).scalar_one_or_none()
        if row is None:
            raise NotFound(f"encounter {encounter_id} not found")
        return row

    def _append(self, s: Any, row: Any, actor: Actor, etype: str, data: dict[str, Any],
                reason: str | None = None, *, version: int | None = None) -> dict[str, Any]:
        """Append one event to a (locked) encounter row and update its projection."""
        from medcoder.workbench.store.models import EventRow, utcnow

        if version is not None and version != row.version:
            raise Conflict(f"encounter {row.id} is at version {row.version}, not {version}: "
                           "reload it and try again")
        now = utcnow()
        seq = row.version + 1
        event = {"seq": seq, "at": _iso(now), "actor": actor.username, "type": etype,
                 "data": data, "reason": reason}
        state = ev.apply(copy.deepcopy(row.state), event)
        s.add(EventRow(encounter_id=row.id, seq=seq, at=now, actor_id=actor.user_id or None,
                       actor=actor.username, type=etype, data=data, reason=reason))
        row.version = seq
        row.state = state
        for column, value in ev.summary_columns(state).items():
            setattr(row, column, value)
        row.updated_at = now
        s.flush()
        return state

    # ingest and queue ---------------------------------------------------------------------
    def ingest(
        self,
        actor: Actor,
        content: bytes | str,
        *,
        filename: str | None = None,
        fmt: str | None = None,
        setting: str | None = None,
        payer: str | None = None,
        date_of_service: str | None = None,
        patient: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Read a document (text, encounter JSON, FHIR Bundle, HL7 v2), store it as a queued
        encounter and enqueue its coding job in one transaction. A FHIR Bundle with several
        Encounters whose notes name them makes one encounter each (``fhirsplit``), all in that
        transaction. Returns the first one's summary, with "encounters" listing every encounter
        created. ``patient`` may carry the claim's demographics (last_name, first_name,
        birth_date, sex, member_id, address)."""
        from medcoder.dates import parse_date
        from medcoder.readers import read_document
        from medcoder.workbench.fhirsplit import split_bundle

        authorize(actor, "ingest")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if len(data) > self.settings.max_upload_bytes:
            raise TooLarge(f"the upload has {len(data)} bytes; the limit is "
                           f"{self.settings.max_upload_bytes}", where=filename or "upload")
        key = _FORMATS.get((fmt or "auto").strip().lower())
        if key is None:
            raise InputError(f"unknown format {fmt!r}; expected text, encounter-json, fhir or hl7",
                             where="fmt")
        dos = parse_date(date_of_service, field="date_of_service") if date_of_service else None
        if patient is not None and not isinstance(patient, dict):
            raise InputError("patient: expected an object {last_name, first_name, ...}",
                             where="patient")
        name = os.path.basename(filename) if filename else "upload"
        parts = split_bundle(data, name=name) if key in ("fhir", "json", "auto") else None
        docs = ([(f"{name}#{p.label}", read_document(p.data, name=name, fmt="fhir", setting=setting,
                                                    date_of_service=dos)) for p in parts]
                if parts else [(name, read_document(data, name=name, fmt=key, setting=setting,
                                                    date_of_service=dos))])
        for _, enc in docs:
            if not enc.text.strip():
                raise InputError("the document has no note text", where=name)
        summaries: list[dict[str, Any]] = []
        with self._tx() as s:  # every encounter of the document, or none
            for source_name, enc in docs:
                summaries.append(self._store(s, actor, enc, source_name[:255], payer, patient))
        self._wake.set()
        for one in summaries:
            log.info("encounter %s ingested (%s), job %s queued", one["id"], one["source_format"],
                     one["job_id"])
        summary = dict(summaries[0])
        summary["encounters"] = [dict(x) for x in summaries]
        return summary

    def _store(self, s: Any, actor: Actor, enc: Any, source_name: str, payer: str | None,
               patient: dict[str, Any] | None) -> dict[str, Any]:
        """Store one read document as a queued encounter with its coding job (in ``s``)."""
        from medcoder.workbench import jobs
        from medcoder.workbench.store.models import EncounterRow

        if payer and "payer" not in enc.metadata and "medicare" in payer.lower():
            # the coders' Medicare rules (G0008-G0010, G2212...) read metadata["payer"]; the same
            # rule as the audit's re-review (audit.review.coding_encounter)
            enc.metadata["payer"] = "medicare"
        document = {
            "setting": enc.setting,
            "date_of_service": enc.date_of_service.isoformat() if enc.date_of_service else None,
            "patient_age": enc.patient_age, "patient_sex": enc.patient_sex,
            "encounter_id": enc.encounter_id, "patient_id": enc.patient_id,
            "sections": [dataclasses.asdict(x) for x in enc.sections],
            "conditions": [dataclasses.asdict(x) for x in enc.conditions],
            "source_format": enc.source_format, "metadata": _plain(enc.metadata),
        }
        pat = {"age": enc.patient_age, "sex": enc.patient_sex, "id": enc.patient_id}
        for k, v in (patient or {}).items():
            if k in ("last_name", "first_name", "birth_date", "sex", "member_id", "address"):
                pat[k] = v if not isinstance(v, _dt.date) else v.isoformat()
        pat["name"] = (" ".join(str(pat[k]) for k in ("first_name", "last_name") if pat.get(k))
                       or None)
        row = EncounterRow(text=enc.text, source_format=enc.source_format,
                           source_name=source_name, document=document, status="queued",
                           state=ev.initial_state(), version=0,
                           created_by=actor.user_id or None)
        s.add(row)
        s.flush()
        self._append(s, row, actor, "ingested", {
            "setting": enc.setting, "payer": payer,
            "date_of_service": document["date_of_service"], "patient": pat,
            "source_format": enc.source_format, "source_name": source_name,
        })
        job = jobs.enqueue(s, row.id)
        summary = self._summary(row)
        summary["job_id"] = job.id
        return summary

    def code_note(
        self,
        actor: Actor,
        text: str,
        *,
        setting: str | None = None,
        date_of_service: str | None = None,
        age: int | None = None,
        sex: str | None = None,
        mode: str = "billing",
    ) -> dict[str, Any]:
        """Code one note now and return the CodingResult JSON (``docs/formats.md``); nothing is
        stored and nothing is logged but the fact of the call.

        No lock: the coder is shared by the request threads and the background workers, and it
        is safe to share in the way the workbench uses it. ``coder_for`` hands out one cached
        ``DiagnosisCoder`` per knowledge base and release, whose dictionary, context engine and
        tabular reader are read-only while coding (the reader's SQLite connection is opened with
        ``check_same_thread=False`` and serialised by SQLite; the memo dicts and one-entry scan
        cache only ever hold whole, equal values); everything a note produces lives in locals
        of ``code``. The one per-note attribute, ``DiagnosisCoder._sentences``, is read only
        with a site model, which the workbench never passes. A lock would not add throughput
        either way (coding is CPU-bound Python under the GIL).
        """
        from medcoder.coding import code_text

        authorize(actor, "code")
        body = text if isinstance(text, str) else ""
        if not body.strip():
            raise InputError("the note text is empty", where="text")
        size = len(body.encode("utf-8"))
        if size > self.settings.max_upload_bytes:
            raise TooLarge(f"the note has {size} bytes; the limit is "
                           f"{self.settings.max_upload_bytes}", where="text")
        if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130):
            raise InputError("age is a whole number of years from 0 to 130", where="age")
        if sex is not None and sex not in ("M", "F", "U"):
            raise InputError(f"unknown sex {sex!r}; expected M, F or U", where="sex")
        result = code_text(body, setting=setting or "outpatient", date_of_service=date_of_service,
                           age=age, sex=sex or "U", mode=mode, kb=self.kb)
        return result.to_dict()

    @staticmethod
    def _summary(row: Any) -> dict[str, Any]:
        """The worklist summary from the row's summary columns (an ORM row or a selected row
        of ``_SUMMARY_SELECT``; never the state or the note)."""
        return {
            "id": row.id, "status": row.status, "setting": row.setting, "payer": row.payer,
            "date_of_service": row.date_of_service,
            "patient": {"name": row.patient_name, "age": row.patient_age, "sex": row.patient_sex},
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
            "confidence": row.confidence, "n_codes": row.n_codes, "version": row.version,
            "source_format": row.source_format, "source_name": row.source_name,
            "error": dict(row.error) if row.error else None,
        }

    def run_pending(self, *, worker_id: str, limit: int | None = None) -> int:
        """Claim and code queued jobs until none is left (or ``limit``); returns the number done."""
        done = 0
        while limit is None or done < limit:
            if self._stop.is_set() and self._threads:
                break
            claimed = self._claim(worker_id)
            if claimed is None:
                break
            if self._run_job(claimed, worker_id):
                done += 1
        return done

    def _claim(self, worker_id: str) -> Any:
        from medcoder.workbench import jobs

        with self._tx() as s:
            for job_id, enc_id in jobs.reap(s):
                row = self._load(s, enc_id, lock=True)
                self._append(s, row, SYSTEM, "coding_failed", {
                    "job_id": job_id, "error": {"code": "MC500", "message":
                                                f"no worker finished the job in {jobs.MAX_ATTEMPTS} attempts"}})
                log.warning("job %s failed: attempts exhausted", job_id)
            claimed = jobs.claim_next(s, worker_id, self.settings.job_lease_seconds)
            if claimed is None:
                return None
            row = self._load(s, claimed.encounter_id, lock=True)
            self._append(s, row, SYSTEM, "coding_started",
                         {"job_id": claimed.job_id, "attempt": claimed.attempt, "worker": worker_id})
            text, document = row.text, dict(row.document)
        log.info("job %s claimed by %s (attempt %s)", claimed.job_id, worker_id, claimed.attempt)
        return claimed, text, document

    def _run_job(self, item: Any, worker_id: str) -> bool:
        from medcoder.workbench import jobs

        claimed, text, document = item
        if self._job_hook is not None:
            self._job_hook(claimed.job_id)
        etype: str
        data: dict[str, Any]
        try:
            from medcoder.coding import code_encounter
            from medcoder.workbench.auditing import coded_by

            result = code_encounter(_rebuild(text, document), kb=self.kb).to_dict()
            etype, data, status, err = "coded", {"job_id": claimed.job_id, "result": result,
                                                 "coded_by": coded_by(result)}, "done", None
        except MedcoderError as exc:
            error = {"code": exc.code, "message": exc.message}
            etype, data, status, err = "coding_failed", {"job_id": claimed.job_id, "error": error}, \
                "failed", f"{exc.code}: {exc.message}"
        except Exception as exc:  # any other failure: its type only (a message might quote the note)
            error = {"code": "MC500", "message": f"internal error ({type(exc).__name__})"}
            etype, data, status, err = "coding_failed", {"job_id": claimed.job_id, "error": error}, \
                "failed", error["message"]
        try:
            with self._tx() as s:
                if not jobs.finish(s, claimed, status=status, error=err):
                    raise _LeaseLost
                row = self._load(s, claimed.encounter_id, lock=True)
                self._append(s, row, SYSTEM, etype, data)
        except _LeaseLost:
            log.warning("job %s: lease lost by %s, result discarded", claimed.job_id, worker_id)
            return False
        log.info("job %s %s (encounter %s)", claimed.job_id, status, claimed.encounter_id)
        return True

    def start_workers(self, n: int | None = None) -> None:
        """Start ``n`` (default ``settings.job_threads``) background coding threads."""
        count = self.settings.job_threads if n is None else n
        self._stop.clear()
        base = f"{socket.gethostname()}-{os.getpid()}"
        for i in range(count):
            t = threading.Thread(target=self._worker_loop, args=(f"{base}-t{i}",),
                                 name=f"medcoder-worker-{i}", daemon=True)
            self._threads.append(t)
            t.start()

    def _worker_loop(self, worker_id: str) -> None:
        while not self._stop.is_set():
            try:
                n = self.run_pending(worker_id=worker_id)
            except Exception as exc:  # keep the worker alive; the job's lease will expire
                log.error("worker %s: %s", worker_id, type(exc).__name__)
                n = 0
            if n == 0:
                self._wake.wait(timeout=1.0)
                self._wake.clear()

    def stop_workers(self, timeout: float = 10.0) -> None:
        """Stop the background threads (a job in progress finishes first)."""
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout)
        self._threads = []

    def job(self, actor: Actor, job_id: int) -> dict[str, Any]:
        """One job: id, encounter_id, status, attempts, error, times."""
        from medcoder.workbench.store.models import JobRow

        authorize(actor, "view")
        with self._read() as s:
            j = s.get(JobRow, job_id) if _is_id(job_id) else None
            if j is None:
                raise NotFound(f"job {job_id} not found")
            return {"id": j.id, "encounter_id": j.encounter_id, "kind": j.kind,
                    "status": j.status, "attempts": j.attempts, "error": j.error,
                    "created_at": _iso(j.created_at), "started_at": _iso(j.started_at),
                    "finished_at": _iso(j.finished_at)}

    def queue_counts(self, actor: Actor) -> dict[str, int]:
        """Jobs per status (queued, running, done, failed)."""
        from medcoder.workbench import jobs

        authorize(actor, "view")
        with self._read() as s:
            return jobs.counts(s)

    # worklist and encounter -----------------------------------------------------------------
    def worklist(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        setting: str | None = None,
        payer: str | None = None,
        min_confidence: float | None = None,
        max_confidence: float | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """{"total": n, "items": [summary, ...]} filtered and paged, newest first. ``q`` matches
        the id, the source name or words of the note."""
        from sqlalchemy import func, or_, select

        from medcoder.workbench.store.models import EncounterRow

        authorize(actor, "view")
        if status is not None and status not in STATUSES:
            raise InputError(f"unknown status {status!r}; expected one of: {', '.join(STATUSES)}",
                             where="status")
        if not 1 <= limit <= 500:
            raise InputError("limit is 1 to 500", where="limit")
        if not 0 <= offset <= MAX_ID:
            raise InputError(f"offset is 0 to {MAX_ID}", where="offset")
        conds: list[Any] = []
        if status:
            conds.append(EncounterRow.status == status)
        if setting:
            conds.append(EncounterRow.setting == setting)
        if payer:
            conds.append(EncounterRow.payer == payer)
        if min_confidence is not None:
            conds.append(EncounterRow.confidence >= min_confidence)
        if max_confidence is not None:
            conds.append(EncounterRow.confidence <= max_confidence)
        if q and q.strip():
            like = f"%{q.strip().lower()}%"
            alts: list[Any] = [func.lower(EncounterRow.source_name).like(like),
                    func.lower(EncounterRow.text).like(like)]
            digits = q.strip()
            if digits.isascii() and digits.isdigit() and _is_id(int(digits)):
                alts.append(EncounterRow.id == int(digits))
            conds.append(or_(*alts))
        columns = [getattr(EncounterRow, c) for c in _SUMMARY_SELECT]
        with self._read() as s:
            total = s.execute(select(func.count()).select_from(EncounterRow).where(*conds)).scalar_one()
            rows = s.execute(select(*columns).where(*conds)
                             .order_by(EncounterRow.created_at.desc(), EncounterRow.id.desc())
                             .limit(limit).offset(offset)).all()
        return {"total": int(total), "items": [self._summary(r) for r in rows]}

    def encounter(self, actor: Actor, encounter_id: int) -> dict[str, Any]:
        """The full encounter (note text, suggestions, codes, queries, claim); logs the access."""
        authorize(actor, "view")
        with self._tx() as s:
            row = self._load(s, encounter_id)
            self._log_access(s, actor, encounter_id, "view")
            return self._full(row)

    def _log_access(self, s: Any, actor: Actor, encounter_id: int, action: str) -> None:
        from medcoder.workbench.store.models import AccessLogRow

        s.add(AccessLogRow(user_id=actor.user_id or None, username=actor.username,
                           encounter_id=encounter_id, action=action))

    def _full(self, row: Any) -> dict[str, Any]:
        st = row.state
        out = self._summary(row)
        out.update({
            "text": row.text,
            "sections": list((row.document or {}).get("sections") or []),
            "suggestions": st.get("suggestions") or {"diagnoses": [], "procedures": []},
            "codes": sorted(st["codes"], key=lambda e: (KINDS.index(e["kind"]) if e["kind"] in KINDS else 9,
                                                        e["sequence"] or 10_000)),
            "queries": list(st.get("queries") or []),
            "query_drafts": list(st.get("query_drafts") or []),
            "warnings": list(st.get("warnings") or []),
            "claim": st.get("claim"),
            "released": st.get("released"),
            "remits": list(st.get("remits") or []),
            "audits": list(st.get("audits") or []),
        })
        return out

    def decide(
        self,
        actor: Actor,
        encounter_id: int,
        *,
        action: str,
        code: str,
        kind: str = "diagnosis",
        new_code: str | None = None,
        reason: str | None = None,
        units: int | None = None,
        modifiers: list[str] | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """accept | reject | edit | add a code (reject/edit need a reason). Returns the encounter."""
        authorize(actor, "decide")
        if action not in ev.DECISIONS:
            raise InputError(f"unknown action {action!r}; expected one of: {', '.join(ev.DECISIONS)}",
                             where="action")
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; expected diagnosis or procedure", where="kind")
        code = (code or "").strip().upper()
        if not code:
            raise InputError("a code is required", where="code")
        reason = (reason or "").strip() or None
        if action in ("reject", "edit") and not reason:
            raise InputError(f"{action} needs a reason", where="reason")
        if action == "edit":
            new_code = (new_code or "").strip().upper()
            if not new_code:
                raise InputError("edit needs new_code", where="new_code")
        if units is not None and (not isinstance(units, int) or units < 1):
            raise InputError("units is a whole number of 1 or more", where="units")
        mods = None
        if modifiers is not None:
            mods = [str(m).strip().upper() for m in modifiers if str(m).strip()]
            if len(mods) > 4 or any(len(m) != 2 or not m.isalnum() for m in mods):
                raise InputError("modifiers are up to four 2-character codes", where="modifiers")
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            self._reviewable(row, "decide on codes")
            if version is not None and version != row.version:
                raise Conflict(f"encounter {row.id} is at version {row.version}, not {version}: "
                               "reload it and try again")
            existing = ev._find(row.state, kind, code)
            if action != "add" and existing is None:
                raise InputError(f"{kind} {code} is not on encounter {encounter_id}", where="code")
            title, system = None, None
            if action in ("edit", "add"):
                target = new_code if action == "edit" else code
                assert target is not None
                title, system, target = self._validate_code(target, kind, row.state)
                if action == "edit":
                    new_code = target
                else:
                    code = target
            data: dict[str, Any] = {"action": action, "kind": kind, "code": code,
                                    "new_code": new_code, "units": units, "modifiers": mods}
            if title is not None:
                data["title"] = title
                data["system"] = system
            self._append(s, row, actor, "decision", data, reason)
            return self._full(row)

    def _reviewable(self, row: Any, what: str) -> None:
        if row.status not in REVIEWABLE:
            raise Conflict(f"encounter {row.id} is {row.status}; to {what} it must be "
                           f"{', '.join(REVIEWABLE)}")

    def _validate_code(self, code: str, kind: str, state: dict[str, Any]) -> tuple[str, str, str]:
        """(title, system, normalized code) of a code valid on the date of service; InputError."""
        from medcoder.codesets.validate import validate

        dos = state.get("date_of_service")
        try:
            if kind == "diagnosis":
                v = validate(code, dos, system="ICD-10-CM", kb=self.kb)
                system = "ICD-10-CM"
            else:
                v = validate(code, dos, kb=self.kb)
                from medcoder.codesets.validate import detect_systems

                found = detect_systems(code)
                system = "CPT" if code[:1].isdigit() and len(code) == 5 else (
                    found[0] if found else "HCPCS")
                if system == "ICD-10-CM":
                    raise InputError(f"{code} is a diagnosis code, not a procedure", where="code")
        except InputError:
            raise
        except MedcoderError as exc:
            raise InputError(f"{code} cannot be checked: {exc.message}", where="code") from None
        if not v.valid:
            raise InputError(f"{code} is not valid on {dos or 'the date of service'}: "
                             f"{v.reason or 'unknown code'}", where="code")
        title = v.title  # validate names headers; a valid code's title is read here
        if not title and system == "ICD-10-CM":
            title = self.kb.open("icd10cm-tabular", dos).reader.title(v.code or code)
        elif not title and system == "CPT":  # no CPT descriptor without a licence: our own label
            from medcoder.codesets.cpt.codes import label

            title = label(v.code or code)
        return (title or ""), system, (v.code or code)

    def sequence(
        self, actor: Actor, encounter_id: int, codes: list[str], version: int | None = None
    ) -> dict[str, Any]:
        """Set the order of the encounter's diagnosis codes (first = first-listed/principal)."""
        authorize(actor, "decide")
        order = [str(c).strip().upper() for c in codes or [] if str(c).strip()]
        if not order or len(set(order)) != len(order):
            raise InputError("sequence needs the diagnosis codes in order, each once", where="codes")
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            self._reviewable(row, "sequence codes")
            known = {e["code"] for e in row.state["codes"]
                     if e["kind"] == "diagnosis" and e["status"] != "rejected"}
            unknown = [c for c in order if c not in known]
            if unknown:
                raise InputError(f"not diagnoses of encounter {encounter_id}: {', '.join(unknown)}",
                                 where="codes")
            self._append(s, row, actor, "sequenced", {"codes": order}, version=version)
            return self._full(row)

    def complete(self, actor: Actor, encounter_id: int, version: int | None = None) -> dict[str, Any]:
        """Mark the encounter coded (needs at least one accepted or added diagnosis)."""
        authorize(actor, "decide")
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            if row.status not in ("ready", "in_review"):
                raise Conflict(f"encounter {row.id} is {row.status}; only a ready or in_review "
                               "encounter is completed")
            if not ev.final_codes(row.state, "diagnosis"):
                raise Conflict(f"encounter {row.id} has no accepted, edited or added diagnosis")
            self._append(s, row, actor, "completed", {}, version=version)
            return self._full(row)

    def query_physician(
        self, actor: Actor, encounter_id: int, *, question: str, to: str | None = None
    ) -> dict[str, Any]:
        """Record a physician query; returns the query."""
        authorize(actor, "query")
        q = (question or "").strip()
        if not q:
            raise InputError("a query needs a question", where="question")
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            if row.status in ("queued", "coding", "released"):
                raise Conflict(f"encounter {row.id} is {row.status}; no query now")
            qid = len(row.state.get("queries") or []) + 1
            state = self._append(s, row, actor, "query_added",
                                 {"query_id": qid, "question": q, "to": to})
            return dict(state["queries"][-1])

    def answer_query(
        self, actor: Actor, encounter_id: int, query_id: int, answer: str
    ) -> dict[str, Any]:
        """Record the physician's answer to a query; returns the query."""
        authorize(actor, "query")
        a = (answer or "").strip()
        if not a:
            raise InputError("an answer is required", where="answer")
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            if not any(q["id"] == query_id for q in row.state.get("queries") or []):
                raise NotFound(f"query {query_id} of encounter {encounter_id} not found")
            state = self._append(s, row, actor, "query_answered", {"query_id": query_id, "answer": a})
            return next(dict(q) for q in state["queries"] if q["id"] == query_id)

    # claims and remits ----------------------------------------------------------------------
    def build_claim(self, actor: Actor, encounter_id: int) -> dict[str, Any]:
        """Build, scrub and price the claim from the current codes:
        {"claim": ..., "edits": [...], "payment": ..., "clean": bool}."""
        from medcoder.workbench import billing

        authorize(actor, "claim")
        with self._tx() as s:
            row = self._load(s, encounter_id)
            if row.status not in REVIEWABLE:
                raise Conflict(f"encounter {row.id} is {row.status}; a claim is built from a "
                               f"ready, in_review or coded encounter")
            state, version = copy.deepcopy(row.state), row.version
        _claim, view = billing.build(self.settings, self.kb, encounter_id, state)
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            self._append(s, row, actor, "claim_built", view, version=version)
        return view

    def release(self, actor: Actor, encounter_id: int, *, fmt: str = "837p") -> dict[str, Any]:
        """Release a coded encounter's claim: {"filename", "media_type", "content"}."""
        from medcoder.workbench import billing

        authorize(actor, "release")
        with self._tx() as s:
            row = self._load(s, encounter_id)
            if row.status != "coded":
                raise Conflict(f"encounter {row.id} is {row.status}; only a coded encounter "
                               "is released")
            state, version = copy.deepcopy(row.state), row.version
        claim, view = billing.build(self.settings, self.kb, encounter_id, state)
        blocking = [f for f in view["edits"] if f["rule"] == "workbench/patient"]
        if blocking:
            raise Conflict(blocking[0]["message"])
        filename, media, content = billing.write(self.settings, claim, fmt)
        with self._tx() as s:
            row = self._load(s, encounter_id, lock=True)
            if row.version != version:
                raise Conflict(f"encounter {row.id} changed while releasing; try again")
            self._append(s, row, actor, "claim_built", view)
            self._append(s, row, actor, "released", {
                "fmt": fmt, "filename": filename, "claim_id": claim.patient_control_number,
                "charge": str(claim.total_charge)})
        log.info("encounter %s released as %s", encounter_id, fmt)
        return {"filename": filename, "media_type": media, "content": content}

    def upload_remit(
        self, actor: Actor, content: bytes | str, *, filename: str | None = None
    ) -> dict[str, Any]:
        """Read an 835, match its payments against released claims priced with the billing
        profile (expected vs paid: underpaid / overpaid lines), explain each denied or reduced
        line (CARC/RARC wording, denial category and action) and post them: each matched
        encounter gets one ``remit_posted`` event, each payment a ``remits`` row.

        A payment is posted once. The same file again (same sha256), or a file whose every
        payment (TRN02 trace number + TRN03 originator) was already posted, is refused with
        Conflict (409) naming when and by whom it was posted, and records nothing; a file with
        new payments and already-posted ones posts the new ones and lists the others under
        "already_posted". Returns the match (totals, matched, unmatched, pricing_notes,
        posted, already_posted)."""
        import hashlib

        from sqlalchemy import select
        from sqlalchemy.exc import IntegrityError

        from medcoder.remit.match import match
        from medcoder.remit.readers.x835 import RemitBatch, read_835_text
        from medcoder.workbench.store.models import EncounterRow, RemitRow

        authorize(actor, "remit")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        if len(data) > self.settings.max_upload_bytes:
            raise TooLarge(f"the upload has {len(data)} bytes; the limit is "
                           f"{self.settings.max_upload_bytes}", where=filename or "remit")
        name = os.path.basename(filename) if filename else "remit.835"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("an 835 is ASCII/UTF-8 text", where=name) from None
        sha = hashlib.sha256(data).hexdigest()
        batch = RemitBatch()
        for rem in read_835_text(text, source=name, validate=False):
            batch.add(rem)  # the same payment twice in one file: once
        with self._read() as s:
            same_file = s.execute(select(RemitRow).where(RemitRow.file_sha256 == sha)
                                  .order_by(RemitRow.id)).scalars().first()
            if same_file is not None:
                raise Conflict(f"this 835 file was already posted on {_iso(same_file.posted_at)} by "
                               f"{same_file.posted_by} (remittance {same_file.id}, trace "
                               f"{same_file.trace_number or 'none'}); nothing was posted again",
                               where=name)
            already = []
            fresh = []
            for rem in batch.remittances:
                hit = self._posted_trace(s, rem)
                if hit is None:
                    fresh.append(rem)
                else:
                    already.append(_remit_ref(hit))
            released = s.execute(select(EncounterRow.id, EncounterRow.state)
                                 .where(EncounterRow.status == "released")).all()
        if not fresh:
            first = already[0]
            raise Conflict(f"payment trace {first['trace_number']} from {first['trace_originator']} "
                           f"was already posted on {first['posted_at']} by {first['posted_by']} "
                           f"(remittance {first['remit_id']}); nothing was posted again", where=name)
        claims, ids, prices, notes = self._remit_claims(
            released, {p.patient_control_number.strip() for rem in fresh for p in rem.claims})
        result = match(fresh, claims, prices=prices or None)
        out = result.to_dict()
        out["pricing_notes"] = notes
        out["already_posted"] = already
        origin = {id(p): k for k, rem in enumerate(fresh) for p in rem.claims}
        explain = _DenialExplainer(self.kb)
        for cm, m in zip(result.matched, out["matched"], strict=True):
            explain.attach(cm, m)
        try:
            with self._tx() as s:
                rows = []
                for k, rem in enumerate(fresh):
                    if self._posted_trace(s, rem) is not None:
                        raise Conflict(f"payment trace {rem.trace_number} was posted by another "
                                       "upload meanwhile; nothing was posted", where=name)
                    row = RemitRow(
                        posted_by_id=actor.user_id or None, posted_by=actor.username,
                        source=name[:255], file_sha256=sha,
                        trace_number=(rem.trace_number or None) and rem.trace_number[:80],
                        trace_originator=(rem.trace_originator or "")[:80],
                        payer=(rem.payer.name or None) and rem.payer.name[:200],
                        payment_date=rem.payment_date.isoformat() if rem.payment_date else None,
                        total_paid=str(rem.total_paid),
                        claims_matched=sum(1 for cm in result.matched
                                           if any(origin.get(id(p)) == k for p in cm.payments)))
                    s.add(row)
                    rows.append(row)
                s.flush()
                for cm, m in zip(result.matched, out["matched"], strict=True):
                    enc_id = ids.get(str(m.get("patient_control_number") or ""))
                    if enc_id is None:
                        continue
                    which = sorted({origin[id(p)] for p in cm.payments if id(p) in origin})
                    enc = self._load(s, enc_id, lock=True)
                    self._append(s, enc, actor, "remit_posted", {
                        "remit": m, "source": name, "remit_ids": [rows[k].id for k in which],
                        "trace_numbers": [fresh[k].trace_number for k in which]})
                out["posted"] = [_remit_ref(r) for r in rows]
        except IntegrityError:  # the unique trace: another upload of the same payment won
            raise Conflict("this 835's payment was posted by another upload at the same time; "
                           "nothing was posted", where=name) from None
        log.info("remittance %s posted: %s payment(s), %s claim(s) matched", sha[:12],
                 len(fresh), len(result.matched))
        return out

    def _remit_claims(self, released: Sequence[Any], named: set[str]
                      ) -> tuple[list[Any], dict[str, int], dict[str, Any], list[str]]:
        """(claims, encounter id by PCN, prices, pricing notes) that an 835 naming the patient
        control numbers ``named`` is matched against, in the order of ``released``.

        Only the claims the 835 names (``WB<id>``) are rebuilt and priced; the other released
        claims are read back as released (``billing.stored_claim``: they can only be listed as
        unpaid, since a payment whose PCN is ours matches that claim alone). When a payment
        names no claim we can build (empty, foreign or unknown PCN), every released claim is
        rebuilt and priced, for the member-id and name fallback."""
        from medcoder.workbench import billing

        built: dict[int, tuple[Any, Any, str | None]] = {}

        def build(enc_id: int, state: Any) -> None:
            try:
                claim, _view = billing.build(self.settings, self.kb, enc_id, copy.deepcopy(state))
            except MedcoderError:
                return
            try:
                built[enc_id] = (claim, billing.price(self.settings, self.kb, claim), None)
            except MedcoderError as exc:  # e.g. no fee schedule loaded: matched, not priced
                built[enc_id] = (claim, None, f"claim {claim.patient_control_number} not priced: "
                                              f"{exc.message}")

        for enc_id, state in released:
            if billing.control_number(enc_id) in named:
                build(enc_id, state)
        full = not named <= {c.patient_control_number for c, _p, _n in built.values()}
        claims, ids, prices, notes = [], {}, {}, []
        for enc_id, state in released:
            hit = built.get(enc_id)
            if hit is None and not full and billing.control_number(enc_id) not in named:
                stored = billing.stored_claim(state)
                if stored is not None:
                    claims.append(stored)
                    continue
            if hit is None and enc_id not in built:
                build(enc_id, state)
                hit = built.get(enc_id)
            if hit is None:
                continue
            claim, price, note = hit
            claims.append(claim)
            ids[claim.patient_control_number] = enc_id
            if price is not None:
                prices[claim.patient_control_number] = price
            if note:
                notes.append(note)
        return claims, ids, prices, notes

    @staticmethod
    def _posted_trace(s: Any, rem: Any) -> Any:
        """The ``remits`` row of an earlier posting of ``rem``'s payment (TRN02 + TRN03), or None."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import RemitRow

        if not rem.trace_number:
            return None
        return s.execute(select(RemitRow).where(
            RemitRow.trace_number == rem.trace_number[:80],
            RemitRow.trace_originator == (rem.trace_originator or "")[:80])).scalars().first()

    def remits(self, actor: Actor, *, limit: int = 100) -> list[dict[str, Any]]:
        """The 835 payments posted, newest first: {remit_id, trace_number, trace_originator,
        payer, payment_date, total_paid, claims_matched, source, posted_at, posted_by}."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import RemitRow

        authorize(actor, "remit")
        with self._read() as s:
            rows = s.execute(select(RemitRow).order_by(RemitRow.id.desc())
                             .limit(max(1, min(limit, 1000)))).scalars().all()
            return [_remit_ref(r) for r in rows]

    # history, audit, lookup, learn ------------------------------------------------------------
    def history(self, actor: Actor, encounter_id: int) -> list[dict[str, Any]]:
        """The encounter's append-only events in order: {seq, at, actor, type, data, reason}."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import EventRow

        authorize(actor, "history")
        with self._read() as s:
            self._load(s, encounter_id)
            rows = s.execute(select(EventRow).where(EventRow.encounter_id == encounter_id)
                             .order_by(EventRow.seq)).scalars().all()
            return [{"seq": r.seq, "at": _iso(r.at), "actor": r.actor, "type": r.type,
                     "data": r.data, "reason": r.reason} for r in rows]

    def rebuild_state(self, actor: Actor, encounter_id: int) -> dict[str, Any]:
        """The encounter's state folded again from its events (equals the cached projection)."""
        return ev.project(self.history(actor, encounter_id))

    def access_log(
        self, actor: Actor, *, encounter_id: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Who viewed which encounter, when (newest first)."""
        from sqlalchemy import select

        from medcoder.workbench.store.models import AccessLogRow

        authorize(actor, "access_log")
        stmt = select(AccessLogRow).order_by(AccessLogRow.id.desc()).limit(max(1, min(limit, 1000)))
        if encounter_id is not None:
            if not _is_id(encounter_id):
                return []
            stmt = stmt.where(AccessLogRow.encounter_id == encounter_id)
        with self._read() as s:
            return [{"id": r.id, "at": _iso(r.at), "user_id": r.user_id, "username": r.username,
                     "encounter_id": r.encounter_id, "action": r.action}
                    for r in s.execute(stmt).scalars()]

    def audit(
        self,
        actor: Actor,
        *,
        encounter_id: int | None = None,
        status: str = "released",
        limit: int = 200,
        recode: bool = False,
    ) -> dict[str, Any]:
        """Re-review released claims against their notes (``medcoder.audit``'s Reviewer, every
        finding family of ``medcoder audit run``): the ``limit`` newest encounters in ``status``
        (released, or coded: the claim the final codes make), or the one ``encounter_id`` names
        (which must be released or coded). Returns {"reviewed": n, "findings": [{encounter_id,
        line, check, severity, message, reference, evidence (note spans), amount, ...}],
        "encounters": [...], "totals": {...}}, findings in encounter order.

        The note is not coded again when the encounter's stored coding result is still current
        (same medcoder version, releases in force and encounter: ``auditing.stored_coding``);
        ``recode`` codes every note again anyway. Each encounter audited gets an ``audited``
        event (who, when, how many findings, ``coding``: "stored" or "recoded"; never the
        findings' words); one whose findings are shown (they quote the note) gets an access-log
        row (action "audit")."""
        from sqlalchemy import select

        from medcoder.audit.checks.duplicates import index
        from medcoder.audit.review import Reviewer
        from medcoder.workbench import auditing, billing
        from medcoder.workbench.store.models import EncounterRow

        authorize(actor, "audit")
        if status not in auditing.AUDIT_STATUSES:
            raise InputError(f"unknown audit status {status!r}; expected one of: "
                             f"{', '.join(auditing.AUDIT_STATUSES)}", where="status")
        if not 1 <= limit <= 500:
            raise InputError("limit is 1 to 500", where="limit")
        cols = (EncounterRow.id, EncounterRow.status, EncounterRow.version, EncounterRow.text,
                EncounterRow.document, EncounterRow.state)
        with self._read() as s:
            if encounter_id is not None:
                self._load(s, encounter_id)
                rows = s.execute(select(*cols).where(EncounterRow.id == encounter_id)).all()
                if rows[0][1] not in auditing.AUDIT_STATUSES:
                    raise Conflict(f"encounter {encounter_id} is {rows[0][1]}; an audit reviews a "
                                   f"{' or '.join(auditing.AUDIT_STATUSES)} encounter's claim")
            else:
                rows = s.execute(select(*cols).where(EncounterRow.status == status)
                                 .order_by(EncounterRow.id.desc()).limit(limit)).all()
        rows = sorted(rows, key=lambda r: r[0])  # the earlier encounter is the original (duplicates)
        pricing, _base = billing.load_billing_profile(self.settings).pricing()
        pricing = pricing or {}
        reviewer = Reviewer(self.kb, locality=(str(pricing["locality"]) if pricing.get("locality") else None),
                            zip_code=(str(pricing["zip"]) if pricing.get("zip") else None))
        seen: dict[Any, tuple[str, int]] = {}
        reviews: list[tuple[int, Any, str | None]] = []
        findings: list[dict[str, Any]] = []
        how: dict[int, str | None] = {}
        for eid, _status, _version, text, document, state in rows:
            how[eid] = None
            try:
                claim = auditing.audit_claim(self.settings, self.kb, eid, state)
            except MedcoderError as exc:
                reviews.append((eid, None, f"the claim could not be built: {exc.message}"))
                continue
            doc = auditing.documentation(claim.claim_id, _rebuild(text, dict(document or {})))
            coded = None if recode else auditing.stored_coding(self.kb, state, claim, doc)
            how[eid] = "stored" if coded is not None else "recoded"
            review = reviewer.review_one(claim, doc, seen, coded=coded)
            for k, v in index([claim]).items():
                seen.setdefault(k, v)
            reviews.append((eid, review, None))
            findings.extend(auditing.finding_row(eid, text, f) for f in review.findings)
        per_encounter, totals = auditing.summarize(reviews, findings)
        shown = {f["encounter_id"] for f in findings}
        with self._tx() as s:
            for (eid, _status, version, *_rest), one in zip(rows, per_encounter, strict=True):
                row = self._load(s, eid, lock=True)
                self._append(s, row, actor, "audited", {
                    "version": version, "status": _status, "reviewable": one["status"] == "reviewed",
                    "findings": one["findings"],
                    "checks": sorted({f["check"] for f in findings if f["encounter_id"] == eid}),
                    "overpayment": one["overpayment"], "underpayment": one["underpayment"],
                    "coding": how[eid]})
                if eid in shown:
                    self._log_access(s, actor, eid, "audit")
        log.info("audit by user %s: %s encounter(s), %s finding(s)", actor.user_id, len(rows),
                 len(findings))
        return {"reviewed": totals["reviewed"], "findings": findings, "encounters": per_encounter,
                "totals": totals}

    def lookup(
        self,
        actor: Actor,
        query: str,
        *,
        date: str | None = None,
        kind: str = "diagnosis",
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """Code search for adding a code: [{code, title, kind, system, source, billable}], best
        first. Diagnoses, from medcoder's own readers in this order, each code once:

        1. a code typed in any spelling ("E11.22", "e1122", "E11.2"): that code, then the codes
           under it, nearest first (source "code"); only these ([] for a code that does not
           exist on the date);
        2. what the coder reads in the words (``code_text`` in mentions mode, the Index-derived
           dictionary the notes are coded with: "diabetes" is E11.9), source "coder";
        3. ``medcoder lookup``'s answer (``codesets.lookup``): Index paths when an Index is
           loaded, then Tabular title matches ranked by words matched and BM25.

        Procedures: a code typed in full is validated (CPT descriptors are never shown).
        """
        from medcoder.codesets.lookup import lookup as cm_lookup

        authorize(actor, "view")
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; expected diagnosis or procedure", where="kind")
        words = (query or "").strip()
        if not words:
            raise InputError("lookup needs some words or a code", where="query")
        limit = max(1, min(int(limit), 100))
        out: list[dict[str, Any]] = []
        if kind == "procedure":
            try:
                title, system, code = self._validate_code(words.upper(), kind, {"date_of_service": date})
                out.append({"code": code, "title": title, "kind": kind, "system": system,
                            "source": "validate", "billable": True})
            except InputError:
                pass
            return out[:limit]
        tab = self.kb.open("icd10cm-tabular", date).reader
        seen: set[str] = set()

        def add(code: str | None, title: str | None, source: str) -> None:
            if code and code not in seen and len(out) < limit:
                seen.add(code)
                out.append({"code": code, "title": title or tab.title(code) or "", "kind": kind,
                            "system": "ICD-10-CM", "source": source,
                            "billable": bool(tab.is_billable(code))})

        if _looks_like_code(words):  # a code: it and the codes under it, or nothing
            for code in _code_and_below(tab, words, limit):
                add(code, None, "code")
            return out
        if any(c.isalpha() for c in words):
            from medcoder.coding import code_text

            read = code_text(words, mode="mentions", date_of_service=date, kb=self.kb)
            for d in read.diagnoses:
                add(d.code, d.description, "coder")
        if len(out) < limit:
            found = cm_lookup(words, date, limit=limit, kb=self.kb)
            for group in ("index", "tabular"):
                for hit in found.get(group) or []:
                    add(hit.get("code"), hit.get("title"), group)
        return out

    def learn_examples(self, actor: Actor) -> list[dict[str, Any]]:
        """Coded encounters as training rows for ``medcoder learn`` (text + final codes)."""
        from sqlalchemy import select

        from medcoder.workbench.learnfeed import LEARN_STATUSES, example_row
        from medcoder.workbench.store.models import EncounterRow

        authorize(actor, "learn")
        with self._read() as s:
            rows = s.execute(select(EncounterRow).where(EncounterRow.status.in_(LEARN_STATUSES))
                             .order_by(EncounterRow.id)).scalars().all()
            return [example_row(r.id, r.text, r.state) for r in rows]


#: the encounter columns the worklist selects (never ``text`` or ``state``)
_SUMMARY_SELECT = ("id", "created_at", "updated_at", "version", "source_format", "source_name",
                   *ev.SUMMARY_COLUMNS)

_dummy: list[str] = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(security.hash_password("not-a-real-password"))
    return _dummy[0]


#: an ICD-10-CM code or code prefix, dot optional: E11.22, e1122, E11.2, I1A.0, S72.001A
_CODE_LIKE = re.compile(r"^[A-Z][0-9][0-9A-Z]\.?[0-9A-Z]{0,4}$")


def _remit_ref(row: Any) -> dict[str, Any]:
    return {"remit_id": row.id, "trace_number": row.trace_number,
            "trace_originator": row.trace_originator, "payer": row.payer,
            "payment_date": row.payment_date, "total_paid": row.total_paid,
            "claims_matched": row.claims_matched, "source": row.source,
            "posted_at": _iso(row.posted_at), "posted_by": row.posted_by}


class _DenialExplainer:
    """Adds to a matched claim's JSON the denials of its adjudications that count
    (``remit.denials.classify``: category, action, plain reason) with the wording of each CARC
    and RARC (``remit.explain``: "description not loaded" when the lists are not imported): on
    the claim (``denials``) and on each denied or reduced line (``denial``)."""

    def __init__(self, kb: Any) -> None:
        from medcoder.remit.explain import Explainer

        self._ex = Explainer(kb)

    def _code(self, kind: str, code: str, on: _dt.date | None) -> dict[str, Any]:
        ct = self._ex.describe(kind, code, on)
        return {"code": ct.code, "text": ct.text, "known": ct.known}

    def attach(self, cm: Any, m: dict[str, Any]) -> None:
        from medcoder.remit.denials import classify
        from medcoder.remit.model import to_dict

        m["denials"] = []
        lines = {(ln.get("payment"), ln.get("remit_line")): ln for ln in m.get("lines") or []}
        for pi in cm.effective:
            payment = cm.payments[pi]
            day = payment.service_from
            for d in classify(payment):
                item = to_dict(d)
                item["carcs"] = [self._code("carc", c, day) for c in d.carcs]
                item["rarcs"] = [self._code("rarc", r, day) for r in d.rarcs]
                item["group_text"] = self._code("claim-adjustment-groups", d.group, day)["text"]
                m["denials"].append(item)
                line = lines.get((pi, d.line)) if d.line is not None else None
                if line is not None:
                    line["denial"] = item


def _looks_like_code(words: str) -> bool:
    return bool(_CODE_LIKE.match(words.strip().upper().replace(" ", "")))


def _code_and_below(tab: Any, words: str, limit: int) -> list[str]:
    """The code a query names (normalised as the Tabular does) and the codes under it, nearest
    first (its children in Tabular order, then theirs); [] when the query names no code."""
    from medcoder.codesets.icd10cm.reader import normalize

    if not _looks_like_code(words):
        return []
    code = normalize(words)
    if tab.title(code) is None:
        return []
    out = [code]
    queue = [code]
    while queue and len(out) < limit:
        for kid in tab.children(queue.pop(0)):
            if kid not in out:
                out.append(kid)
                queue.append(kid)
    return out[:limit]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _rebuild(text: str, doc: dict[str, Any]) -> Any:
    """The Encounter the reader gave, from the stored text and fields."""
    from medcoder.dates import parse_date
    from medcoder.encounter import Encounter, Section, StructuredCondition

    dos = doc.get("date_of_service")
    return Encounter(
        text=text,
        setting=doc.get("setting") or "outpatient",
        date_of_service=parse_date(dos) if dos else None,
        patient_age=doc.get("patient_age"),
        patient_sex=doc.get("patient_sex") or "U",
        encounter_id=doc.get("encounter_id"),
        patient_id=doc.get("patient_id"),
        sections=[Section(**x) for x in doc.get("sections") or []],
        conditions=[StructuredCondition(**x) for x in doc.get("conditions") or []],
        source_format=doc.get("source_format") or "text",
        metadata=dict(doc.get("metadata") or {}),
    )
