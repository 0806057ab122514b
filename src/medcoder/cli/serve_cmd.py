"""``medcoder serve`` (the workbench web app), ``medcoder user add`` and ``medcoder token issue``.

    medcoder serve [--host 127.0.0.1] [--port 8000] [--job-threads N]
    medcoder user add NAME --role coder|biller|auditor|admin      (password prompted or stdin)
    medcoder user deactivate NAME                                  (tokens and sessions refused)
    medcoder token issue NAME --name laptop                        (printed once)

Settings come from ``MEDCODER_*`` (``medcoder.workbench.settings``); outside development a
real ``MEDCODER_SECRET_KEY`` is required (ConfigError otherwise).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

user_app = typer.Typer(help="Workbench users.", no_args_is_help=True)
token_app = typer.Typer(help="Workbench API tokens.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    job_threads: Annotated[int | None, typer.Option("--job-threads", "--workers-threads",
                                                    help="Background coding threads (default MEDCODER_JOB_THREADS or 1).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the coding workbench: the web page and the JSON API (OpenAPI at /api/docs)."""
    import uvicorn

    from medcoder.workbench.settings import Settings
    from medcoder.workbench.web import create_app

    overrides: dict[str, Any] = {}
    if job_threads is not None:
        overrides["job_threads"] = job_threads
    app = create_app(Settings.from_env(**overrides))
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=False,
                server_header=False, access_log=False)


def _open() -> Any:
    from medcoder.workbench.service import Workbench
    from medcoder.workbench.settings import Settings

    return Workbench.open(Settings.from_env())


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="coder | biller | auditor | admin")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a workbench user (run on the server; no login needed)."""
    wb = _open()
    try:
        user = wb.create_user(None, username, _password(password_stdin), role, system=True)
    finally:
        wb.close()
    print(f"created user {user.get('username', username)} ({user.get('role', role)}), id {user.get('id')}")


@user_app.command("deactivate")
def user_deactivate(
    username: Annotated[str, typer.Argument(help="The login name.")],
) -> None:
    """Deactivate a workbench user: their tokens and sessions are refused from the next request."""
    from medcoder.workbench.security import SYSTEM

    wb = _open()
    try:
        user = wb.deactivate_user(SYSTEM, _user_id(wb, username))
    finally:
        wb.close()
    print(f"deactivated user {user['username']} (id {user['id']})")


def _user_id(wb: Any, username: str) -> int:
    from medcoder.workbench.errors import NotFound
    from medcoder.workbench.security import SYSTEM

    users = [u for u in wb.list_users(SYSTEM) if u.get("username") == username]
    if not users:
        raise NotFound(f"user {username!r} not found")
    return int(users[0]["id"])


@token_app.command("issue")
def token_issue(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'batch-uploader'.")] = "cli",
) -> None:
    """Issue an API token for a user; it is printed once (only its hash is stored)."""
    from medcoder.workbench.errors import NotFound
    from medcoder.workbench.security import SYSTEM, Actor

    wb = _open()
    try:
        users = [u for u in wb.list_users(SYSTEM) if u.get("username") == username]
        if not users:
            raise NotFound(f"user {username!r} not found")
        u = users[0]
        token = wb.issue_token(Actor(int(u["id"]), str(u["username"]), str(u["role"])), name)
    finally:
        wb.close()
    print(token)


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    """Add ``serve``, ``user`` and ``token`` to the ``medcoder`` command."""
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
