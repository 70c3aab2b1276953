"""The Redis preset against the real server (Debian's redis-server), run as the pod runs it:
every password the stack accepts reaches Redis byte for byte and passes the readiness probe
as written; data survives restarts and crashes; the probe fails on a wrong password."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.settings.arg_paths import parse_args
from components.settings.password_rules import MIN_LENGTH, password_problems
from tests.redis_pod import EXPORTER_BINARY, RedisPod, missing_tools

MISSING = missing_tools()
# CI sets this: there the servers must run, and a missing tool fails instead of skipping.
REQUIRED = os.environ.get("GKE_STATEFUL_REQUIRE_SERVERS") == "1"
if MISSING and REQUIRED:
    raise RuntimeError(f"real-server tests need {', '.join(MISSING)}")
pytestmark = [
    # The integration tier (the real server).
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"needs {', '.join(MISSING)} (python3 tasks.py test --integration installs the "
        f"Debian packages when run as root)",
    ),
]

REDIS = parse_args(
    {
        "name": "redis",
        "preset": "redis",
        "namespace": "db",
        "gcpProject": "acme-test-project",
        "volumeScope": "redis-test",
        "storage": {"zones": ["europe-west1-b"], "storageSlots": 1},
    }
)

PASSWORDS = {
    "spaces": "correct horse battery staple",
    "quotes": "it's a \"quoted\" 'password'",
    "backslashes": "back\\slash\\\\es\\x41\\n\\",
    "shell": "$(reboot) `id` ${HOME} ; | & > <",
    "newline-inside": "first line\nsecond line",
    "newline-at-the-end": "ends with a newline\n",
    "newlines-at-the-end": "ends with two newlines\n\n",
    "carriage-return-and-tab": "cr\rand\ttab inside it",
    "printable-unicode": "zażółć gęślą jaźń 密码 🔑 パスワード",
    "zero-width-space": "zero\u200bwidth\u200bspace",
    "no-break-space": "no\u00a0break\u00a0space",
    "soft-hyphen": "soft\u00adhyphen\u00adhere",
    "byte-order-mark": "\ufeffstarts with a BOM",
    "line-separator": "line\u2028separator",
    "control-characters": "ctrl\x01\x02\x1b[0m\x7fchars",
    "c1-controls": "c1\x85\x9fcontrols here",
    "placeholder-text": "literal {password} in it",
    "512-characters": ("x9!" * 171)[:512],
}


def auth_result(pod: RedisPod, password: str | None) -> bytes:
    return pod.cli("CONFIG", "GET", "requirepass", password=password).stdout


@pytest.fixture
def pod_for(tmp_path):
    """Start a pod with a password; every pod started is stopped."""
    pods: list[RedisPod] = []

    def start(password: str, name: str = "pod") -> RedisPod:
        pod = RedisPod(tmp_path / f"{name}-{len(pods)}", REDIS, password)
        pods.append(pod)
        pod.start()
        return pod

    yield start
    for pod in pods:
        pod.stop(signal.SIGKILL)


def assert_password_works(pod: RedisPod, password: str) -> None:
    assert pod.wait_ready(timeout=10) < 10
    # The server holds exactly the password's bytes (redis-cli prints the raw reply).
    reply = auth_result(pod, password)
    assert reply.startswith(b"requirepass\n")
    assert reply == b"requirepass\n" + password.encode() + b"\n"
    wrong = pod.cli("SET", "k", "v", password=password + "x")
    assert b"NOAUTH" in wrong.stdout or b"WRONGPASS" in wrong.stderr
    assert pod.cli("PING").stdout.startswith(b"NOAUTH")  # no auth, no access


@pytest.mark.parametrize("password", PASSWORDS.values(), ids=PASSWORDS.keys())
def test_every_accepted_password_reaches_redis_and_passes_the_probe(pod_for, password):
    assert password_problems(password) == []
    assert_password_works(pod_for(password), password)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
        min_size=MIN_LENGTH,
        max_size=64,
    )
)
def test_any_text_the_rules_accept_works(pod_for, password):
    assert password_problems(password) == []
    assert_password_works(pod_for(password, "generated"), password)


def test_the_probe_fails_until_the_server_answers_and_when_the_password_is_wrong(tmp_path):
    pod = RedisPod(tmp_path / "pod", REDIS, PASSWORDS["spaces"])
    pod.prepare()
    # A Secret whose password file disagrees with the server's config: never Ready.
    (tmp_path / "pod" / "secret" / "..data" / "password").write_text("not the password")
    pod.start()
    try:
        with pytest.raises(TimeoutError):
            pod.wait_ready(timeout=2)
    finally:
        pod.stop(signal.SIGKILL)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["restart", "crash"])
def test_data_survives_a_restart_and_a_crash(tmp_path, stop):
    password = PASSWORDS["printable-unicode"]
    pod = RedisPod(tmp_path / "pod", REDIS, password)
    pod.start()
    try:
        pod.wait_ready()
        for i in range(100):
            assert pod.cli("SET", f"key{i}", f"value{i}", password=password).stdout == b"OK\n"
        pod.stop(stop)
        pod.start()  # the same disk
        pod.wait_ready()
        assert pod.cli("DBSIZE", password=password).stdout == b"100\n"
        assert pod.cli("GET", "key99", password=password).stdout == b"value99\n"
    finally:
        pod.stop(signal.SIGKILL)


def test_the_pod_cannot_write_outside_its_disk_and_tmp(pod_for):
    pod = pod_for(PASSWORDS["spaces"])
    pod.wait_ready()
    result = pod.run("id -u; touch /etc/redis-auth/x; touch /usr/x; touch /tmp/x && echo tmp")
    assert result.stdout.split() == [b"10001", b"tmp"]
    assert result.stderr.count(b"Read-only file system") == 2


def test_the_memory_ceiling_refuses_writes_instead_of_growing(tmp_path):
    """`maxmemory` from the memory limit: past it, writes fail; the server stays under it."""
    from components.core.redis_memory import maxmemory_bytes

    container = REDIS.container.model_copy(update={"memory_limit": "64Mi"})
    small = REDIS.model_copy(update={"container": container})
    assert small.container.memory_limit == "64Mi"
    ceiling = maxmemory_bytes(small)
    assert ceiling == int(64 * 2**20 * 0.6)
    password = PASSWORDS["spaces"]
    pod = RedisPod(tmp_path / "pod", small, password)
    pod.start()
    try:
        pod.wait_ready()
        reply = pod.cli("CONFIG", "GET", "maxmemory", password=password).stdout.split()
        assert reply == [b"maxmemory", str(ceiling).encode()]
        refused = None
        for i in range(100):  # 100 values of 1 MB: far past the ceiling
            result = pod.cli(
                "EVAL",
                "return redis.call('SET', KEYS[1], string.rep('x', 1048576))",
                "1",
                f"k{i}",
                password=password,
            )
            if b"OOM" in result.stdout + result.stderr:
                refused = i
                break
        assert refused is not None and 20 < refused < 50, refused
        info = pod.cli("INFO", "memory", password=password).stdout.decode()
        used = int(
            next(
                line.split(":")[1] for line in info.splitlines() if line.startswith("used_memory:")
            )
        )
        assert used <= ceiling * 1.05
        assert pod.cli("DBSIZE", password=password).stdout == f"{refused}\n".encode()  # kept
    finally:
        pod.stop(signal.SIGKILL)


METRICS = REDIS.model_copy(update={"redis": REDIS.redis.model_copy(update={"metrics": True})})


def exporter_of(pod: RedisPod) -> dict:
    return next(c for c in pod.sidecars if c["name"] == "metrics")


def scrape(pod: RedisPod, port: int = 9121, timeout: float = 10) -> dict[str, str]:
    """The exporter's samples once it reaches its server (`redis_up` known); bounded."""
    started = time.monotonic()
    body = ""
    while time.monotonic() - started < timeout:
        status, body = pod.http_get(port, "/metrics")
        if status == 200 and "\nredis_up " in f"\n{body}":
            return dict(
                line.rsplit(" ", 1) for line in body.splitlines() if line and line[0] != "#"
            )
        time.sleep(0.1)
    raise TimeoutError(f"no metrics after {timeout}s: {body[:300]} {pod.output()}")


