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
from components.core.redis_metrics import EXPORTER_NAME
from components.core.secret_values import secret_values
from components.settings import naming
from components.settings.app_settings import AppSettings

EXPORTER_BINARY = "prometheus-redis-exporter"
TOOLS = (
    "redis-server",
    "redis-cli",
    EXPORTER_BINARY,
    "unshare",
    "nsenter",
    "setpriv",
    "ip",
    "mount",
)


def missing_tools() -> list[str]:
    """What this machine lacks to run a pod (empty when it can)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (for namespaces and mounts)")
    return missing


def main_container(settings: AppSettings) -> dict[str, Any]:
    spec = build_blueprint(settings).statefulset["spec"]["template"]["spec"]
    return spec["containers"][0]


def write_secret(directory: Path, data: dict[str, bytes], gid: int) -> None:
    """The Secret's keys as the kubelet writes a secret volume (atomic writer layout)."""
    directory.mkdir(parents=True)
    payload = directory / "..2026_11_22_00_00_00.000000001"
    payload.mkdir()
    for key, value in data.items():
        (payload / key).write_bytes(value)
        # defaultMode 0440, group fsGroup: what the StatefulSet asks of the kubelet.
        os.chown(payload / key, 0, gid)
        (payload / key).chmod(0o440)
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
    # The pod's name (its HOSTNAME) and the hosts file it resolves names with.
    hostname: str = "redis-0"
    hosts: str = ""
    # Other pods' addresses to relay to, and this pod's ports to serve (see pod_network).
    relay: dict[str, Any] | None = None
    process: subprocess.Popen | None = None  # the pause process's unshare
    server: subprocess.Popen | None = None
    sidecar_processes: list[subprocess.Popen] = field(default_factory=list)
    relay_process: subprocess.Popen | None = None
    log: list[str] = field(default_factory=list)  # the containers' log files

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
        # The Secret's keys and contents, from the code that fills the Secret.
        data = {k: v.encode() for k, v in secret_values(self.settings, self.password).items()}
        write_secret(self.root / "secret", data, self.uid)

    def _setup(self) -> str:
        """Shell run as root inside the new namespaces, before the server starts."""
        mount = Path(self.settings.security.password_mount)
        if mount.parent != Path("/etc"):
            raise ValueError(f"the sandbox mounts Secrets under /etc only, not {mount}")
        # /etc becomes a tmpfs holding what the tools read, and the Secret's mount point.
        keep = self.root / "etc-keep"
        if not keep.exists():
            keep.mkdir()
            for name in ("passwd", "group", "hosts", "nsswitch.conf", "services"):
                if Path("/etc", name).exists():
                    shutil.copy(Path("/etc", name), keep / name)
            if self.hosts:
                (keep / "hosts").write_text("127.0.0.1 localhost\n" + self.hosts)
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
        """Start the pod: its namespaces (held by a pause process, as Kubernetes holds
        them), the relay, the Redis container and its sidecars."""
        self.prepare()
        script = f"{self._setup()} && echo ready && exec sleep infinity"
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--net", "--fork", "--", "sh", "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if line.strip() != "ready":
            raise RuntimeError(f"the pod's namespaces were not set up: {line}{self.output()}")
        if self.relay is not None:
            self._start_relay()
        self.start_server()
        self.start_sidecars()

    def start_sidecars(self, slow_sentinel: float = 0) -> None:
        """Start (or restart) the pod's other containers. `slow_sentinel` seconds pass
        between the Sentinel container's script reaching `redis-sentinel` and Sentinel
        starting (a slow node: the script's own background work runs meanwhile)."""
        for sidecar in self.sidecars:
            if sidecar["name"] == EXPORTER_NAME:
                # The image's entrypoint is the exporter; Debian's build stands in for it.
                command = [EXPORTER_BINARY, *sidecar["args"]]
            else:
                command = [*sidecar["command"], *sidecar.get("args", [])]
                if self.relay is not None:
                    command += ["--bind", "127.0.0.1"]  # as the server, beside the relay
            env = self.container_env(sidecar)
            if slow_sentinel and sidecar["name"] == "sentinel":
                env["PATH"] = f"{self._slow('redis-sentinel', slow_sentinel)}:/usr/bin:/bin"
            self.sidecar_processes.append(self._exec(command, log=True, env=env))

    def _slow(self, program: str, seconds: float) -> str:
        """A folder (in the pod's /tmp) whose `program` waits `seconds`, then runs the real
        one: put first on PATH."""
        folder = self.root / "tmp" / "slow-bin"
        folder.mkdir(exist_ok=True)
        wrapper = folder / program
        wrapper.write_text(f'#!/bin/sh\nsleep {seconds}\nexec /usr/bin/{program} "$@"\n')
        wrapper.chmod(0o755)
        return "/tmp/slow-bin"

    def stop_sidecars(self) -> None:
        """Kill the pod's other containers (every process of each); the pod stays."""
        for sidecar in self.sidecar_processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(sidecar.pid, signal.SIGKILL)
            sidecar.wait(timeout=10)
        self.sidecar_processes = []

    def container_env(self, container: dict[str, Any]) -> dict[str, str]:
        """A container's environment as the kubelet sets it: plain values, and values from
        this pod's Secret (byte for byte)."""
        env = {}
        for entry in container.get("env", []):
            if "value" in entry:
                env[entry["name"]] = entry["value"]
            else:
                key = entry["valueFrom"]["secretKeyRef"]["key"]
                env[entry["name"]] = (self.root / "secret" / key).read_bytes().decode()
        return env

    @property
    def sidecars(self) -> list[dict[str, Any]]:
        spec = build_blueprint(self.settings).statefulset["spec"]["template"]["spec"]
        return spec["containers"][1:]

    def start_server(self) -> None:
        """(Re)start the Redis container: its command if it has one (it replaces the
        image's entrypoint), else the image's, redis-server with the args."""
        command = [*self.container.get("command", ["redis-server"]), *self.container["args"]]
        if self.relay is not None:
            # A pod's server listens on every address of its pod, its loopback and its pod
            # IP; here the other addresses are the relay's, so it keeps to the loopback.
            command += ["--bind", "127.0.0.1"]
        self.server = self._exec(command, log=True)

    def _exec(
        self, command: list[str], log: bool = False, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """A container's process in the pod: its namespaces, its user, a clean environment
        holding only `env` beside PATH and HOSTNAME."""
        enter = ["nsenter", "-t", str(self.pause_pid), "-m", "-n"]
        enter += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups"]
        environment = ["env", "-i", "PATH=/usr/bin:/bin", f"HOSTNAME={self.hostname}"]
        environment += [f"{name}={value}" for name, value in (env or {}).items()]
        # The working directory is the disk's, as /data is the redis image's.
        environment += ["sh", "-c", 'cd /mnt/data && exec "$@"', "container"]
        output = (self.root / f"{command[0]}-{len(self.log)}.log").open("w") if log else None
        self.log.append(str(output.name) if output else "")
        return subprocess.Popen(
            [*enter, *environment, *command],
            stdout=output or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _start_relay(self) -> None:
        import json
        import sys

        tests = Path(__file__).resolve().parent
        self.relay_process = subprocess.Popen(
            [
                *("nsenter", "-t", str(self.pause_pid), "-n", sys.executable),
                *(str(tests / "pod_network.py"), json.dumps(self.relay)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = self.relay_process.stdout.readline() if self.relay_process.stdout else ""
        if line.strip() != "ready":
            rest = self.relay_process.stdout.read() if self.relay_process.stdout else ""
            raise RuntimeError(f"the pod's relay did not start: {line}{rest}")

    @property
    def pause_pid(self) -> int:
        """The pid holding the pod's namespaces (the child of `unshare --fork`)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return int(children.read_text().split()[0])

    @property
    def server_pid(self) -> int:
        assert self.server is not None
        return self.server.pid

    def run(self, command: str, env: dict[str, str] | None = None, timeout: float = 10):
        """A shell command inside the pod, as the pod's user (as `kubectl exec` or a probe)."""
        enter = ["nsenter", "-t", str(self.pause_pid), "-m", "-n"]
        enter += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups"]
        return subprocess.run(
            [*enter, "sh", "-c", command],
            env={"PATH": "/usr/bin:/bin", "HOSTNAME": self.hostname, **(env or {})},
            capture_output=True,
            timeout=timeout,
            cwd="/",
        )

    def http_get(self, port: int, path: str, timeout: float = 3) -> tuple[int, str]:
        """An HTTP GET on the pod's loopback, from inside its network (as the kubelet's
        probe or a scraper reaches the pod): the status and the body, or (0, error)."""
        import sys

        script = (
            "import sys, urllib.request, urllib.error\n"
            "try:\n"
            "    r = urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2]))\n"
            "    print(r.status); print(r.read().decode(), end='')\n"
            "except Exception as e:\n"
            "    print(0); print(e, end='')\n"
        )
        url = f"http://127.0.0.1:{port}{path}"
        result = subprocess.run(
            [
                "nsenter",
                "-t",
                str(self.pause_pid),
                "-n",
                sys.executable,
                "-c",
                script,
                url,
                str(timeout),
            ],
            capture_output=True,
            text=True,
            timeout=timeout + 5,
        )
        status, _, body = result.stdout.partition("\n")
        return int(status or 0), body or result.stderr

    def readiness(self) -> subprocess.CompletedProcess:
        """The readiness probe, exactly as the StatefulSet writes it."""
        command = self.container["readinessProbe"]["exec"]["command"]
        assert command[:2] == ["sh", "-c"]
        return self.run(command[2])

    def wait_ready(self, timeout: float = 10) -> float:
        """Seconds until the readiness probe passes; raises after `timeout`."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.server and self.server.poll() is not None:
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

    def freeze(self) -> None:
        """SIGSTOP: the server stops answering, its connections stay open (a partition)."""
        os.kill(self.server_pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.server_pid, signal.SIGCONT)

    def info(self, section: str) -> dict[str, str]:
        """`INFO <section>` as a dict (empty when the server does not answer)."""
        reply = self.cli("INFO", section, password=self.password).stdout.decode()
        return dict(
            line.split(":", 1) for line in reply.splitlines() if ":" in line and line[0] != "#"
        )

    def output(self) -> str:
        """The end of the containers' logs."""
        text = "".join(
            Path(f).read_text(errors="replace") for f in self.log if f and Path(f).exists()
        )
        return text[-3000:]

    def stop_server(self, sig: int = signal.SIGTERM) -> None:
        """Stop the Redis container (SIGKILL for a crash); the pod and its disk stay."""
        if self.server is None:
            return
        if self.server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.server.pid, signal.SIGCONT)  # a frozen server cannot stop
                os.kill(self.server.pid, sig)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=10)
        self.server = None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the whole pod; its disk stays."""
        if self.process is None:
            return
        self.stop_server(sig)
        self.stop_sidecars()
        if self.relay_process is not None:
            self.relay_process.kill()
            self.relay_process.wait(timeout=10)
            self.relay_process = None
            for path, _ in (self.relay or {}).get("serve", []):
                Path(path).unlink(missing_ok=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None


class RedisCluster:
    """The StatefulSet's pods, each in its own namespaces, joined by `pod_network`."""

    def __init__(self, root: Path, settings: AppSettings, password: str) -> None:
        from tests.pod_network import address

        service = settings.governing_service_name
        names = [naming.pod_name(settings.name, o) for o in settings.running_ordinals]
        self.dns = [
            naming.pod_dns(settings.name, o, service, settings.namespace)
            for o in settings.running_ordinals
        ]
        hosts = "".join(f"{address(i)} {dns}\n" for i, dns in enumerate(self.dns))
        net = root / "net"
        net.mkdir(parents=True)
        ports = (settings.container.container_port, 26379)
        connect = [
            [address(i), port, str(net / f"p{i}-{port}.sock")]
            for i in range(len(names))
            for port in ports
        ]
        self.pods = [
            RedisPod(
                root / name,
                settings,
                password,
                hostname=name,
                hosts=hosts,
                relay={
                    "connect": connect,
                    "serve": [[str(net / f"p{i}-{port}.sock"), port] for port in ports],
                },
            )
            for i, name in enumerate(names)
        ]

    def stop(self) -> None:
        for pod in self.pods:
            with contextlib.suppress(Exception):
                pod.thaw()
            pod.stop(signal.SIGKILL)
