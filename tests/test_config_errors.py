"""Every problem of a stack's config at once, each naming its setting: a broken JSON value at
its position, the password's problems beside the settings', and a secure value placed where
nothing is kept secret, by the setting that holds it. Through the fast render (the full
render runs the same checks first; the catalogue covers the program)."""

from __future__ import annotations

import pytest
import yaml

from components.offline.render import main
from tests.helpers import ROOT, copy_program

PROJECT = "gke-stateful"


@pytest.fixture
def program(tmp_path):
    return copy_program(tmp_path / "program")


def with_config(program, stack: str, change) -> None:
    path = program / "stacks" / f"Pulumi.{stack}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data["config"])
    path.write_text(yaml.safe_dump(data))


def refused(program, tmp_path, capsys, stack: str, *config: str, full: bool = False) -> str:
    out = tmp_path / "out"
    fast = [] if full else ["--manifests-only"]
    args = ["--stack", stack, "--program", str(program), "--out", str(out), *fast]
    assert main([*args, *[x for c in config for x in ("--config", c)]]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "value", ['storage.zones=["europe-west1-b",]', 'storage={"zones": ["europe-west1-b"]']
)
def test_a_broken_json_value_is_said_at_its_position(program, tmp_path, capsys, value):
    err = refused(program, tmp_path, capsys, "dev", value)
    assert f"--config {value!r}: not valid JSON (" in err and "at column " in err
    assert "expected a list" not in err


def test_a_password_problem_comes_with_the_settings_problems(program, tmp_path, capsys):
    with_config(program, "prod", lambda c: c.pop(f"{PROJECT}:password"))
    err = refused(program, tmp_path, capsys, "prod", 'storage.placement=["us-central1-a"]')
    assert f"{PROJECT}:storage.placement: expected one entry per storage slot" in err
    assert f"{PROJECT}:password: required by this app, but not set" in err


def test_a_plain_password_is_said_with_the_settings_problems(program, tmp_path, capsys):
    err = refused(
        program,
        tmp_path,
        capsys,
        "prod",
        "storage.diskSizeGb=-5",
        "password=typed-in-plain-text",
    )
    assert f"{PROJECT}:storage.diskSizeGb: expected 10 to 65536 GiB" in err
    assert f"{PROJECT}:password: given in plain text" in err
    assert "typed-in-plain-text" not in err


@pytest.mark.parametrize("full", [False, pytest.param(True, marks=pytest.mark.integration)])
def test_a_secure_value_in_a_group_names_its_setting(program, tmp_path, capsys, full):
    def secure_settings(config):
        config[f"{PROJECT}:container"] = {
            "configFile": {"secure": "v1:Y29uZmln"},
            "args": ["--verbose", {"secure": "v1:YXJn"}],
        }

    with_config(program, "dev", secure_settings)
    err = refused(program, tmp_path, capsys, "dev", full=full)
    assert f"{PROJECT}:container.configFile: holds a secure value" in err
    assert f"{PROJECT}:container.args[1]: holds a secure value" in err


def test_a_password_given_as_a_list_is_refused(program, tmp_path, capsys):
    with_config(
        program,
        "staging",
        lambda c: c.__setitem__(f"{PROJECT}:password", [{"secure": "v1:c2VjcmV0"}]),
    )
    err = refused(program, tmp_path, capsys, "staging")
    assert f"{PROJECT}:password: expected one secure text value" in err


@pytest.mark.integration  # through the engine
def test_the_program_names_the_group_that_holds_a_secure_value():
    """Under Pulumi the program is only told which key is secret, not where inside it the
    `secure:` value sat: it names the group."""
    import runpy

    import pulumi
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from components.offline.mock_engine import start_mock_engine
    from components.stack.stack_config import load_project, resolve

    config = resolve(load_project(ROOT), "dev", [])
    values = {**config.values, f"{PROJECT}:container": '{"configFile": "x 1"}'}
    monitor = start_mock_engine(PROJECT, "dev", values, [f"{PROJECT}:container"])
    with pytest.raises(pulumi.RunError) as caught:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(ROOT / "__main__.py"))))
    assert f"{PROJECT}:container: holds a secure value" in str(caught.value)
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]