@pytest.mark.parametrize(
    "password",
    [
        PASSWORDS[k]
        for k in ("newline-at-the-end", "zero-width-space", "shell", "printable-unicode")
    ],
    ids=["newline-at-the-end", "zero-width-space", "shell", "printable-unicode"],
)
def test_the_exporter_reads_its_server_with_the_secret_password(tmp_path, password):
    """The exporter sidecar as rendered (its args, its password from the Secret's key, the
    pod's user and read-only root) reports the server up and its role; its liveness probe
    path answers; the password is nowhere in its command line."""
    pod = RedisPod(tmp_path / "pod", METRICS, password)
    pod.start()
    try:
        pod.wait_ready()
        assert pod.cli("SET", "counted", "1", password=password).stdout == b"OK\n"
        samples = scrape(pod)
        assert samples["redis_up"] == "1"
        assert samples['redis_db_keys{db="db0"}'] == "1"
        assert any(k.startswith("redis_instance_info{") and 'role="master"' in k for k in samples)
        # --redis-only-metrics: none of the exporter's own Go runtime samples.
        assert not any(k.startswith("go_") for k in samples)
        liveness = exporter_of(pod)["livenessProbe"]["httpGet"]
        assert pod.http_get(9121, liveness["path"]) == (200, "ok")
        # nsenter, setpriv, env and sh each exec the next: the process is the exporter.
        pid = pod.sidecar_processes[0].pid
        assert Path(f"/proc/{pid}/exe").resolve().name == EXPORTER_BINARY
        status = Path(f"/proc/{pid}/status").read_text()
        assert "\nUid:\t10001\t" in status
        for place in ("cmdline", "environ"):
            assert password.strip().encode() not in Path(f"/proc/{pid}/{place}").read_bytes()
    finally:
        pod.stop(signal.SIGKILL)


def test_an_exporter_with_a_wrong_password_reports_the_server_down(tmp_path):
    """The check above can fail: the same exporter given a password file for another
    password (or for another URI) says redis_up 0."""
    password = PASSWORDS["spaces"]
    pod = RedisPod(tmp_path / "pod", METRICS, password)
    pod.start()
    try:
        pod.wait_ready()
        args = exporter_of(pod)["args"]
        kept = [a for a in args if not a.startswith(("--web.listen", "--redis.password-file"))]
        for port, content in (
            (9122, json.dumps({"redis://localhost:6379": password + "x"})),
            (9123, json.dumps({"redis://127.0.0.1:6379": password})),
        ):
            (pod.root / "tmp" / f"{port}.json").write_text(content)
            command = [EXPORTER_BINARY, *kept, f"--web.listen-address=:{port}"]
            command.append(f"--redis.password-file=/tmp/{port}.json")
            pod.sidecar_processes.append(pod._exec(command, log=True))
            assert scrape(pod, port=port)["redis_up"] == "0"
    finally:
        pod.stop(signal.SIGKILL)
