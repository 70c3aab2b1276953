"""A Redis pod on this machine: Debian's real redis-server, run as the rendered pod runs.

Each pod gets its own network namespace (its own loopback, so the server listens on
127.0.0.1:6379 and the probe's plain `redis-cli ping` reaches it) and its own mount
namespace, in which:
- the root filesystem is read-only, as `readOnlyRootFilesystem: true` makes it;
- the app's Secret is mounted read-only at the pod's password mount, laid out as the kubelet's
  atomic writer lays it out (`..<timestamp>/`, `..data` -> it, each key -> `..data/<key>`);
- the disk (the data directory, the container's working directory as in the redis image) and
  an emptyDir at /tmp are the only writable places;
and the server and the probes run as the pod's uid and gid (10001). The container's args and
its readiness probe come from the rendered StatefulSet, unchanged; the Secret's files from the
same code that fills the Secret.

Needs root (namespaces, mounts), util-linux (unshare, nsenter, setpriv), iproute2 and the
Debian packages redis-server and redis-sentinel; `python3 tasks.py test` installs the latter.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.core.blueprint import build_blueprint
from components.password_secret import config_file
from components.settings import AppSettings

TOOLS = ("redis-server", "redis-cli", "unshare", "nsenter", "setpriv", "ip", "mount")


def missing_tools() -> list[str]:
    """What this machine lacks to run a pod (empty when it can)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (for namespaces and mounts)")
    return missing


def main_container(settings: AppSettings) -> dict[str, Any]:
    spec = build_blueprint(settings).statefulset["spec"]["template"]["spec"]
    return spec["containers"][0]


def write_secret(directory: Path, data: dict[str, bytes]) -> None:
    """The Secret's keys as the kubelet writes a secret volume (atomic writer layout)."""
    directory.mkdir(parents=True)
    payload = directory / "..2026_11_22_00_00_00.000000001"
    payload.mkdir()
    for key, value in data.items():
        (payload / key).write_bytes(value)
        (payload / key).chmod(0o644)
    (directory / "..data").symlink_to(payload.name)
    for key in data:
        (directory / key).symlink_to(f"..data/{key}")


@dataclass
class RedisPod:
    """One pod of the StatefulSet, started with `start()` and stopped with `stop()`."""

    root: Path
    settings: AppSettings
    password: str
    uid: int = 10001
    process: subprocess.Popen | None = None
    log: list[str] = field(default_factory=list)

    @property
    def container(self) -> dict[str, Any]:
        return main_container(self.settings)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def prepare(self) -> None:
        """The disk (kept across restarts) and the Secret, written once."""
        if self.data.exists():
            return
        self.data.mkdir(parents=True)
        os.chown(self.data, self.uid, self.uid)  # fsGroup makes the disk the app's
        (self.root / "tmp").mkdir()
        os.chown(self.root / "tmp", self.uid, self.uid)
        line = self.settings.password_config_line
        write_secret(
            self.root / "secret",
            {
                "password": self.password.encode(),
                "auth.conf": config_file(line, self.password).encode(),
            },
        )

    def _setup(self) -> str:
        """Shell run as root inside the new namespaces, before the server starts."""
        mount = Path(self.settings.password_mount)
        if mount.parent != Path("/etc"):
            raise ValueError(f"the sandbox mounts Secrets under /etc only, not {mount}")
        # /etc becomes a tmpfs holding what the tools read, and the Secret's mount point.
        keep = self.root / "etc-keep"
        if not keep.exists():
            keep.mkdir()
            for name in ("passwd", "group", "hosts", "nsswitch.conf", "services"):
                if Path("/etc", name).exists():
                    shutil.copy(Path("/etc", name), keep / name)
        return " && ".join(
            [
                "ip link set lo up",
                "mount --make-rprivate /",
                # The disk at /mnt/data, its own writable mount (the server's working
                # directory, as /data is the redis image's).
                "mount -t tmpfs -o mode=755 tmpfs /mnt",
                "mkdir /mnt/data",
                f"mount --bind {self.data} /mnt/data",
                # /etc: a tmpfs holding what the tools read, and the Secret, read-only at
                # the pod's mount path.
                "mount -t tmpfs -o mode=755 tmpfs /etc",
                f"cp -a {keep}/. /etc/",
                f"mkdir -p {mount}",
                f"mount --bind {self.root / 'secret'} {mount}",
                f"mount -o remount,bind,ro {mount}",
                "mount -o remount,ro /etc",
                "mount -o remount,ro /mnt",
                # The emptyDir at /tmp (last: the sandbox itself may live under /tmp).
                f"mount --bind {self.root / 'tmp'} /tmp",
                # The rest of the root filesystem, read-only.
                "mount -o remount,bind,ro /",
            ]
        )

    def start(self) -> None:
        self.prepare()
        command = ["redis-server", *self.container.get("args", [])]
        run_as = f"setpriv --reuid={self.uid} --regid={self.uid} --clear-groups --"
        script = f"{self._setup()} && cd /mnt/data && exec {run_as} {shlex.join(command)}"
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--net", "--fork", "--", "sh", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def server_pid(self) -> int:
        """The pid of the server (the child of `unshare --fork`)."""
        assert self.process is not None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            if children.exists() and children.read_text().split():
                return int(children.read_text().split()[0])
            time.sleep(0.01)
        raise RuntimeError(f"the pod did not start: {self.output()}")

    def run(self, command: str, env: dict[str, str] | None = None, timeout: float = 10):
        """A shell command inside the pod, as the pod's user (as `kubectl exec` or a probe)."""
        enter = ["nsenter", "-t", str(self.server_pid), "-m", "-n"]
        enter += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups"]
        return subprocess.run(
            [*enter, "sh", "-c", command],
            env={"PATH": "/usr/bin:/bin", **(env or {})},
            capture_output=True,
            timeout=timeout,
            cwd="/",
        )

    def readiness(self) -> subprocess.CompletedProcess:
        """The readiness probe, exactly as the StatefulSet writes it."""
        command = self.container["readinessProbe"]["exec"]["command"]
        assert command[:2] == ["sh", "-c"]
        return self.run(command[2])

    def wait_ready(self, timeout: float = 10) -> float:
        """Seconds until the readiness probe passes; raises after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.output()}")
            if self.readiness().returncode == 0:
                return time.monotonic() - started
            time.sleep(0.05)
        raise TimeoutError(f"not ready after {timeout}s: {self.output()}")

    def cli(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
        """redis-cli inside the pod, authenticating with `password` (binary-safe, through
        REDISCLI_AUTH) unless it is None."""
        env = {} if password is None else {"REDISCLI_AUTH": password}
        return self.run(shlex.join(["redis-cli", "--no-auth-warning", *args]), env=env)

    def output(self) -> str:
        if self.process and self.process.poll() is not None and self.process.stdout:
            self.log.append(self.process.stdout.read())
        return "".join(self.log)[-3000:]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the pod (SIGKILL for a crash); the disk stays."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, RuntimeError):
                os.kill(self.server_pid, sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.output()
        self.process = None
