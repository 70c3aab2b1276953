"""The pod template's secret checksum rolls pods on a password change and reveals nothing.

Run through the program with a real (test) password: the digest must be an HMAC under the
stack's own random key, so equal passwords in two stacks differ and no offline guess can be
checked without the key; the key itself appears nowhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.offline.mock_engine import ProgramRun, stand_in_bytes, start_mock_engine
from components.offline.plan import manifests_yaml
from components.offline.plan import plan as plan_of
from components.stack.config import load_password, load_settings
from tests.helpers import PROJECT, VALID, app_args, stack_config

STS = "kubernetes:apps/v1:StatefulSet"
KEY = "random:index/randomBytes:RandomBytes"
PASSWORD = "hunter2-but-longer"


def deploy(stack: str, password: str = PASSWORD, namespace: str = "apps"):
    raw = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    raw |= {"preset": "redis", "namespace": namespace, "password": password}
    raw |= {"replication": True}
    config = stack_config(raw)
    monitor = start_mock_engine(PROJECT, stack, config, [f"{PROJECT}:password"])

    def body():
        settings = load_settings()
        StatefulApp(settings.name, app_args(settings, password=load_password(settings)))

    _sync_await(run_pulumi_func(body))
    return monitor.registrations


def checksum(regs) -> str:
    (sts,) = [r for r in regs if r.type == STS]
    return sts.inputs["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]


def stack_key(stack: str, regs) -> bytes:
    (key,) = [r for r in regs if r.type == KEY]
    assert key.inputs["length"] >= 32  # 256 bits
    return stand_in_bytes(stack, key.name, key.inputs["length"])


def test_the_digest_is_an_hmac_under_the_stacks_own_key():
    regs = deploy("staging")
    expected = hmac.new(
        stack_key("staging", regs), b"apps/redis\0" + PASSWORD.encode(), hashlib.sha256
    ).hexdigest()
    assert checksum(regs) == expected


def test_equal_passwords_in_two_stacks_give_different_digests():
    assert checksum(deploy("staging")) != checksum(deploy("prod"))


def test_the_digest_is_stable_and_follows_the_password():
    assert checksum(deploy("staging")) == checksum(deploy("staging"))
    assert checksum(deploy("staging", "hunter3-but-longer")) != checksum(deploy("staging"))


def test_no_unkeyed_digest_of_the_password_is_published():
    digest = checksum(deploy("staging"))
    unkeyed = {
        hashlib.sha256(PASSWORD.encode()).hexdigest(),
        hashlib.sha256(b"apps/redis" + PASSWORD.encode()).hexdigest(),
        hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), b"apps/redis", 200_000).hex(),
    }
    assert digest not in unkeyed


def test_neither_the_key_nor_the_password_appears_in_what_is_written():
    regs = deploy("staging")
    key = stack_key("staging", regs)
    run = ProgramRun(PROJECT, "staging", regs, {})
    written = json.dumps(plan_of(run)) + manifests_yaml(run)
    for value in (key.hex(), PASSWORD):
        assert value not in written
    (key_resource,) = [r for r in regs if r.type == KEY]
    assert key_resource.options["protect"] is False  # a new key only rolls the pods once
    (workload,) = [r for r in regs if r.type == "gke-stateful:index:StatefulWorkload"]
    assert key_resource.parent == workload.urn  # the component's, so aliases carry over
