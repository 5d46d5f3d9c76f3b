"""One `make run` per checkout: an flock on .cxloop/run.lock that the OS releases when the process dies."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import TextIO


class AlreadyRunning(Exception):
    """Another `make run` holds the lock; its pid and address are in `info`."""

    def __init__(self, info: dict) -> None:
        super().__init__(info)
        self.info = info

    def __str__(self) -> str:
        pid = self.info.get("pid", "?")
        url = self.info.get("url")
        where = f" at {url}" if url else ""
        if self.info.get("state") == "starting":
            return f"cxloop is already running (pid {pid}; still starting){where}"
        return f"cxloop is already running (pid {pid}){where}"


class RunLock:
    """An exclusive, non-blocking lock with what its holder is doing written inside.

    The file stays behind when its holder exits; only the lock says whether anyone holds it, so a
    killed `make run` never leaves a lock a later one must clear by hand. The descriptor is not
    inherited by child processes (PEP 446), so a server or worker outliving its supervisor never
    holds it either.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO | None = None
        self._info: dict = {}

    def acquire(self, *, wait_for_stopping: float = 90.0, log=None) -> None:
        """Take the lock, or raise AlreadyRunning. A holder that is stopping is waited for."""
        import fcntl  # POSIX only, like `make run` itself; `make test` needs no lock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + wait_for_stopping
        unreadable_until = time.monotonic() + 2.0
        announced = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                info = self.holder()
                if not info and time.monotonic() < unreadable_until:
                    # Caught between the holder's truncate and write: read it again.
                    time.sleep(0.05)
                    continue
                if info.get("state") != "stopping" or time.monotonic() > deadline:
                    handle.close()
                    raise AlreadyRunning(info) from None
                if log and not announced:
                    log(f"waiting for the previous cxloop (pid {info.get('pid', '?')}) to finish stopping")
                    announced = True
                time.sleep(0.2)
        self._file = handle
        self.update(state="starting")

    def holder(self) -> dict:
        """What the file says (its holder's pid, address and state); {} when unreadable."""
        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def update(self, **info) -> None:
        assert self._file is not None, "update() needs the lock"
        self._info.update(info, pid=os.getpid())
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps(self._info))
        self._file.flush()

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self.update(state="stopped")
            self._file.close()  # closing the descriptor releases the flock
            self._file = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
