"""The official clients under test, each in its own virtual environment.

The official packages pin their own dependencies (requests, auth0-python, pydantic, tenacity...),
so they never go into the project's .venv: each client gets a venv under `.compat-venvs/<name>`
in the repository (git-ignored), built with `python -m venv` and pip on first use and reused
while its pins are unchanged. pulser-core is pinned to the server's release, so that device
specs and results serialized by the server read back in the client. None of these pulls in
torch or the emu-* packages (checked after each build).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENVS = REPO / ".compat-venvs"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
#: The server's pulser, so that specs and results it serializes read back in the clients.
PULSER_CORE = "pulser-core==1.9.1"
#: Packages that must not get into a client venv (they are large and none of these needs them).
FORBIDDEN = ("torch", "emu-base", "emu-mps", "emu-sv")
#: Set to 1 to skip the compat suite (e.g. on a machine without access to PyPI).
SKIP_VARIABLE = "TWEEZER_SKIP_COMPAT"


@dataclass(frozen=True)
class Client:
    """One official client release and the pulser integration that goes with it."""

    name: str
    requirements: tuple[str, ...]
    #: How pulser reaches Pasqal Cloud in this environment: "pulser_pasqal.PasqalCloud"
    #: (pulser-pasqal), or "pasqal_cloud.PasqalCloudConnection" (built into pasqal-cloud 0.24).
    connection: str
    note: str

    @property
    def path(self) -> Path:
        return VENVS / self.name

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def stamp(self) -> dict[str, Any]:
        return {
            "python": sys.version.split()[0],
            "requirements": list(self.requirements),
        }


CLIENTS = (
    Client(
        name="pasqal-cloud-0.20.3",
        requirements=("pasqal-cloud==0.20.3", "pulser-pasqal==0.20.3", PULSER_CORE),
        connection="pulser_pasqal.PasqalCloud",
        note="the seed's release, with pulser-pasqal 0.20.3 (which pins pasqal-cloud==0.20.3)",
    ),
    Client(
        name="pasqal-cloud-0.24.0",
        requirements=("pasqal-cloud==0.24.0", PULSER_CORE),
        connection="pasqal_cloud.PasqalCloudConnection",
        note="the newest pasqal-cloud; it carries pulser's connection and remote backends "
        "itself (no pulser-pasqal release works with it: the newest pins pasqal-cloud==0.22.0)",
    ),
    Client(
        name="pulser-pasqal-0.24.0",
        requirements=("pulser-pasqal==0.24.0", PULSER_CORE),
        connection="pulser_pasqal.PasqalCloud",
        note="the newest pulser-pasqal, with the pasqal-cloud it pins (0.22.0)",
    ),
)
BY_NAME = {client.name: client for client in CLIENTS}


def _pip(client: Client, *args: str) -> None:
    done = subprocess.run(
        [str(client.python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"pip {' '.join(args)} failed for {client.name}:\n{done.stdout[-3000:]}"
            f"\n{done.stderr[-3000:]}"
        )


@contextmanager
def _locked(client: Client) -> Iterator[None]:
    """One builder at a time per venv, across processes (two test runs may start together)."""
    VENVS.mkdir(exist_ok=True)
    with open(VENVS / f"{client.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stamp_path(client: Client) -> Path:
    return client.path / "tweezer-compat.json"


def _is_built(client: Client) -> bool:
    stamp = _stamp_path(client)
    if not stamp.exists() or not client.python.exists():
        return False
    if json.loads(stamp.read_text()).get("stamp") != client.stamp():
        return False
    check = subprocess.run(
        [str(client.python), "-c", "import pasqal_cloud, pulser"],
        capture_output=True,
        timeout=120,
    )
    return check.returncode == 0


def build(client: Client) -> float:
    """Make the client's venv unless it is there with the same pins; return seconds spent."""
    started = time.monotonic()
    with _locked(client):
        if _is_built(client):
            return 0.0
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(client.path)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        _pip(client, "install", "--quiet", *client.requirements)
        frozen = subprocess.run(
            [str(client.python), "-m", "pip", "freeze", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        names = {line.split("==")[0].lower().replace("_", "-") for line in frozen}
        intruders = sorted(names & set(FORBIDDEN))
        if intruders:
            raise RuntimeError(f"{client.name} pulled in {intruders}; pin them out.")
        _stamp_path(client).write_text(
            json.dumps({"stamp": client.stamp(), "freeze": frozen}, indent=2)
        )
    return time.monotonic() - started


def build_all(clients: tuple[Client, ...] = CLIENTS) -> dict[str, float]:
    """Build the venvs side by side (pip mostly waits on downloads and unpacking)."""
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return dict(zip((c.name for c in clients), pool.map(build, clients), strict=True))


class ScriptFailed(AssertionError):
    pass


#: How long one scenario script may take.
SCRIPT_TIMEOUT_SECONDS = 600


class _Started:
    """A scenario script running in a client's venv, its output going to temporary files."""

    def __init__(
        self, client: Client, script: str, given: dict[str, Any], env: dict[str, str] | None
    ) -> None:
        self.client, self.script, self.given = client, script, given
        # Files, not pipes: a script that writes much to stderr must not block meanwhile.
        self.stdout = tempfile.TemporaryFile()  # noqa: SIM115 - closed in outcomes()
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in outcomes()
        self.process = subprocess.Popen(
            [str(client.python), str(SCRIPTS / script)],
            stdin=subprocess.PIPE,
            stdout=self.stdout,
            stderr=self.stderr,
            cwd=SCRIPTS,
            env={
                **{
                    key: value
                    for key, value in os.environ.items()
                    if not key.startswith(("PYTHON", "VIRTUAL_ENV"))
                },
                **(env or {}),
            },
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(given).encode())
        self.process.stdin.close()

    def outcomes(self) -> dict[str, Any]:
        try:
            code = self.process.wait(timeout=SCRIPT_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = -9
        self.stdout.seek(0)
        self.stderr.seek(0)
        out = self.stdout.read().decode(errors="replace").strip()
        err = self.stderr.read().decode(errors="replace")[-5000:]
        self.stdout.close()
        self.stderr.close()
        if code != 0 or not out:
            raise ScriptFailed(f"{self.script} in {self.client.name} exited {code}:\n{err}")
        outcomes: dict[str, Any] = json.loads(out.splitlines()[-1])
        outcomes["_stderr"] = err
        outcomes["_given"] = self.given
        return outcomes


def run_script(
    client: Client, script: str, given: dict[str, Any], env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `scripts/<script>` in the client's venv with `given` on stdin; its JSON outcomes
    (with the input under "_given" and the script's stderr under "_stderr")."""
    return _Started(client, script, given, env).outcomes()


class Runs:
    """Scenario runs started side by side for every client, read one client at a time.

    The scripts spend most of their time waiting on the server (polling intervals of the
    official clients), so the clients' runs of one scenario overlap: the first test that needs
    a scenario starts it for every client, and each client's tests then read their own run.
    """

    def __init__(self) -> None:
        self._started: dict[tuple[str, str], _Started] = {}
        self._done: dict[tuple[str, str], dict[str, Any]] = {}

    def outcomes(
        self,
        script: str,
        client: Client,
        given_for: Callable[[Client], dict[str, Any]],
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        key = (script, client.name)
        if key not in self._done:
            if key not in self._started:
                for other in CLIENTS:
                    if (script, other.name) not in self._done | self._started:
                        self._started[(script, other.name)] = _Started(
                            other, script, given_for(other), env
                        )
            self._done[key] = self._started.pop(key).outcomes()
        return self._done[key]

    def close(self) -> None:
        for started in self._started.values():
            if started.process.poll() is None:
                started.process.kill()
                started.process.wait()
        self._started.clear()
