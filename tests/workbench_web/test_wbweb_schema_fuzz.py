"""The workbench API fuzzed against its own OpenAPI schema (schemathesis, in process over ASGI).

Every operation of ``/api/v1/openapi.json`` gets generated requests, valid and not (bad query
values, huge integer ids, unicode, empty bodies, wrong content types), sent with an admin token
to an app over a temp SQLite store (and PostgreSQL when ``MEDCODER_TEST_POSTGRES_URL`` is set)
holding a few coded encounters (about half the generated
integer ids are mapped onto those, so the operations are reached past "not found"). Checked on
every response:

- schemathesis: ``not_a_server_error``, ``status_code_conformance`` (the status is declared),
  ``content_type_conformance`` and ``response_schema_conformance`` (where the schema has one);
- the product's promise: every error (4xx/5xx) is ``application/problem+json`` with a ``code``,
  and carries no note text (neither a line of the stored notes nor the text the request sent).

Bounded for CI: derandomized, ``MEDCODER_FUZZ_EXAMPLES`` examples per operation (default 15).
The plain regression tests of the bugs found here are in ``test_wbweb_fuzz_regressions.py``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed (pip install 'medcoder[test]')")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from wbweb_support import EXAMPLES as NOTES  # noqa: E402
from wbweb_support import PATIENT, SECRET, World, make_world, postgres_schema_url  # noqa: E402

from medcoder.workbench.errors import AuthError  # noqa: E402
from medcoder.workbench.settings import Settings  # noqa: E402
from medcoder.workbench.web import create_app  # noqa: E402

EXAMPLES = int(os.environ.get("MEDCODER_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SEEDED = ("office-diabetes-ckd.json", "office-heart-failure.json", "ed-wrist-fracture.json")


class FuzzWorld:
    """The app under test, the ids that exist, and the admin's token (re-issued when a
    generated ``revokeToken`` revokes it)."""

    def __init__(self, world: World) -> None:
        self.world = world
        s = Settings(**{**world.settings.__dict__, "rate_limit_per_minute": 0})
        self.app = create_app(s, workbench=world.wb)
        self.encounters = [world.ingest(NOTES / name, patient=PATIENT) for name in SEEDED]
        self.token = world.wb.issue_token(world.actors["admin"], "fuzz")
        self.note_lines = sorted({line.strip() for eid in self.encounters
                                  for line in self._note(eid).splitlines() if len(line.strip()) >= 25})

    def _note(self, eid: int) -> str:
        enc = self.world.wb.encounter(self.world.actors["admin"], eid)
        return str(enc.get("text") or enc.get("note") or "")

    def ids(self, name: str) -> list[int]:
        wb, admin = self.world.wb, self.world.actors["admin"]
        if name == "user_id":
            return [int(u["id"]) for u in wb.list_users(admin)]
        if name == "token_id":
            return [int(t["id"]) for t in wb.list_tokens(admin)]
        if name == "job_id":
            return [int(j) for j in range(1, len(self.encounters) + 1)]
        if name == "query_id":
            return [0, 1]
        return list(self.encounters)

    def headers(self) -> dict[str, str]:
        try:
            self.world.wb.actor_for_token(self.token)
        except AuthError:
            self.token = self.world.wb.issue_token(self.world.actors["admin"], "fuzz")
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               coding_kb: Any) -> Iterator[FuzzWorld]:
    """The app over a temp SQLite store, and over PostgreSQL when ``MEDCODER_TEST_POSTGRES_URL``
    names a server (skipped otherwise): its column widths and value ranges are stricter."""
    tmp = Path(tmp_path_factory.mktemp("wbfuzz"))
    if request.param == "sqlite":
        world = make_world(tmp, coding_kb)
        yield FuzzWorld(world)
        world.client.close()
        world.wb.close()
        return
    with postgres_schema_url() as url:
        world = make_world(tmp, coding_kb, database_url=url)
        yield FuzzWorld(world)
        world.client.close()
        world.wb.close()


#: HL7 v2 bodies go on the wire as text (schemathesis has no serializer for the media type)
schemathesis.serializer.alias("x-application/hl7-v2+er7", "text/plain")

#: the schema is read at collection from an app over no workbench (building the OpenAPI touches
#: none); the requests go to ``FuzzWorld.app``, over the real one
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json",
    create_app(Settings(env="test", secret_key=SECRET, database_url="sqlite://"), workbench=object()))


def _pin_ids(case: Any, fw: FuzzWorld) -> None:
    """Map about half the generated integer path ids onto ids that exist (deterministically)."""
    params = case.path_parameters or {}
    for name, value in list(params.items()):
        if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
            known = fw.ids(name)
            params[name] = known[(value // 2) % len(known)]


def _sent_text(case: Any) -> str:
    body = case.body
    if isinstance(body, dict):
        body = body.get("text")
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return body if isinstance(body, str) else ""


def _check_problem(case: Any, response: Any, fw: FuzzWorld) -> None:
    if response.status_code < 400:
        return
    ctype = ",".join(response.headers.get("content-type") or ())
    assert ctype.startswith("application/problem+json"), (
        f"{case.operation.label}: {response.status_code} with content type {ctype!r}")
    body = response.json()
    assert isinstance(body, dict) and str(body.get("code", "")).startswith("MC"), body
    assert body.get("status") == response.status_code, body
    text = response.text
    leaked = [line for line in fw.note_lines if line in text]
    assert not leaked, f"{case.operation.label}: the error carries note text"
    sent = _sent_text(case).strip()
    if len(sent) >= 16:
        assert sent[:16] not in text, f"{case.operation.label}: the error echoes the text sent"


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, fuzz_world: FuzzWorld) -> None:
    _pin_ids(case, fuzz_world)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = case.call(app=fuzz_world.app, headers=fuzz_world.headers())
    _check_problem(case, response, fuzz_world)
    case.validate_response(response, checks=CHECKS)


def test_every_operation_is_fuzzed() -> None:
    """The schema the fuzzer reads lists the operations the docs list (none left out)."""
    ops = {op.ok().definition.raw.get("operationId") for op in schema.get_all_operations()}
    assert {"ingestDocument", "codeNote", "listWorklist", "getEncounter", "decideCode",
            "releaseClaim", "uploadRemit", "auditEncounters", "lookupCodes", "updateUser",
            "revokeToken"} <= ops

