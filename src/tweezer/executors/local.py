"""The `local` executor: a pool of worker processes on this machine, one job each at a time."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from tweezer.executors.base import Executor, Outcome
from tweezer.executors.worker import worker_main
from tweezer.store.jobs import ClaimedJob

# Spawn, not fork: the parent runs threads (web server, scheduler), which fork does not copy safely.
_CONTEXT = multiprocessing.get_context("spawn")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: How long a worker told to stop may take to clean up before it is killed.
STOP_GRACE_SECONDS = 2.0


@dataclass
class _Slot:
    process: BaseProcess
    connection: Connection
    ready: bool = False
    job_id: str | None = None
    pending: list[ClaimedJob] = field(default_factory=list)


def resident_bytes(pid: int) -> int | None:
    """A process's resident memory, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


class LocalExecutor(Executor):
    def __init__(
        self, workers: int, results_dir: Path, memory_limit_bytes: int | None = None
    ) -> None:
        self._results_dir = str(results_dir)
        self._memory_limit = memory_limit_bytes
        self._threads = max(1, (os.cpu_count() or 1) // max(1, workers))
        self._slots = [self._start_slot() for _ in range(workers)]
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)

    def _start_slot(self) -> _Slot:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=worker_main,
            args=(child, self._results_dir, self._threads),
            daemon=True,
            name="tweezer-worker",
        )
        process.start()
        child.close()
        return _Slot(process=process, connection=parent)

    def free_slots(self) -> int:
        return sum(1 for slot in self._slots if slot.job_id is None)

    def submit(self, job: ClaimedJob) -> None:
        slot = next(slot for slot in self._slots if slot.job_id is None)
        slot.job_id = job.id
        if slot.ready:
            slot.connection.send(job)
        else:  # still importing its engines: hand the job over when it says ready
            slot.pending.append(job)

    def running(self) -> set[str]:
        return {slot.job_id for slot in self._slots if slot.job_id is not None}

    def wake(self) -> None:
        # A full socket buffer means a wake-up is already pending.
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_writer.send(b"\0")

    def wait(self, timeout: float) -> list[Outcome]:
        watched: list[object] = [self._wake_reader]
        for slot in self._slots:
            watched += [slot.connection, slot.process.sentinel]
        wait(watched, timeout)  # type: ignore[arg-type]
        self._drain_wake()
        outcomes: list[Outcome] = []
        for index, slot in enumerate(self._slots):
            outcomes += self._read(slot)
            if slot.job_id is not None and self._over_memory(slot):
                outcomes.append(Outcome(job_id=slot.job_id, error=self._memory_error()))
                slot.job_id = None
                slot.process.kill()
                slot.process.join(timeout=5)
            if not slot.process.is_alive():
                if slot.job_id is not None:
                    outcomes.append(Outcome(job_id=slot.job_id, lost=True))
                self._replace(index)
        return outcomes

    def _over_memory(self, slot: _Slot) -> bool:
        if self._memory_limit is None or slot.process.pid is None:
            return False
        used = resident_bytes(slot.process.pid)
        return used is not None and used > self._memory_limit

    def _memory_error(self) -> str:
        limit_mib = (self._memory_limit or 0) / 2**20
        return (
            f"The job used more memory than the worker limit of {limit_mib:.0f} MiB and was "
            "stopped; use fewer atoms or a lighter engine (EMU_MPS), or ask for a higher limit."
        )

    def _read(self, slot: _Slot) -> list[Outcome]:
        outcomes = []
        try:
            while slot.connection.poll():
                kind, job_id, computed = slot.connection.recv()
                if kind == "ready":
                    slot.ready = True
                    for job in slot.pending:
                        slot.connection.send(job)
                    slot.pending.clear()
                elif job_id == slot.job_id:
                    slot.job_id = None
                    outcomes.append(
                        Outcome(
                            job_id=job_id,
                            error=computed.error,
                            device_unavailable=computed.device_unavailable,
                        )
                    )
        except (EOFError, OSError):
            pass  # the process died; the caller sees it is not alive
        return outcomes

    def _drain_wake(self) -> None:
        try:
            while self._wake_reader.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _replace(self, index: int) -> None:
        old = self._slots[index]
        old.connection.close()
        old.process.join(timeout=1)
        self._slots[index] = self._start_slot()

    def cancel(self, job_id: str) -> None:
        for index, slot in enumerate(self._slots):
            if slot.job_id == job_id:
                # An engine cannot be interrupted mid-step; ending the process is what stops
                # it. SIGTERM first lets a device clean up (a QPU driver cancels upstream).
                slot.process.terminate()
                slot.process.join(timeout=STOP_GRACE_SECONDS)
                if slot.process.is_alive():
                    slot.process.kill()
                    slot.process.join(timeout=5)
                self._replace(index)

    def shutdown(self) -> None:
        for slot in self._slots:
            slot.connection.close()
            slot.process.kill()
        for slot in self._slots:
            slot.process.join(timeout=5)
        self._wake_reader.close()
        self._wake_writer.close()
