"""Roles (a table over every service method), passwords, tokens, the access log, settings that
refuse default secrets, and no note text in logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from wbcore_helpers import PATIENT, encounter_json, example, ready_encounter

from medcoder.errors import MedcoderError
from medcoder.workbench import (
    Actor,
    AuthError,
    ConfigError,
    Conflict,
    Forbidden,
    Settings,
    Workbench,
)
from medcoder.workbench.security import PERMISSIONS, ROLES, authorize
from medcoder.workbench.settings import DEV_SECRET

Call = Callable[[Workbench, Actor, int], Any]

# every service method that takes an actor -> the action it needs
METHODS: list[tuple[str, str, Call]] = [
    ("ingest", "ingest", lambda wb, a, e: wb.ingest(a, encounter_json(), filename="r.json")),
    ("code_note", "code", lambda wb, a, e: wb.code_note(a, "Cough.", date_of_service="2026-05-04")),
    ("worklist", "view", lambda wb, a, e: wb.worklist(a)),
    ("encounter", "view", lambda wb, a, e: wb.encounter(a, e)),
    ("job", "view", lambda wb, a, e: wb.job(a, 1)),
    ("lookup", "view", lambda wb, a, e: wb.lookup(a, "hypertension", limit=2)),
    ("decide", "decide", lambda wb, a, e: wb.decide(a, e, action="accept", code="E11.22")),
    ("sequence", "decide", lambda wb, a, e: wb.sequence(a, e, ["E11.22"])),
    ("complete", "decide", lambda wb, a, e: wb.complete(a, e)),
    ("query_physician", "query", lambda wb, a, e: wb.query_physician(a, e, question="Stage?")),
    ("answer_query", "query", lambda wb, a, e: wb.answer_query(a, e, 1, "3a")),
    ("build_claim", "claim", lambda wb, a, e: wb.build_claim(a, e)),
    ("release", "release", lambda wb, a, e: wb.release(a, e)),
    ("upload_remit", "remit", lambda wb, a, e: wb.upload_remit(a, "ISA*00~", filename="x.835")),
    ("history", "history", lambda wb, a, e: wb.history(a, e)),
    ("access_log", "access_log", lambda wb, a, e: wb.access_log(a)),
    ("audit", "audit", lambda wb, a, e: wb.audit(a, limit=5)),
    ("list_users", "users", lambda wb, a, e: wb.list_users(a)),
    ("create_user", "users", lambda wb, a, e: wb.create_user(a, f"u-{a.role}", "password-1", "coder")),
    ("update_user", "users", lambda wb, a, e: wb.update_user(a, 1, active=True)),
    ("learn_examples", "learn", lambda wb, a, e: wb.learn_examples(a)),
]

EXPECTED = {  # the role table of the interface, written out
    "coder": {"ingest", "code", "view", "decide", "query", "claim", "history"},
    "biller": {"view", "claim", "release", "remit", "history"},
    "auditor": {"view", "history", "access_log", "audit"},
    "admin": set(PERMISSIONS),
}


def test_permission_table() -> None:
    for role in ROLES:
        assert {a for a, roles in PERMISSIONS.items() if role in roles} == EXPECTED[role]
    with pytest.raises(Forbidden, match="role 'auditor' may not 'decide'"):
        authorize(Actor(1, "a", "auditor"), "decide")


def test_every_method_enforces_its_role(wb: Workbench, actors: dict[str, Actor]) -> None:
    eid = ready_encounter(wb, actors["coder"], example("office-diabetes-ckd.json"),
                          patient=PATIENT)
    wb.query_physician(actors["coder"], eid, question="CKD stage?")
    for role in ROLES:
        actor = actors[role]
        for name, action, call in METHODS:
            version = wb.encounter(actors["admin"], eid)["version"]
            if action in EXPECTED[role]:
                try:
                    call(wb, actor, eid)
                except Forbidden as exc:  # pragma: no cover - the failure this test looks for
                    pytest.fail(f"{role} was refused {name}: {exc}")
                except MedcoderError:
                    pass  # allowed, but the encounter's state refuses it (e.g. not coded yet)
            else:
                with pytest.raises(Forbidden, match=f"role '{role}' may not '{action}'"):
                    call(wb, actor, eid)
                after = wb.encounter(actors["admin"], eid)["version"]
                assert after == version, f"{role} {name}: a refused call changed nothing"


def test_passwords_are_argon2_and_checked(wb: Workbench) -> None:
    from sqlalchemy import select

    from medcoder.workbench.store.models import User

    wb.create_user(None, "first", "first-password", "admin")
    with pytest.raises(Forbidden):  # bootstrap only while no user exists
        wb.create_user(None, "second", "second-password", "admin")
    wb.create_user(None, "cli", "cli-password", "coder", system=True)
    with wb._tx() as s:
        hashes = s.execute(select(User.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any("password" in h for h in hashes)
    assert wb.authenticate("first", "first-password").role == "admin"
    with pytest.raises(AuthError):
        wb.authenticate("first", "wrong-password")
    with pytest.raises(AuthError):
        wb.authenticate("nobody", "first-password")
    admin = wb.authenticate("first", "first-password")
    with pytest.raises(Conflict):
        wb.create_user(admin, "cli", "another-password", "coder")
    with pytest.raises(MedcoderError):
        wb.create_user(admin, "x", "short", "coder")
    with pytest.raises(MedcoderError):
        wb.create_user(admin, "y", "long-enough-pw", "superuser")


def test_production_hasher_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real hasher (not the light one the other tests use): argon2id, RFC 9106 costs."""
    from medcoder.workbench import security

    monkeypatch.undo()  # drop the light hasher of conftest
    h = security.hash_password("a-password")
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert security.verify_password(h, "a-password") and not security.verify_password(h, "b")
    assert not security.needs_rehash(h)


