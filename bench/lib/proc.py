"""A process a benchmark starts: output to a log file in its work dir, stopped by pid.

Shared by bench/http1 and bench/inference (Python 3 standard library only)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


class Proc:
    def __init__(self, name: str, argv: list[str], workdir: Path, env: dict | None = None,
                 log_suffix: str = ".log"):
        self.name = name
        self.workdir = workdir
        self.log_path = workdir / f"{name}{log_suffix}"
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, cwd=workdir,
                                      env=dict(os.environ, **env) if env else None)
        self.pid = self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, n: int = 20) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def stop(self):
        """SIGTERM the pid we started (an nginx master stops its own workers), bounded wait, then
        SIGKILL that same pid."""
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(signal.SIGTERM)
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def interrupt_on_sigterm():
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does: the runner reports what it measured and
    stops the processes it started."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """utime+stime (clock ticks) per pid; /proc/PID/stat of a thread-group leader covers all its
    threads. Pids that are gone are left out."""
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(b")") + 2:].split()
        out[pid] = int(rest[11]) + int(rest[12])  # fields 14 (utime) and 15 (stime)
    return out
