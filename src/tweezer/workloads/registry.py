"""Registry of workload types: what a workload_type names and which backends run it.

No workload type ships yet (they arrive with their own issue); until then every type is
refused with a sentence saying so, before anything is stored.
"""

from __future__ import annotations

from typing import Any

from tweezer.domain.errors import InvalidInput

WORKLOAD_TYPES: dict[str, frozenset[str]] = {}


def check_workload(workload_type: str, backend: str, config: dict[str, Any]) -> None:
    """Refuse a workload whose type or backend this server does not run."""
    backends = WORKLOAD_TYPES.get(workload_type)
    if backends is None:
        known = ", ".join(sorted(WORKLOAD_TYPES)) or "none yet"
        raise InvalidInput(
            f"Unknown workload type {workload_type!r}; workload types on this server: {known}."
        )
    if backend not in backends:
        raise InvalidInput(
            f"Workload type {workload_type!r} does not run on backend {backend!r}; "
            f"its backends: {', '.join(sorted(backends))}."
        )
