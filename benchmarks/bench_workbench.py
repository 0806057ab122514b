"""Workbench load (issue #9): the synchronous coding endpoint and the worklist under 1, 8 and 32
concurrent clients, on loopback only.

    python benchmarks/bench_workbench.py [--requests 200] [--data ../shared/data/codiesp] [--write]

One uvicorn process on 127.0.0.1 (a free port) serves ``create_app()`` over a temp SQLite holding
50 coded encounters; an httpx AsyncClient in this process sends ``--requests`` requests per
concurrency level to ``POST /api/v1/code`` (a CodiEsp dev English note of median length; the
bundled example note when the corpus is absent) and to ``GET /api/v1/worklist``, and prints
requests/s and p50/p95 latency. ``--write`` puts them in docs/benchmarks.md ("Workbench").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdoc import machine, put_section

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "codiesp"
LEVELS = (1, 8, 32)
SERVER = """
import sys, uvicorn
from medcoder.workbench.settings import Settings
from medcoder.workbench.web import create_app
s = Settings.from_env(job_threads=0, rate_limit_per_minute=0)
uvicorn.run(create_app(s), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def _note(data: Path) -> tuple[str, str]:
    folder = data / "dev" / "text_files_en"
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if files:
        by_len = sorted(files, key=lambda f: len(f.read_text(encoding="utf-8")))
        f = by_len[len(by_len) // 2]
        return f.read_text(encoding="utf-8"), f"CodiEsp dev {f.name}"
    doc = json.loads((REPO / "src" / "medcoder" / "examples" / "office-diabetes-ckd.json").read_text())
    return str(doc["text"]), "examples/office-diabetes-ckd.json"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(tmp: Path, note: str) -> str:
    from medcoder.workbench.service import Workbench
    from medcoder.workbench.settings import Settings

    wb = Workbench.open(Settings.from_env(job_threads=0))
    admin = wb.create_user(None, "bench", "bench-password", "admin")
    from medcoder.workbench.security import Actor

    actor = Actor(int(admin["id"]), "bench", "admin")
    token = wb.issue_token(actor, "bench")
    for _ in range(50):
        wb.ingest(actor, note.encode(), filename="note.txt", setting="outpatient", date_of_service="2026-05-04")
    wb.run_pending(worker_id="bench")
    wb.close()
    return token


async def _level(url: str, token: str, method: str, path: str, body: Any, n: int, conc: int) -> dict[str, Any]:
    import httpx

    lat: list[float] = []
    errors = 0
    sem = asyncio.Semaphore(conc)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                 timeout=60, limits=httpx.Limits(max_connections=conc)) as client:
        async def one() -> None:
            nonlocal errors
            async with sem:
                t0 = time.perf_counter()
                r = await client.request(method, path, json=body)
                lat.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    errors += 1

        for _ in range(min(conc, 4)):  # warm the connections and the coder
            await one()
        lat.clear()
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        secs = time.perf_counter() - t0
    lat.sort()
    return {"rps": round(n / secs, 1), "p50": round(statistics.median(lat), 1),
            "p95": round(lat[max(0, int(len(lat) * 0.95) - 1)], 1), "errors": errors}


def bench(data: Path, requests: int) -> dict[str, Any]:
    note, source = _note(data)
    tmp = Path(tempfile.mkdtemp(prefix="medcoder-bench-wb-"))
    os.environ.setdefault("MEDCODER_DATA", str(tmp / "data"))
    os.environ["MEDCODER_DATABASE_URL"] = f"sqlite:///{tmp / 'wb.sqlite'}"
    os.environ["MEDCODER_ENV"] = "development"
    token = _prepare(tmp, note)
    port = _port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        r: dict[str, Any] = {"date": dt.date.today().isoformat(), "machine": machine(), "source": source,
                             "chars": len(note), "requests": requests,
                             "load": round(os.getloadavg()[0], 1)}
        code_body = {"text": note, "setting": "outpatient", "date_of_service": "2026-05-04"}
        for name, method, path, body in (("code", "POST", "/api/v1/code", code_body),
                                         ("worklist", "GET", "/api/v1/worklist?limit=50", None)):
            for conc in LEVELS:
                r[f"{name}_{conc}"] = asyncio.run(_level(url, token, method, path, body, requests, conc))
                print(name, conc, r[f"{name}_{conc}"], flush=True)
        return r
    finally:
        proc.terminate()
        proc.wait(10)


def _write(r: dict[str, Any]) -> None:
    start, end = "<!-- workbench:start -->", "<!-- workbench:end -->"
    rows = []
    for name, label in (("code", "`POST /api/v1/code` (code one note, nothing stored)"),
                        ("worklist", "`GET /api/v1/worklist?limit=50` (50 rows)")):
        for conc in LEVELS:
            m = r[f"{name}_{conc}"]
            target = "p95 < 300 ms" if (name, conc) == ("code", 8) else ""
            rows.append(f"| {label} | {conc} | {m['rps']} | {m['p50']} | {m['p95']} | {m['errors']} | {target} |")
    table = "\n".join(rows)
    section = f"""{start}
## Workbench (issue #9): `python benchmarks/bench_workbench.py --write`

Measured {r['date']} on {r['machine']}, in one run. One uvicorn process on 127.0.0.1 serving
`create_app()` over SQLite (50 coded encounters); an httpx AsyncClient in another process sends
{r['requests']} requests per level (after a short warm-up). The note is {r['source']}
({r['chars']:,} characters). Latency in milliseconds, client side. The 1-minute load average
when the run started was {r['load']} (the machine is shared: other work slows every row).

| endpoint | concurrent clients | requests/s | p50 ms | p95 ms | errors | target |
|---|---|---|---|---|---|---|
{table}

Coding is CPU-bound Python: one process serves one note at a time, so requests/s stays flat
with concurrency and latency grows with the queue; more throughput means more processes.

{end}"""
    put_section(start, end, section)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--requests", type=int, default=200, help="requests per concurrency level")
    ap.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    a = ap.parse_args()
    r = bench(a.data, a.requests)
    if a.write:
        _write(r)


if __name__ == "__main__":
    main()
