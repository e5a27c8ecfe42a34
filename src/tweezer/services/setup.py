"""First start: migrate the database, make the admin and default project, write credentials."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tweezer.settings import Settings
from tweezer.store.accounts import Bootstrap, bootstrap_admin
from tweezer.store.db import Database, migrate


def write_private_json(path: Path, content: dict[str, str]) -> None:
    """Write a file only its owner can read (it holds a token)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(content, handle, indent=2)
    os.replace(tmp, path)


def prepare(settings: Settings, url: str) -> Bootstrap | None:
    """Bring the database up to date; on an empty one, bootstrap and write credentials.json."""
    migrate(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    try:
        with db.transaction() as session:
            created = bootstrap_admin(session)
    finally:
        db.dispose()
    if created is not None:
        write_private_json(
            settings.credentials_path,
            {
                "url": url,
                "token": created.token,
                "project_id": created.project_id,
                "username": created.username,
            },
        )
    return created
