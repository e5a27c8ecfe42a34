"""One settings object, read from `TWEEZER_*` environment variables (and CLI flags on top)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TWEEZER_", extra="ignore")

    data_dir: Path = Field(default=Path("~/.tweezer"), description="Database, results, secrets.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data dir."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="Base URL clients reach this server at; default: from request."
    )
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=0)
    executor: str = Field(
        default="local",
        description="'local' (worker processes), 'ray' (the cluster at RAY_ADDRESS) or "
        "'ray://host:port'.",
    )
    ray_worker_gpus: float = Field(
        default=0, ge=0, description="GPUs each Ray worker asks for: >0 places them on GPU nodes."
    )

    # Request limits.
    max_body_bytes: int = 20 * 1024 * 1024
    max_jobs_per_batch: int = 10_000

    # Scheduling.
    lease_seconds: float = Field(
        default=30.0, gt=0, description="A claim without heartbeat expires."
    )
    max_attempts: int = Field(
        default=3, ge=1, description="Tries before a job whose worker dies errs."
    )
    open_batch_ttl_seconds: float = Field(
        default=3600.0, gt=0, description="An open batch idle this long times out."
    )
    job_timeout_seconds: float = Field(default=3600.0, gt=0)
    job_memory_limit_bytes: int | None = Field(
        default=None, gt=0, description="A worker over this memory (RSS) is stopped; its job errs."
    )
    scheduler_interval_seconds: float = Field(default=0.5, gt=0)

    secret_key_hex: str | None = Field(
        default=None,
        description="Hex key that signs result links; replicas must share it. "
        "Default: made once and kept in <data-dir>/secret.key.",
    )
    webhook_allow_private_targets: bool = Field(
        default=False, description="Let webhooks reach loopback and private networks."
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_retry_base_seconds: float = Field(default=2.0, gt=0, description="Doubles per try.")

    results_link_ttl_seconds: int = 3600
    access_token_ttl_seconds: int = Field(default=3600, gt=0, description="Lifetime of a login.")
    idempotency_ttl_seconds: int = 24 * 3600

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_data_dir / 'tweezer.db'}"

    @property
    def results_dir(self) -> Path:
        return self.resolved_data_dir / "results"

    @property
    def credentials_path(self) -> Path:
        return self.resolved_data_dir / "credentials.json"

    @cached_property
    def secret_key(self) -> bytes:
        """The key that signs result links; made once per data dir, kept private (0600)."""
        if self.secret_key_hex:
            return bytes.fromhex(self.secret_key_hex)
        path = self.resolved_data_dir / "secret.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(os.urandom(32).hex())
        return bytes.fromhex(path.read_text().strip())