def test_tokens_issue_use_revoke(wb: Workbench, actors: dict[str, Actor]) -> None:
    from sqlalchemy import select

    from medcoder.workbench.store.models import ApiToken

    coder = actors["coder"]
    token = wb.issue_token(coder, "laptop")
    assert wb.actor_for_token(token) == coder
    with wb._tx() as s:
        stored = s.execute(select(ApiToken.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64  # only the sha256 is kept
    listed = wb.list_tokens(coder)
    assert [t["name"] for t in listed] == ["laptop"] and listed[0]["last_used_at"]
    with pytest.raises(AuthError):
        wb.actor_for_token(token[:-2] + "xx")
    with pytest.raises(AuthError):
        wb.actor_for_token("")
    from medcoder.workbench import NotFound

    with pytest.raises(NotFound):  # another user's token
        wb.revoke_token(actors["biller"], listed[0]["id"])
    wb.revoke_token(coder, listed[0]["id"])
    with pytest.raises(AuthError):
        wb.actor_for_token(token)
    assert wb.list_tokens(coder)[0]["revoked_at"]


def test_access_log(wb: Workbench, actors: dict[str, Actor]) -> None:
    eid = ready_encounter(wb, actors["coder"])
    wb.encounter(actors["coder"], eid)
    wb.encounter(actors["biller"], eid)
    wb.worklist(actors["coder"])  # the worklist shows no note: not logged
    rows = wb.access_log(actors["auditor"], encounter_id=eid)
    assert [(r["username"], r["encounter_id"], r["action"]) for r in rows] == [
        ("biller", eid, "view"), ("coder", eid, "view")]
    assert all(r["at"] for r in rows)
    assert wb.access_log(actors["auditor"], encounter_id=eid + 1) == []


@pytest.mark.parametrize("env", ["production", "test"])
def test_settings_refuse_default_secrets(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MEDCODER_SECRET_KEY", "MEDCODER_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEDCODER_ENV", env)
    for secret in ("", DEV_SECRET, "changethis", "short-secret"):
        monkeypatch.setenv("MEDCODER_SECRET_KEY", secret)
        with pytest.raises(ConfigError) as info:
            Settings.from_env().check()
        assert info.value.where == "MEDCODER_SECRET_KEY"
    monkeypatch.setenv("MEDCODER_SECRET_KEY", "r" * 40)
    settings = Settings.from_env(database_url="sqlite:///x.sqlite").check()
    assert settings.env == env and "r" * 40 not in str(settings.redacted())
    with pytest.raises(ConfigError):
        Workbench.open(Settings(env=env, database_url="sqlite:///never.sqlite"))


def test_settings_development_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for var in ("MEDCODER_SECRET_KEY", "MEDCODER_DATABASE_URL", "MEDCODER_ENV"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MEDCODER_DATA", str(tmp_path))
    monkeypatch.setenv("MEDCODER_MAX_UPLOAD_BYTES", "1234")
    s = Settings.from_env().check()
    assert s.secret_key == DEV_SECRET and s.max_upload_bytes == 1234
    assert s.database_url == f"sqlite:///{tmp_path / 'workbench.sqlite'}"
    monkeypatch.setenv("MEDCODER_ENV", "staging")
    with pytest.raises(ConfigError):
        Settings.from_env()
    with pytest.raises(ConfigError):
        Settings.from_env(colour="blue")


def test_the_test_job_delay_is_honoured_only_in_tests(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Any) -> None:
    monkeypatch.setenv("MEDCODER_TEST_JOB_DELAY", "0.25")
    monkeypatch.setenv("MEDCODER_JOB_LEASE_SECONDS", "7")
    monkeypatch.setenv("MEDCODER_SECRET_KEY", "r" * 40)
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    for env in ("development", "production"):
        monkeypatch.setenv("MEDCODER_ENV", env)
        s = Settings.from_env(database_url=url).check()
        assert s.test_job_delay == 0 and s.job_lease_seconds == 7
        assert Workbench(s)._job_hook is None
    monkeypatch.setenv("MEDCODER_ENV", "test")
    s = Settings.from_env(database_url=url).check()
    assert s.test_job_delay == 0.25
    assert Workbench(s)._job_hook is not None
    with pytest.raises(ConfigError) as info:
        Settings(env="production", secret_key="r" * 40, database_url=url, test_job_delay=1).check()
    assert info.value.where == "MEDCODER_TEST_JOB_DELAY"
    monkeypatch.setenv("MEDCODER_TEST_JOB_DELAY", "soon")
    with pytest.raises(ConfigError):
        Settings.from_env(database_url=url)


def test_no_note_text_in_logs(wb: Workbench, actors: dict[str, Actor],
                              caplog: pytest.LogCaptureFixture) -> None:
    marker = "Zyxquv-4417"
    note = f"Assessment: essential hypertension. Patient {marker} reports {marker} symptoms."
    caplog.set_level(logging.DEBUG)
    coder = actors["coder"]
    eid = wb.ingest(coder, note, filename="marker.txt", fmt="text")["id"]
    wb.run_pending(worker_id="w")
    enc = wb.encounter(coder, eid)
    assert marker in enc["text"]
    wb.decide(coder, eid, action="add", code="R53.83", reason="fatigue")
    wb.history(coder, eid)
    for bad in (note.encode() + b"\xff\xfe", ("{" + f'"text": "{marker}", "setting": 7}}').encode()):
        with pytest.raises(MedcoderError) as info:
            wb.ingest(coder, bad, filename="bad.json", fmt="encounter-json")
        assert marker not in str(info.value)
    assert caplog.records, "the run logged something"
    assert marker not in caplog.text
    assert all(marker not in str(r.args) for r in caplog.records)


def test_token_use_is_recorded_at_most_once_a_minute(wb: Workbench, actors: dict[str, Actor]) -> None:
    import datetime as dt

    from sqlalchemy import select, update

    from medcoder.workbench.service import TOKEN_TOUCH_SECONDS
    from medcoder.workbench.store.models import ApiToken

    token = wb.issue_token(actors["coder"], "script")

    def last_used() -> Any:
        with wb._tx() as s:
            return s.execute(select(ApiToken.last_used_at)).scalar_one()

    assert last_used() is None
    wb.actor_for_token(token)
    first = last_used()
    assert first is not None
    for _ in range(3):  # used again within the minute: not written again
        assert wb.actor_for_token(token) == actors["coder"]
    assert last_used() == first
    old = first - dt.timedelta(seconds=TOKEN_TOUCH_SECONDS + 1)
    with wb._tx() as s:
        s.execute(update(ApiToken).values(last_used_at=old))
    wb.actor_for_token(token)
    assert last_used() > old


def test_deactivated_user_and_changed_role_take_effect_at_once(wb: Workbench,
                                                              actors: dict[str, Actor]) -> None:
    from medcoder.workbench import NotFound

    admin, coder = actors["admin"], actors["coder"]
    token = wb.issue_token(coder, "laptop")
    assert wb.actor_for_user(coder.user_id) == coder
    out = wb.deactivate_user(admin, coder.user_id)
    assert out["active"] is False
    with pytest.raises(AuthError):
        wb.actor_for_token(token)
    with pytest.raises(AuthError):
        wb.actor_for_user(coder.user_id)
    with pytest.raises(AuthError):
        wb.authenticate("coder", "coder-password")
    wb.update_user(admin, coder.user_id, active=True, role="biller")
    assert wb.actor_for_token(token) == Actor(coder.user_id, "coder", "biller")
    assert wb.actor_for_user(coder.user_id).role == "biller"
    with pytest.raises(AuthError):
        wb.actor_for_user(9999)
    with pytest.raises(NotFound):
        wb.update_user(admin, 9999, active=False)
    with pytest.raises(Conflict):  # the admin cannot lock themselves out
        wb.deactivate_user(admin, admin.user_id)
    with pytest.raises(Conflict):
        wb.update_user(admin, admin.user_id, role="coder")
    with pytest.raises(MedcoderError, match="unknown role"):
        wb.update_user(admin, coder.user_id, role="boss")
