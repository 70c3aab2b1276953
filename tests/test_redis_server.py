"""The Redis preset against the real server (Debian's redis-server), run as the pod runs it:
every password the stack accepts reaches Redis byte for byte and passes the readiness probe
as written; data survives restarts and crashes; the probe fails on a wrong password."""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.arg_paths import parse_args
from components.password_rules import MIN_LENGTH, password_problems
from tests.redis_pod import RedisPod, missing_tools

MISSING = missing_tools()
# CI sets this: there the servers must run, and a missing tool fails instead of skipping.
REQUIRED = os.environ.get("GKE_STATEFUL_REQUIRE_SERVERS") == "1"
if MISSING and REQUIRED:
    raise RuntimeError(f"real-server tests need {', '.join(MISSING)}")
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"needs {', '.join(MISSING)} (python3 tasks.py test installs the Debian packages "
    f"when run as root)",
)

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

    small = REDIS.model_copy(update={"memory_limit": "64Mi"})
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
