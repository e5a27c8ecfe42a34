"""Accounts against a live server: login, tokens, and projects that cannot see each other."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.integration.helpers import ServerProcess, wait_for
from tweezer import SDK, Endpoints
from tweezer.errors import LoginError


def admin_cli(server: ServerProcess, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tweezer.cli.main",
            "admin",
            "--data-dir",
            str(server.data_dir),
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class Member:
    email: str
    password: str
    user_id: str
    project_id: str
    token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _member(server: ServerProcess, name: str) -> Member:
    email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
    password = f"pw-{uuid.uuid4().hex}"
    user_id = admin_cli(server, "create-user", email, "--password-stdin", stdin=password + "\n")
    project_id = admin_cli(server, "create-project", f"{name}'s lab", "--admin", email)
    token = json.loads(admin_cli(server, "create-token", email, "--name", "tests"))["token"]
    return Member(email, password, user_id, project_id, token)


@pytest.fixture(scope="module")
def alice(server: ServerProcess) -> Member:
    return _member(server, "alice")


@pytest.fixture(scope="module")
def bob(server: ServerProcess) -> Member:
    return _member(server, "bob")


@pytest.fixture(scope="module")
def alices_work(server: ServerProcess, alice: Member, sequence_json: str) -> dict:  # type: ignore[type-arg]
    """A finished batch and a pending open batch of Alice's, and a workload row of hers."""
    body = {
        "sequence_builder": sequence_json,
        "jobs": [{"runs": 5}, {"runs": 6}],
        "device_type": "EMU_FREE",
        "project_id": alice.project_id,
        "tags": ["alice"],
    }
    done = httpx.post(f"{server.url}/api/v1/batches", json=body, headers=alice.headers()).json()[
        "data"
    ]
    httpx.get(
        f"{server.url}/api/v1/batches/{done['id']}/status",
        params={"wait": 60},
        headers=alice.headers(),
        timeout=90,
    )
    opened = httpx.post(
        f"{server.url}/api/v1/batches",
        json={**body, "jobs": [], "open": True},
        headers=alice.headers(),
    ).json()["data"]
    # No workload type runs yet, so her workload is written with the store, as the API would.
    from tweezer.store import workloads
    from tweezer.store.db import Database

    db = Database(f"sqlite:///{server.data_dir / 'tweezer.db'}")
    with db.transaction() as session:
        workload = workloads.create_workload(session, alice.project_id, alice.user_id, "t", "b", {})
        workload_id = workload.id
    db.dispose()
    return {
        "done": done,
        "open": opened,
        "job_id": done["jobs"][0]["id"],
        "workload_id": workload_id,
    }


def _description(response: httpx.Response) -> str:
    return response.json()["data"]["description"]


def test_password_login_through_the_sdk_and_user_id_is_the_creator(server, alice, sequence_json):
    sdk = SDK(
        username=alice.email,
        password=alice.password,
        endpoints=Endpoints(core=server.url, account=server.url),
        project_id=alice.project_id,
    )
    assert sdk.user_token().count(".") == 2  # a JWT minted by the server
    batch = sdk.create_batch(sequence_json, [{"runs": 3}], device_type="EMU_FREE", wait=True)
    assert batch.user_id == alice.user_id
    assert batch.ordered_jobs[0].status == "DONE"
    job = httpx.get(
        f"{server.url}/api/v2/jobs/{batch.ordered_jobs[0].id}", headers=alice.headers()
    ).json()
    assert job["data"]["user_id"] == alice.user_id


def test_a_refused_password_login_raises_login_error(server, alice):
    with pytest.raises(LoginError) as caught:
        SDK(
            username=alice.email,
            password="wrong",
            endpoints=Endpoints(core=server.url, account=server.url),
        )
    assert caught.value.status_code == 401
    assert caught.value.description == "Wrong email or password."


def test_unknown_user_and_wrong_password_get_the_same_answer(server, alice):
    def login(username: str) -> httpx.Response:
        return httpx.post(
            f"{server.url}/oauth/token",
            data={"grant_type": "password", "username": username, "password": "nope-nope"},
        )

    wrong_password, unknown = login(alice.email), login(f"ghost-{uuid.uuid4().hex}@example.com")
    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.json() == unknown.json()


