"""``medcoder data sync``: download official files, verify them, import them.

Downloads go to ``<data dir>/downloads/`` through a temp file; a file is verified (non-empty,
a readable zip when it should be one, and the expected sha256 when the source pins one) before
it is imported. Offline, every download fails with a clear message and nothing changes.
``mirror`` replaces the official host with another base URL holding the same file names (a
local mirror, or a test server on 127.0.0.1).
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from medcoder.codesets.kb import KnowledgeBase, default_kb
from medcoder.codesets.registry import SyncSource, spec, specs
from medcoder.errors import MedcoderError, SyncError

USER_AGENT = "medcoder-data-sync"


def _resolve(url: str, mirror: str | None) -> str:
    if not mirror:
        return url
    name = Path(urllib.parse.urlparse(url).path).name
    return mirror.rstrip("/") + "/" + name


def download(url: str, dest_dir: Path, *, timeout: float = 60.0) -> Path:
    """Fetch ``url`` into ``dest_dir`` atomically; raise SyncError with the reason on failure."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = Path(urllib.parse.urlparse(url).path).name or "download"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=dest_dir)
    try:
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=timeout) as resp, os.fdopen(fd, "wb") as out:
            while chunk := resp.read(1 << 20):
                out.write(chunk)
        path = dest_dir / name
        if Path(tmp).stat().st_size == 0:
            raise SyncError("the server sent an empty file", where=url)
        if name.lower().endswith(".zip") and not zipfile.is_zipfile(tmp):
            raise SyncError("the download is not a readable zip (truncated or an error page?)", where=url)
        os.replace(tmp, path)
        return path
    except urllib.error.HTTPError as exc:
        raise SyncError(f"server answered HTTP {exc.code} {exc.reason}", where=url) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SyncError(
            f"could not download ({reason}); medcoder runs offline unless the official site is "
            f"reachable. Download the file yourself and run `medcoder data import KIND FILE`.",
            where=url,
        ) from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def sync(
    kinds: list[str] | None = None,
    *,
    mirror: str | None = None,
    timeout: float = 60.0,
    kb: KnowledgeBase | None = None,
) -> dict[str, Any]:
    """Sync ``kinds`` (default: every kind that has an official download)."""
    kb = kb or default_kb()
    chosen = [spec(k) for k in kinds] if kinds else [s for s in specs().values() if s.sync]
    results: list[dict[str, Any]] = []
    downloads = kb.store.root / "downloads"
    fetched: dict[str, Path] = {}  # one official zip often carries several kinds: fetch it once
    for s in chosen:
        if not s.sync:
            results.append({"kind": s.kind, "ok": False, "message": "no official download; use `medcoder data import`"})
            continue
        # the newest release; a release published in several parts (NCCI PTP) lists each part
        newest = s.sync[-1].release
        parts: list[SyncSource] = [x for x in s.sync if x.release == newest]
        for src in parts:
            url = _resolve(src.url, mirror)
            try:
                path = fetched.get(url) or download(url, downloads, timeout=timeout)
                fetched[url] = path
                info = kb.import_file(s.kind, path, source_label=url)
                results.append({
                    "kind": s.kind, "ok": True, "release": info.release, "url": url,
                    "message": f"{info.rows:,} rows, sha256 {info.sha256[:12]}…",
                })
            except MedcoderError as exc:
                results.append({"kind": s.kind, "ok": False, "release": src.release, "url": url, "message": str(exc)})
                break
    return {"results": results}
