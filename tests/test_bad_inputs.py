"""The bad-input catalogue (tests/bad_inputs.yaml), through the program and through the
renderer's command line: each case stops cleanly, names its key, and leaves nothing behind."""

import runpy
import shutil
from pathlib import Path

import pulumi
import pytest
import yaml
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.offline.mock_engine import start_mock_engine
from components.offline.render import main
from components.stack.stack_config import load_project, resolve
from tests.helpers import PROJECT, ROOT
from tests.test_settings_messages import LIBRARY_WORDING

CATALOGUE = yaml.safe_load((ROOT / "tests" / "bad_inputs.yaml").read_text())
CATEGORIES_NEEDED = 40


def test_the_catalogue_is_large_and_unique():
    assert len(CATALOGUE) >= CATEGORIES_NEEDED
    assert len({case["id"] for case in CATALOGUE}) == len(CATALOGUE)


def program_with(case: dict, directory: Path) -> Path:
    """A copy of the program whose dev stack carries the case's change."""
    (directory / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    shutil.copy(ROOT / "__main__.py", directory)
    stack = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    config = stack["config"]
    for path in case.get("unset", []):
        group, _, leaf = path.rpartition(".")
        (config[f"{PROJECT}:{group}"] if group else config).pop(
            leaf if group else f"{PROJECT}:{leaf}"
        )
    for path, value in case.get("set", {}).items():
        if ":" in path:
            config[path] = value
            continue
        group, _, leaf = path.rpartition(".")
        if group:
            config.setdefault(f"{PROJECT}:{group}", {})[leaf] = value
        else:
            config[f"{PROJECT}:{leaf}"] = value
    (directory / "stacks" / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    return directory


def key_of(case):
    return case["key"] if ":" in case["key"] else f"{PROJECT}:{case['key']}"


@pytest.mark.integration  # through the engine; the fast render covers every case too
@pytest.mark.parametrize("case", CATALOGUE, ids=[c["id"] for c in CATALOGUE])
def test_the_program_refuses_before_registering_anything(case, tmp_path):
    program = program_with(case, tmp_path / "program")
    config = resolve(load_project(program), "dev", case.get("config", []))
    monitor = start_mock_engine(PROJECT, "dev", config.values, config.secret_keys)
    with pytest.raises(pulumi.RunError) as caught:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(program / "__main__.py"))))
    message = str(caught.value)
    assert f"{key_of(case)}: " in message
    line = next(x for x in message.splitlines() if f"{key_of(case)}: " in x)
    assert case["expect"] in line, message
    assert case.get("absent", "\0") not in message
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


@pytest.mark.integration  # through the engine; the fast render covers every case too
@pytest.mark.parametrize("case", CATALOGUE, ids=[c["id"] for c in CATALOGUE])
def test_the_renderer_exits_2_naming_the_key_and_writes_nothing(case, tmp_path, capsys):
    program = program_with(case, tmp_path / "program")
    out = tmp_path / "out"
    args = ["--stack", "dev", "--out", str(out), "--program", str(program)]
    for item in case.get("config", []):
        args += ["--config", item]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{key_of(case)}: " in err and case["expect"] in err
    assert not any(words in err for words in LIBRARY_WORDING), err
    assert case.get("absent", "\0") not in err
    assert "Traceback" not in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("case", CATALOGUE, ids=[c["id"] for c in CATALOGUE])
def test_the_fast_render_refuses_the_same_way(case, tmp_path, capsys):
    program = program_with(case, tmp_path / "program")
    out = tmp_path / "out"
    args = ["--stack", "dev", "--out", str(out), "--program", str(program), "--manifests-only"]
    for item in case.get("config", []):
        args += ["--config", item]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{key_of(case)}: " in err and case["expect"] in err
    assert case.get("absent", "\0") not in err
    assert not out.exists()


SAMPLE = ["replicas-word", "zones-two-regions", "password-plain-on-command-line"]


@pytest.mark.integration  # through the engine; the fast render covers every case too
@pytest.mark.parametrize("case", [c for c in CATALOGUE if c["id"] in SAMPLE], ids=SAMPLE)
def test_the_command_line_in_its_own_process_refuses_cleanly(case, tmp_path):
    import subprocess
    import sys

    program = program_with(case, tmp_path / "program")
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "components.offline.render",
        "--stack",
        "dev",
        "--out",
        str(out),
    ]
    command += ["--program", str(program)]
    for item in case.get("config", []):
        command += ["--config", item]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"{key_of(case)}: " in done.stderr and case["expect"] in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