def test_auth0_password_realm_grant_shape_is_served(server, alice):
    response = httpx.post(
        f"{server.url}/oauth/token",
        json={
            "grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "username": alice.email,
            "password": alice.password,
            "client_id": "x",
            "client_secret": "",
            "audience": "aud",
            "scope": "openid profile email",
            "realm": "r",
        },
    )
    body = response.json()
    assert response.status_code == 200 and body["token_type"] == "Bearer" and body["expires_in"] > 0
    me = httpx.get(
        f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["data"]["id"] == alice.user_id


def test_projects_lists_only_the_callers_projects(server, alice, bob):
    projects = httpx.get(
        f"{server.url}/api/v1/projects",
        params={"project_status": "ACTIVE"},
        headers=alice.headers(),
    ).json()["data"]
    assert [p["id"] for p in projects] == [alice.project_id]
    assert projects[0]["role"] == "admin"


def _core_calls(work: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    """Every core endpoint that names an object, aimed at Alice's objects."""
    batch, opened, job, workload = (
        work["done"]["id"],
        work["open"]["id"],
        work["job_id"],
        work["workload_id"],
    )
    return [
        ("GET", f"/api/v2/batches/{batch}", {}),
        ("GET", f"/api/v1/batches/{batch}/status", {}),
        ("GET", f"/api/v1/batches/{batch}/results", {}),
        ("POST", f"/api/v2/batches/{opened}/jobs", {"json": [{"runs": 1}]}),
        ("PATCH", f"/api/v2/batches/{opened}/complete", {}),
        ("PATCH", f"/api/v2/batches/{opened}/cancel", {}),
        ("PATCH", f"/api/v2/batches/{batch}/cancel/jobs", {}),
        ("POST", f"/api/v1/batches/{batch}/rebatch", {}),
        ("PATCH", f"/api/v1/batches/{batch}/tags", {"json": ["mine-now"]}),
        ("GET", f"/api/v2/jobs/{job}", {}),
        ("GET", f"/api/v1/jobs/{job}/status", {}),
        ("PATCH", f"/api/v2/jobs/{job}/cancel", {}),
        ("GET", f"/api/v1/jobs/{job}/results_link", {}),
        ("GET", f"/api/v2/workloads/{workload}", {}),
        ("GET", f"/api/v1/workloads/{workload}/status", {}),
        ("PUT", f"/api/v1/workloads/{workload}/cancel", {}),
    ]


def test_another_projects_work_answers_404_exactly_like_a_missing_id(server, bob, alices_work):
    for method, path, extra in _core_calls(alices_work):
        foreign = httpx.request(method, server.url + path, headers=bob.headers(), **extra)
        missing_path = path
        for key in ("done", "open"):
            missing_path = missing_path.replace(alices_work[key]["id"], str(uuid.uuid4()))
        missing_path = missing_path.replace(alices_work["job_id"], str(uuid.uuid4()))
        missing_path = missing_path.replace(alices_work["workload_id"], str(uuid.uuid4()))
        missing = httpx.request(method, server.url + missing_path, headers=bob.headers(), **extra)
        assert foreign.status_code == missing.status_code == 404, (method, path, foreign.text)
        assert _description(foreign).startswith("No ")


def test_bobs_attempts_changed_nothing_of_alices(server, alice, bob, alices_work):
    test_another_projects_work_answers_404_exactly_like_a_missing_id(server, bob, alices_work)
    batch = httpx.get(
        f"{server.url}/api/v2/batches/{alices_work['open']['id']}", headers=alice.headers()
    ).json()["data"]
    assert batch["open"] is True and batch["status"] == "PENDING" and batch["jobs_count"] == 0
    done = httpx.get(
        f"{server.url}/api/v2/batches/{alices_work['done']['id']}", headers=alice.headers()
    ).json()["data"]
    assert done["tags"] == ["alice"] and done["status"] == "DONE"


def test_listings_and_bulk_cancel_never_reach_another_project(server, alice, bob, alices_work):
    for path in ("/api/v1/batches", "/api/v2/jobs"):
        for params in ({}, {"project_id": alice.project_id}, {"id": alices_work["done"]["id"]}):
            listed = httpx.get(server.url + path, params=params, headers=bob.headers()).json()
            assert all(item["project_id"] != alice.project_id for item in listed["data"]), (
                path,
                params,
            )
    canceled = httpx.patch(
        f"{server.url}/api/v1/batches/cancel",
        json={"batch_ids": [alices_work["open"]["id"]]},
        headers=bob.headers(),
    ).json()["data"]
    assert canceled["batches"] == [] and alices_work["open"]["id"] in canceled["errors"]


def test_creating_a_batch_in_a_project_one_is_not_in_is_403(server, bob, alice, sequence_json):
    response = httpx.post(
        f"{server.url}/api/v1/batches",
        json={
            "sequence_builder": sequence_json,
            "jobs": [{"runs": 1}],
            "device_type": "EMU_FREE",
            "project_id": alice.project_id,
        },
        headers=bob.headers(),
    )
    assert response.status_code == 403 and alice.project_id in _description(response)


def test_revoked_token_gets_401(server, alice):
    created = httpx.post(
        f"{server.url}/api/v1/tokens", json={"name": "short"}, headers=alice.headers()
    ).json()["data"]
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert httpx.get(f"{server.url}/api/v1/batches", headers=headers).status_code == 200
    httpx.delete(f"{server.url}/api/v1/tokens/{created['id']}", headers=alice.headers())
    response = httpx.get(f"{server.url}/api/v1/batches", headers=headers)
    assert response.status_code == 401 and "revoked" in _description(response)


def test_expired_token_gets_401(server, alice):
    created = httpx.post(
        f"{server.url}/api/v1/tokens", json={"expires_in_seconds": 1}, headers=alice.headers()
    ).json()["data"]
    headers = {"Authorization": f"Bearer {created['token']}"}
    expired = wait_for(
        lambda: (
            (r := httpx.get(f"{server.url}/api/v1/batches", headers=headers)).status_code == 401
            and r
        ),
        timeout=10,
    )
    assert "expired" in _description(expired)


def _login(server: ServerProcess, member: Member) -> str:
    return httpx.post(
        f"{server.url}/oauth/token",
        data={"grant_type": "password", "username": member.email, "password": member.password},
    ).json()["access_token"]


def test_tampered_or_foreign_jwts_get_401(server, alice, bob):
    token = _login(server, bob)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = alice.user_id  # claim to be Alice
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    import jwt

    for bad in (
        f"{header}.{forged_payload}.{signature}",
        f"{header}.{payload}.{signature[:-2]}AA",
        jwt.encode(
            {**claims, "exp": claims["exp"] + 3600},
            "another server's key, 32 bytes or longer",
            algorithm="HS256",
        ),
        jwt.encode(claims, None, algorithm="none"),
    ):
        response = httpx.get(
            f"{server.url}/api/v1/batches", headers={"Authorization": f"Bearer {bad}"}
        )
        assert response.status_code == 401, bad


def test_expired_login_token_gets_401(tmp_path):
    short = ServerProcess(
        tmp_path, workers=0, env={"TWEEZER_ACCESS_TOKEN_TTL_SECONDS": "1"}
    ).start()
    try:
        member = _member(short, "carol")
        headers = {"Authorization": f"Bearer {_login(short, member)}"}
        expired = wait_for(
            lambda: (
                (r := httpx.get(f"{short.url}/api/v1/batches", headers=headers)).status_code == 401
                and r
            ),
            timeout=10,
        )
        assert "expired" in _description(expired)
    finally:
        short.stop()


def test_repeated_wrong_passwords_are_refused_with_429(tmp_path):
    guarded = ServerProcess(tmp_path, workers=0).start()
    try:
        member = _member(guarded, "dave")
        answers = [
            httpx.post(
                f"{guarded.url}/oauth/token",
                data={"grant_type": "password", "username": member.email, "password": f"guess-{i}"},
            )
            for i in range(10)
        ]
        codes = [answer.status_code for answer in answers]
        assert codes[:5] == [401] * 5
        assert codes[9] == 429 and "try again" in answers[9].json()["error_description"]
        assert int(answers[9].headers["Retry-After"]) >= 1
        # Even the right password waits while the account is blocked.
        right = httpx.post(
            f"{guarded.url}/oauth/token",
            data={"grant_type": "password", "username": member.email, "password": member.password},
        )
        assert right.status_code == 429
    finally:
        guarded.stop()


def test_passwords_and_tokens_are_not_stored_in_clear(server, alice):
    login_token = _login(server, alice)
    database = sqlite3.connect(server.data_dir / "tweezer.db")
    try:
        dump = "\n".join(database.iterdump())
    finally:
        database.close()
    for secret in (alice.password, alice.token, server.token, login_token):
        assert secret not in dump
    assert "$argon2id$" in dump


def test_admin_api_manages_users_members_and_tokens(server, alice, bob):
    admin = {"Authorization": f"Bearer {server.token}"}
    email = f"erin-{uuid.uuid4().hex[:6]}@example.com"
    created = httpx.post(
        f"{server.url}/api/v1/users",
        json={"username": email, "password": "long-enough-1"},
        headers=admin,
    )
    assert created.status_code == 200, created.text
    refused = httpx.post(
        f"{server.url}/api/v1/users", json={"username": "x@example.com"}, headers=bob.headers()
    )
    assert refused.status_code == 403 and "server admin" in _description(refused)
    # Alice administers her project: she may add Erin; Bob may not touch Alice's project.
    added = httpx.post(
        f"{server.url}/api/v1/projects/{alice.project_id}/members",
        json={"user": email},
        headers=alice.headers(),
    )
    assert added.status_code == 200 and added.json()["data"]["role"] == "member"
    foreign = httpx.post(
        f"{server.url}/api/v1/projects/{alice.project_id}/members",
        json={"user": bob.email},
        headers=bob.headers(),
    )
    assert foreign.status_code == 404
    members = httpx.get(
        f"{server.url}/api/v1/projects/{alice.project_id}/members", headers=alice.headers()
    ).json()
    assert {m["username"] for m in members["data"]} == {alice.email, email}
    short = httpx.post(
        f"{server.url}/api/v1/users",
        json={"username": "y@example.com", "password": "short"},
        headers=admin,
    )
    assert short.status_code == 400 and "at least 8" in _description(short)
    duplicate = httpx.post(f"{server.url}/api/v1/users", json={"username": email}, headers=admin)
    assert duplicate.status_code == 409
