"""`medcoder data` import / status / sync and the encoder commands, run as a user runs them."""

from __future__ import annotations

import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from medcoder.codesets.kb import KnowledgeBase
from medcoder.codesets.sync import sync
from medcoder.codesets.validate import validate

FIX = Path(__file__).parent / "fixtures" / "icd10cm"


def medcoder(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDCODER_DATA": str(data_dir), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "medcoder.cli.main", *args], capture_output=True, text=True, env=env
    )


def test_show_json_gives_the_code_card(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    out = medcoder("show", "E11.22", "--date", "2026-05-01", "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    card = json.loads(out.stdout)
    assert card["code"] == "E11.22" and card["billable"] is True
    assert card["validity"]["valid"] is True
    assert any(n["type"] == "useAdditionalCode" and not n["inherited"] for n in card["notes"])


def test_show_table_output_for_people(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    out = medcoder("show", "S52.521", "--date", "2026-05-01", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "needs a 7th character" in out.stdout
    assert "S52.521A" in out.stdout


def test_unknown_code_is_a_clear_error_with_exit_2(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    out = medcoder("show", "ZZZ9", data_dir=data_dir)
    assert out.returncode == 2
    assert out.stderr.startswith("error[MC102]:")
    assert "Traceback" not in out.stderr


def test_bad_date_is_a_clear_error(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    out = medcoder("show", "E11.22", "--date", "2026-02-30", data_dir=data_dir)
    assert out.returncode == 2
    assert "error[MC101]" in out.stderr and "YYYY-MM-DD" in out.stderr


def test_lookup_json(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    out = medcoder("lookup", "diabetes with ckd", "--json", "--date", "2026-05-01", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    top = [h["code"] for h in res["tabular"][:5]]
    assert "E11.22" in top
    assert res["tabular"][0]["path"][-1] == res["tabular"][0]["title"]


def test_import_status_and_release_choice_by_date(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    out = medcoder("data", "import", "icd10cm-tabular", str(FIX / "icd10cm-tabular-2027.xml"), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "FY2027" in out.stdout
    st = json.loads(medcoder("data", "status", "--json", data_dir=data_dir).stdout)
    releases = sorted(t["release"] for t in st["tables"] if t["kind"] == "icd10cm-tabular")
    assert releases == ["FY2026-April", "FY2027"]
    kb = KnowledgeBase(tabular_kb.store)
    # 2026-11-25 is in FY2027: the fixture release answers, without a notice
    v = validate("E11.22", "2026-11-25", kb=kb)
    assert v.valid and v.release == "FY2027" and v.notice is None
    # a code only the FY2026 file has is not in the FY2027 fixture
    assert not validate("E11.21", "2026-11-25", kb=kb).valid
    assert validate("E11.21", "2026-05-01", kb=kb).valid
    # after the newest release: answered from FY2027, and said so
    v = validate("W19.XXXA", "2027-12-01", kb=kb)
    assert v.valid and v.notice and "FY2027" in v.notice


def test_failed_import_leaves_previous_version(tabular_kb: KnowledgeBase, data_dir: Path) -> None:
    before = (data_dir / "manifest.json").read_bytes()
    bad = Path(__file__).parent / "bad_inputs" / "icd10cm-tabular" / "truncated.xml"
    out = medcoder("data", "import", "icd10cm-tabular", str(bad), data_dir=data_dir)
    assert out.returncode == 2
    assert "truncated.xml:12" in out.stderr
    assert (data_dir / "manifest.json").read_bytes() == before
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".staging")]


@pytest.fixture
def http_mirror(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "mirror"
    root.mkdir()
    with zipfile.ZipFile(root / "icd10cm-table-index-April-2026.zip", "w") as zf:
        zf.write(FIX / "icd10cm-tabular-2027.xml", "icd10cm-tabular-2027.xml")
        zf.writestr("icd10cm-index-2027.xml", "<ICD10CM.index/>")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_sync_downloads_verifies_and_imports(http_mirror: str, kb: KnowledgeBase) -> None:
    report = sync(["icd10cm-tabular"], mirror=http_mirror, kb=kb)
    (r,) = report["results"]
    assert r["ok"], r
    (info,) = kb.store.tables("icd10cm-tabular")
    assert info.release == "FY2027"
    assert info.source.startswith(http_mirror)
    assert (kb.store.root / "downloads" / "icd10cm-table-index-April-2026.zip").is_file()


def test_sync_offline_fails_clearly_and_changes_nothing(kb: KnowledgeBase) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = sync(["icd10cm-tabular"], mirror=f"http://127.0.0.1:{port}/", timeout=5, kb=kb)
    (r,) = report["results"]
    assert not r["ok"]
    assert "could not download" in r["message"] and "medcoder data import" in r["message"]
    assert kb.store.tables() == []


def test_sync_refuses_a_truncated_zip(tmp_path: Path, kb: KnowledgeBase) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "icd10cm-table-index-April-2026.zip").write_bytes(b"PK\x03\x04broken")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        report = sync(["icd10cm-tabular"], mirror=f"http://127.0.0.1:{server.server_address[1]}", kb=kb)
    finally:
        server.shutdown()
        server.server_close()
    (r,) = report["results"]
    assert not r["ok"] and "not a readable zip" in r["message"]
    assert kb.store.tables() == []
    assert not (kb.store.root / "downloads" / "icd10cm-table-index-April-2026.zip").exists()
