"""Roles, permissions, passwords and API tokens.

Authorization is enforced in the service layer (``Workbench`` calls ``authorize`` on every method
that takes an actor); routes only find the actor. Passwords are hashed with argon2id
(argon2-cffi); API tokens are random secrets shown once, only their sha256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from medcoder.workbench.errors import Forbidden

__all__ = [
    "ACTIONS",
    "PERMISSIONS",
    "ROLES",
    "TOKEN_PREFIX",
    "Actor",
    "allowed",
    "authorize",
    "hash_password",
    "hash_token",
    "needs_rehash",
    "new_token",
    "verify_password",
]

ROLES = ("coder", "biller", "auditor", "admin")
ACTIONS = (
    "ingest",
    "code",
    "view",
    "decide",
    "query",
    "claim",
    "release",
    "remit",
    "history",
    "access_log",
    "audit",
    "users",
    "learn",
)
#: "code" is coding a note on the spot without storing it (``Workbench.code_note``, POST
#: /api/v1/code): the coder's tool, not the biller's or the auditor's, and apart from "ingest"
#: (which stores the note) so that either can be granted without the other.
_BY_ROLE: dict[str, frozenset[str]] = {
    "coder": frozenset({"ingest", "code", "view", "decide", "query", "claim", "history"}),
    "biller": frozenset({"view", "claim", "release", "remit", "history"}),
    "auditor": frozenset({"view", "history", "access_log", "audit"}),
    "admin": frozenset(ACTIONS),
}
#: action -> the roles that may do it
PERMISSIONS: dict[str, frozenset[str]] = {
    action: frozenset(role for role in ROLES if action in _BY_ROLE[role]) for action in ACTIONS
}
TOKEN_PREFIX = "mcw_"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user of the workbench (or the system, user_id 0, role admin)."""

    user_id: int
    username: str
    role: str


SYSTEM = Actor(0, "system", "admin")


def allowed(role: str, action: str) -> bool:
    return role in PERMISSIONS.get(action, frozenset())


def authorize(actor: Actor | None, action: str) -> None:
    """Raise Forbidden unless the actor's role may do ``action``."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor is None:
        raise Forbidden(f"an anonymous caller may not {action!r}")
    if not allowed(actor.role, action):
        raise Forbidden(f"role {actor.role!r} may not {action!r}")


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash (``$argon2id$...``) of the password."""
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash; never raises for a wrong password."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return bool(_hasher().check_needs_rehash(password_hash))


def new_token() -> str:
    """A fresh API token (shown to the user once)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The sha256 hex digest stored for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
