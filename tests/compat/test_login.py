"""The official client's email and password login, over https with a local CA.

The server runs `tweezer serve --tls-cert --tls-key` with a certificate from
`tweezer admin dev-certificate`; the client trusts it through REQUESTS_CA_BUNDLE and logs in
with Auth0's password-realm grant at https://127.0.0.1:PORT/oauth/token.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.compat.clients import Client, Runs
from tests.compat.helpers import failure, step
from tests.integration.helpers import ServerProcess


def admin(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tweezer.cli.main", "admin", "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass(frozen=True)
class User:
    email: str
    password: str
    user_id: str
    project_id: str


# Session-scoped: each client's run reads the outcome of scripts started for every client at
# once (see `Runs`), so the server and the user must outlive the switch from one client to the
# next, which ends module-scoped fixtures.
@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("certificates")
    admin(out, "dev-certificate", "--out", str(out))
    return out


@pytest.fixture(scope="session")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory, certificates: Path
) -> Iterator[ServerProcess]:
    process = ServerProcess(
        data_dir=tmp_path_factory.mktemp("compat-tls-data"),
        workers=1,
        tls=(certificates / "server.pem", certificates / "server-key.pem", certificates / "ca.pem"),
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def user(tls_server: ServerProcess) -> User:
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    password = f"pw-{uuid.uuid4().hex}"
    user_id = admin(tls_server.data_dir, "create-user", email, "--password-stdin", stdin=password)
    project_id = admin(tls_server.data_dir, "create-project", "Ada's lab", "--admin", email)
    return User(email, password, user_id, project_id)


@pytest.fixture(scope="module")
def run(
    client: Client, runs: Runs, tls_server: ServerProcess, user: User, certificates: Path
) -> dict[str, Any]:
    given = {
        "url": tls_server.url,
        "email": user.email,
        "password": user.password,
        "project_id": user.project_id,
    }
    return runs.outcomes(
        "login.py",
        client,
        lambda _: given,
        env={"REQUESTS_CA_BUNDLE": str(certificates / "ca.pem")},
    )


def test_dev_certificate_is_for_the_loopback(certificates):
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate((certificates / "server.pem").read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1"}
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert (certificates / "server-key.pem").stat().st_mode & 0o077 == 0


def test_the_server_speaks_https(tls_server):
    assert tls_server.url.startswith("https://")
    assert json.loads((tls_server.data_dir / "credentials.json").read_text())["url"].startswith(
        "https://"
    )


def test_login_with_auth0_conf_gives_a_token(run):
    step(run, "login_auth0")
    assert step(run, "token_is_a_jwt") == 2


def test_the_logged_in_user_creates_batches_as_themselves(run, user):
    outcome = step(run, "create_batch_as_the_user")
    assert outcome["user_id"] == user.user_id and outcome["project_id"] == user.project_id
    assert outcome["status"] == "DONE" and outcome["result"] == {"1": 7}


def test_the_logged_in_user_sees_their_projects(run, user):
    assert step(run, "get_all_projects") == [user.project_id]


@pytest.mark.parametrize("grant", ["password-realm", "password"])
def test_login_with_auth_config_of_later_releases(run, grant):
    assert step(run, f"login_auth_config_{grant}") == 2


def test_a_wrong_password_is_refused_with_the_reason(run):
    error = failure(run, "wrong_password")
    assert "Wrong email or password" in error["message"]


def test_pulser_connection_logs_in_with_email_and_password(run, available):
    assert step(run, "pulser_connection_login") == sorted(available)
