"""Keep `make run`'s web, worker and beat processes running until Ctrl-C, then stop them in order."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# The first restart waits this long, each quick failure twice as long as the one before, up to the
# cap; a process that stayed up for `STABLE_AFTER` seconds starts again from the first delay.
BACKOFF_FIRST = 1.0
BACKOFF_CAP = 30.0
STABLE_AFTER = 60.0
TICK = 0.2


def _die_with_parent() -> Callable[[], None] | None:
    """For the child: SIGTERM when the supervisor dies, so a killed `make run` leaves nothing
    behind holding the port or the queues (Linux's PR_SET_PDEATHSIG; elsewhere the next run finds
    the port taken and says so). Resolved here, in the parent, so the child only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Program:
    """One supervised process; `stop_timeout` is how long it may take to stop before SIGKILL."""

    name: str
    argv: list[str]
    env: dict[str, str]
    stop_timeout: float = 30.0
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    """Starts programs, restarts one that exits (with capped exponential back-off, logged), and on
    SIGINT/SIGTERM stops them in `stop_order` groups: each group is sent SIGTERM together and
    waited for before the next. A second Ctrl-C while stopping kills what is left at once."""

    def __init__(
        self,
        programs: list[Program],
        *,
        cwd: Path,
        log: Callable[[str], None],
        stop_order: list[list[str]] | None = None,
    ) -> None:
        self.programs = {program.name: program for program in programs}
        self.cwd = cwd
        self.log = log
        self.stop_order = stop_order or [[name] for name in self.programs]
        self.stop_requested = False
        self.force = False
        self._on_stopping: Callable[[], None] | None = None
        self._preexec = _die_with_parent()

    # --- signals ---

    def _on_signal(self, signum, frame) -> None:
        if self.stop_requested:
            self.force = True
        self.stop_requested = True
        # Say "stopping" at once, not at the next tick: a `make run` started straight after Ctrl-C
        # then waits for this one instead of finding it "running" and giving up.
        self._announce_stopping()

    def _announce_stopping(self) -> None:
        on_stopping, self._on_stopping = self._on_stopping, None
        if on_stopping:
            on_stopping()

    def install_signal_handlers(self) -> None:
        # SIGHUP: the terminal went away; stop as for Ctrl-C rather than leave the rest to it.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    # --- running ---

    def _spawn(self, program: Program) -> subprocess.Popen:
        # A session of its own: the terminal's Ctrl-C reaches only the supervisor, which then stops
        # the programs in order instead of all at once.
        program.proc = proc = subprocess.Popen(
            program.argv,
            env=program.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,  # not in the terminal's foreground group: it must never read
            start_new_session=True,
            preexec_fn=self._preexec,
        )
        program.started_at = time.monotonic()
        program.restart_at = None
        return proc

    def start(self) -> None:
        pids = {program.name: self._spawn(program).pid for program in self.programs.values()}
        self.log("started " + ", ".join(f"{name} (pid {pid})" for name, pid in pids.items()))

    def tick(self) -> None:
        """Notice exits and schedule restarts; start what is due."""
        now = time.monotonic()
        for program in self.programs.values():
            if program.restart_at is not None:
                if now >= program.restart_at:
                    proc = self._spawn(program)
                    program.restarts += 1
                    self.log(f"{program.name} restarted (pid {proc.pid})")
                continue
            if program.proc is None or program.proc.poll() is None:
                continue
            uptime = now - program.started_at
            if uptime >= STABLE_AFTER:
                program.quick_failures = 0
            delay = min(BACKOFF_FIRST * 2**program.quick_failures, BACKOFF_CAP)
            program.quick_failures += 1
            program.restart_at = now + delay
            self.log(
                f"{program.name} (pid {program.proc.pid}) {describe_exit(program.proc.returncode)} "
                f"after {uptime:.0f} s; restarting in {delay:.0f} s"
            )

    def run(
        self,
        *,
        ready: Callable[[], bool] | None = None,
        on_ready: Callable[[], None] | None = None,
        on_stopping: Callable[[], None] | None = None,
    ) -> int:
        """Supervise until SIGINT/SIGTERM; then stop everything. 0 once all have stopped.

        `on_ready` is called once `ready()` first returns true, `on_stopping` when stopping begins.
        """
        self._on_stopping = on_stopping
        self.install_signal_handlers()
        self.start()
        announced = ready is None
        while not self.stop_requested:
            self.tick()
            if not announced and ready is not None and ready():
                announced = True
                if on_ready:
                    on_ready()
            time.sleep(TICK)
        self._announce_stopping()
        self.stop()
        return 0

    # --- stopping ---

    def stop(self) -> None:
        self.log("stopping (Ctrl-C again to kill at once)...")
        for group in self.stop_order:
            programs = [self.programs[name] for name in group if name in self.programs]
            for program in programs:
                program.restart_at = None
                if program.proc is not None and program.proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        program.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + max((p.stop_timeout for p in programs), default=0)
            while any(p.proc is not None and p.proc.poll() is None for p in programs):
                if self.force or time.monotonic() > deadline:
                    for program in programs:
                        if program.proc is not None and program.proc.poll() is None:
                            self.log(f"{program.name} did not stop in time; killing it")
                            program.proc.kill()
                    for program in programs:
                        if program.proc is not None:
                            program.proc.wait()
                    break
                time.sleep(0.1)
            for program in programs:
                self.log(f"{program.name} stopped")


def describe_exit(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"
