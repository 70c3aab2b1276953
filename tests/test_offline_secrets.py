"""A new stack gets its password offline from a file or an environment variable: checked as
the program checks it, rendered exactly as a stack file's `secure:` value is, and written
nowhere (not in the manifests, the plan, the output or the errors)."""

from __future__ import annotations

import pytest
import yaml

from components.offline.render import main
from tests.helpers import ROOT, copy_program

# The integration tier (full renders of a copied program).
pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-battery-staple-7"


@pytest.fixture
def new_stack(tmp_path):
    """A copy of the program whose staging stack has no password yet (a new stack)."""
    program = copy_program(tmp_path / "program")
    stack_file = program / "stacks" / "Pulumi.staging.yaml"
    config = yaml.safe_load(stack_file.read_text())
    del config["config"]["gke-stateful:password"]
    stack_file.write_text(yaml.safe_dump(config))
    return program


def written(out) -> str:
    return "".join(p.read_text() for p in sorted(out.iterdir()) if p.is_file())


@pytest.mark.parametrize("fast", [False, True])
def test_a_password_from_a_file_renders_as_a_secure_value_and_is_written_nowhere(
    tmp_path, new_stack, capsys, fast
):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    only = ["--manifests-only"] if fast else []
    given = tmp_path / "given"
    args = ["--stack", "staging", "--program", str(new_stack), *only]
    assert main([*args, "--out", str(given), "--secret-file", f"password={secret}"]) == 0
    deployed = tmp_path / "deployed"
    assert main(["--stack", "staging", "--program", str(ROOT), *only, "--out", str(deployed)]) == 0
    # The same bytes as the stack whose password is a `secure:` value.
    assert written(given) == written(deployed)
    captured = capsys.readouterr()
    assert PASSWORD not in written(given) + captured.out + captured.err


def test_a_password_from_an_environment_variable(tmp_path, new_stack, monkeypatch, capsys):
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    args = ["--stack", "staging", "--program", str(new_stack), "--out", str(tmp_path / "o")]
    assert main([*args, "--secret-env", "password=REDIS_PASSWORD"]) == 0
    captured = capsys.readouterr()
    assert PASSWORD not in written(tmp_path / "o") + captured.out + captured.err


def test_without_it_the_new_stack_is_refused_for_its_password(tmp_path, new_stack, capsys):
    args = ["--stack", "staging", "--program", str(new_stack), "--out", str(tmp_path / "o")]
    assert main(args) == 2
    assert "gke-stateful:password: required by this app" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp, env: ["--secret-file", f"password={tmp / 'absent'}"], "cannot read"),
        (lambda tmp, env: ["--secret-env", "password=NOT_SET_HERE"], "NOT_SET_HERE is not set"),
        (lambda tmp, env: ["--secret-env", "password"], "expected KEY=VARIABLE"),
        (
            lambda tmp, env: (env.setenv("SHORT", "hunter2"), ["--secret-env", "password=SHORT"])[
                1
            ],
            "password (--secret-env): expected at least",
        ),
    ],
)
def test_a_secret_that_cannot_be_used_is_refused_naming_the_key(
    tmp_path, new_stack, monkeypatch, capsys, make, expected
):
    out = tmp_path / "o"
    args = ["--stack", "staging", "--program", str(new_stack), "--out", str(out)]
    assert main([*args, *make(tmp_path, monkeypatch)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "hunter2" not in err and "Traceback" not in err
    assert not out.exists()
