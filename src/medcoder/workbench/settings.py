"""Workbench settings, read from the environment by ``Settings.from_env``.

    MEDCODER_DATABASE_URL      SQLAlchemy URL; default ``sqlite:///<data dir>/workbench.sqlite``
                               (PostgreSQL for teams: ``postgresql+psycopg://user@host/db``)
    MEDCODER_SECRET_KEY        signs sessions; required (32+ characters) outside development
    MEDCODER_ENV               development | test | production (default development)
    MEDCODER_MAX_UPLOAD_BYTES  largest accepted upload (default 5,000,000)
    MEDCODER_RATE_LIMIT        requests per minute per client (default 600)
    MEDCODER_SESSION_MINUTES   session lifetime (default 480)
    MEDCODER_JOB_THREADS       background coding threads of the web app (default 1)
    MEDCODER_JOB_LEASE_SECONDS how long a claimed job is a worker's before another takes it
                               again (default 300)
    MEDCODER_TEST_JOB_DELAY    seconds each job waits after it is claimed, before it is coded;
                               honoured only when MEDCODER_ENV=test (the restart tests use it
                               to kill a server mid-queue), refused by ``check()`` otherwise
    MEDCODER_DATA              the knowledge base data dir (as everywhere in medcoder)
    MEDCODER_BILLING_PROFILE   the practice's billing profile (YAML) used to build claims; in
                               development and test the bundled example profile is used without it

Nothing is read at import; ``check()`` refuses a default or missing secret outside development.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medcoder.workbench.errors import ConfigError

__all__ = ["DEV_SECRET", "ENVS", "MIN_SECRET_CHARS", "Settings"]

ENVS = ("development", "test", "production")
MIN_SECRET_CHARS = 32
#: the secret used in development when none is given; refused everywhere else
DEV_SECRET = "medcoder-development-secret-do-not-use-in-production"
_KNOWN_DEFAULTS = frozenset({DEV_SECRET, "changethis", "secret", "change-me", "changeme"})


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}", where=name) from None


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}", where=name) from None


def _data_root(data_dir: str | None) -> Path:
    if data_dir:
        return Path(data_dir).expanduser()
    from medcoder.codesets.store import default_data_dir

    return default_data_dir()


@dataclass(frozen=True)
class Settings:
    """Everything the workbench needs to run; build with ``Settings.from_env(**overrides)``."""

    database_url: str = ""
    secret_key: str = ""
    env: str = "development"
    max_upload_bytes: int = 5_000_000
    rate_limit_per_minute: int = 600
    session_minutes: int = 480
    job_threads: int = 1
    data_dir: str | None = None
    #: a job whose lease is older than this (seconds) is taken again by another worker
    job_lease_seconds: int = 300
    #: the billing profile (YAML/JSON) claims are built with; None = the bundled example profile
    #: (development and test only)
    billing_profile: str | None = None
    #: test only (MEDCODER_ENV=test): seconds each claimed job waits before it is coded
    test_job_delay: float = 0.0

    def __post_init__(self) -> None:
        if self.env not in ENVS:
            raise ConfigError(
                f"MEDCODER_ENV must be one of {', '.join(ENVS)}, got {self.env!r}",
                where="MEDCODER_ENV",
            )
        if not self.database_url:
            root = _data_root(self.data_dir)
            object.__setattr__(self, "database_url", f"sqlite:///{root / 'workbench.sqlite'}")
        if not self.secret_key and self.env == "development":
            object.__setattr__(self, "secret_key", DEV_SECRET)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from ``MEDCODER_*`` environment variables; keyword arguments win."""
        values: dict[str, Any] = {
            "database_url": os.environ.get("MEDCODER_DATABASE_URL", ""),
            "secret_key": os.environ.get("MEDCODER_SECRET_KEY", ""),
            "env": os.environ.get("MEDCODER_ENV", "development").strip().lower() or "development",
            "max_upload_bytes": _int_env("MEDCODER_MAX_UPLOAD_BYTES", 5_000_000),
            "rate_limit_per_minute": _int_env("MEDCODER_RATE_LIMIT", 600),
            "session_minutes": _int_env("MEDCODER_SESSION_MINUTES", 480),
            "job_threads": _int_env("MEDCODER_JOB_THREADS", 1),
            "job_lease_seconds": _int_env("MEDCODER_JOB_LEASE_SECONDS", 300),
            "data_dir": os.environ.get("MEDCODER_DATA") or None,
            "billing_profile": os.environ.get("MEDCODER_BILLING_PROFILE") or None,
        }
        if values["env"] == "test":  # never read outside tests
            values["test_job_delay"] = _float_env("MEDCODER_TEST_JOB_DELAY", 0.0)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        values.update(overrides)
        return cls(**values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check(self) -> Settings:
        """Refuse a missing, default or short secret outside development; returns self."""
        if self.max_upload_bytes <= 0 or self.job_threads < 0 or self.session_minutes <= 0:
            raise ConfigError("max_upload_bytes and session_minutes must be > 0, job_threads >= 0")
        if self.job_lease_seconds <= 0:
            raise ConfigError("MEDCODER_JOB_LEASE_SECONDS must be > 0", where="MEDCODER_JOB_LEASE_SECONDS")
        if self.test_job_delay and self.env != "test":
            raise ConfigError("MEDCODER_TEST_JOB_DELAY is for tests only (MEDCODER_ENV=test)",
                              where="MEDCODER_TEST_JOB_DELAY")
        if self.env == "development":
            return self
        secret = self.secret_key
        if not secret:
            raise ConfigError(
                f"MEDCODER_SECRET_KEY is not set; it is required when MEDCODER_ENV={self.env}",
                where="MEDCODER_SECRET_KEY",
            )
        if secret in _KNOWN_DEFAULTS:
            raise ConfigError(
                f"MEDCODER_SECRET_KEY is a default value; set a random secret of at least "
                f"{MIN_SECRET_CHARS} characters when MEDCODER_ENV={self.env}",
                where="MEDCODER_SECRET_KEY",
            )
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigError(
                f"MEDCODER_SECRET_KEY has {len(secret)} characters; at least "
                f"{MIN_SECRET_CHARS} are required when MEDCODER_ENV={self.env}",
                where="MEDCODER_SECRET_KEY",
            )
        return self

    def redacted(self) -> dict[str, Any]:
        """The settings for display, the secret and any database password hidden."""
        from sqlalchemy.engine import make_url

        out = dataclasses.asdict(self)
        out["secret_key"] = "***" if self.secret_key else ""
        try:
            out["database_url"] = make_url(self.database_url).render_as_string(hide_password=True)
        except Exception:
            out["database_url"] = "***"
        return out
