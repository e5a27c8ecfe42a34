"""`tweezer admin ...`: manage users, projects, members and tokens on a server's database.

These commands work on the data dir (or database) directly: whoever may read it owns the
server, so no token is asked for. Clear tokens are printed once and never stored.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tweezer.cli.certificates import dev_certificate
from tweezer.domain.errors import DomainError
from tweezer.security.passwords import hash_password
from tweezer.services.accounts import check_password
from tweezer.settings import Settings
from tweezer.store import accounts as store
from tweezer.store.db import Database, migrate
from tweezer.store.models import utcnow


@contextmanager
def _session(args: argparse.Namespace) -> Iterator[Session]:
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    if args.database_url is not None:
        overrides["database_url"] = args.database_url
    settings = Settings(**overrides)
    migrate(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            yield session
    finally:
        db.dispose()


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return check_password(sys.stdin.readline().rstrip("\n"))
    if args.ask_password:
        return check_password(getpass.getpass("Password: "))
    return None


def _print(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        print(json.dumps(row, default=str))


def create_user(args: argparse.Namespace) -> None:
    password = _password(args)
    with _session(args) as session:
        user = store.create_user(
            session, args.username, hash_password(password) if password else None, args.admin
        )
        print(user.id)


def set_password(args: argparse.Namespace) -> None:
    password = _password(args)
    if password is None:
        raise SystemExit("Give the password with --password-stdin or --ask-password.")
    with _session(args) as session:
        store.user_by_id_or_name(session, args.user).password_hash = hash_password(password)


def create_project(args: argparse.Namespace) -> None:
    with _session(args) as session:
        project = store.create_project(session, args.name)
        for member in args.admin or []:
            store.set_membership(
                session, project.id, store.user_by_id_or_name(session, member).id, "admin"
            )
        print(project.id)


def add_member(args: argparse.Namespace) -> None:
    with _session(args) as session:
        store.get_project(session, args.project_id)
        user = store.user_by_id_or_name(session, args.user)
        store.set_membership(session, args.project_id, user.id, args.role)


def remove_member(args: argparse.Namespace) -> None:
    with _session(args) as session:
        user = store.user_by_id_or_name(session, args.user)
        store.remove_membership(session, args.project_id, user.id)


def create_token(args: argparse.Namespace) -> None:
    expires_at = utcnow() + timedelta(days=args.expires_in_days) if args.expires_in_days else None
    with _session(args) as session:
        user = store.user_by_id_or_name(session, args.user)
        row, token = store.create_api_token(session, user.id, args.name, expires_at)
        print(json.dumps({"id": row.id, "token": token}))


def revoke_token(args: argparse.Namespace) -> None:
    with _session(args) as session:
        store.revoke_api_token(store.get_api_token(session, args.token_id))


def list_users(args: argparse.Namespace) -> None:
    with _session(args) as session:
        _print(
            [
                {"id": u.id, "username": u.username, "is_admin": u.is_admin}
                for u in store.list_users(session)
            ]
        )


def list_projects(args: argparse.Namespace) -> None:
    with _session(args) as session:
        _print(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "status": p.status,
                    "members": {u.username: role for u, role in store.members_of(session, p.id)},
                }
                for p in store.list_projects(session)
            ]
        )


def list_tokens(args: argparse.Namespace) -> None:
    with _session(args) as session:
        owner = store.user_by_id_or_name(session, args.user).id if args.user else None
        _print(
            [
                {
                    "id": t.id,
                    "user_id": t.user_id,
                    "name": t.name,
                    "expires_at": t.expires_at,
                    "revoked": t.revoked_at is not None,
                }
                for t in store.tokens_of(session, owner)
            ]
        )


def add_admin_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    admin = commands.add_parser("admin", help="manage users, projects, members and tokens")
    admin.add_argument("--data-dir", type=Path, help="the server's data dir (default ~/.tweezer)")
    admin.add_argument("--database-url", help="the server's database, if not in the data dir")
    actions = admin.add_subparsers(dest="action", required=True)

    def action(
        name: str, handler: Callable[[argparse.Namespace], None], help: str
    ) -> argparse.ArgumentParser:  # noqa: A002
        parser = actions.add_parser(name, help=help)
        parser.set_defaults(handler=lambda args: _run(handler, args))
        return parser

    def password_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )
        parser.add_argument("--ask-password", action="store_true", help="prompt for the password")

    parser = action("create-user", create_user, "create a user (prints its id)")
    parser.add_argument("username", help="an email address")
    parser.add_argument("--admin", action="store_true", help="a server admin")
    password_options(parser)

    parser = action("set-password", set_password, "set a user's password")
    parser.add_argument("user", help="user id or email")
    password_options(parser)

    parser = action("create-project", create_project, "create a project (prints its id)")
    parser.add_argument("name")
    parser.add_argument("--admin", action="append", help="a user (id or email) to make its admin")

    parser = action("add-member", add_member, "add a user to a project, or change their role")
    parser.add_argument("project_id")
    parser.add_argument("user", help="user id or email")
    parser.add_argument("--role", choices=store.ROLES, default="member")

    parser = action("remove-member", remove_member, "remove a user from a project")
    parser.add_argument("project_id")
    parser.add_argument("user", help="user id or email")

    parser = action("create-token", create_token, "create an API token (printed once)")
    parser.add_argument("user", help="user id or email")
    parser.add_argument("--name", default="")
    parser.add_argument("--expires-in-days", type=float)

    parser = action("revoke-token", revoke_token, "revoke an API token")
    parser.add_argument("token_id")

    parser = action(
        "dev-certificate",
        dev_certificate,
        "make a local CA and a server certificate for 127.0.0.1/localhost (testing TLS)",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files to")
    parser.add_argument(
        "--name", action="append", help="another host name or IP the certificate is for"
    )

    action("list-users", list_users, "list users")
    action("list-projects", list_projects, "list projects and their members")
    parser = action("list-tokens", list_tokens, "list API tokens (never their values)")
    parser.add_argument("--user", help="only this user's (id or email)")


def _run(handler: Callable[[argparse.Namespace], None], args: argparse.Namespace) -> int:
    try:
        handler(args)
    except DomainError as error:
        print(f"error: {error.description}", file=sys.stderr)
        return 1
    return 0
