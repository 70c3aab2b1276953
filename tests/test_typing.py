"""A library user's program type-checks against the package: `from gke_stateful import
StatefulApp` gives type checkers the real class and its typed args (the package loads its
exports lazily at run time), so a misspelt key and a wrong type are caught before a deploy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

# The integration tier (runs mypy, a few seconds).
pytestmark = pytest.mark.integration

CONFIG = """\
[mypy]
follow_imports = silent
# The providers' own modules are huge and typed loosely; the package's types are what counts.
[mypy-pulumi_gcp.*]
follow_imports = skip
[mypy-pulumi_kubernetes.*]
follow_imports = skip
"""

PROGRAM = """\
from components import StatefulApp

app = StatefulApp(
    "cache",
    {{
        "name": "cache",
        "{project_key}": "acme-prod",
        "volume_scope": "cache-prod",
        "replicas": {replicas},
        "image": "redis:7.0",
        "storage": {{"zones": ["europe-west1-b"], "storage_slots": 3}},
    }},
)
names: list[str] = [] if app is None else []
"""


def mypy(tmp_path, program: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "mypy.ini").write_text(CONFIG)
    (tmp_path / "program.py").write_text(program)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--no-incremental",
            str(tmp_path / "program.py"),
        ],
        cwd=ROOT,
        env={"MYPYPATH": str(ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_misspelt_key_and_a_wrong_type_are_both_reported(tmp_path):
    done = mypy(tmp_path, PROGRAM.format(project_key="gcp_projekt", replicas='"3"'))
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Extra key "gcp_projekt" for TypedDict "StatefulAppArgs"' in done.stdout
    assert 'TypedDict item "replicas" has type "int"' in done.stdout


def test_a_correct_program_passes(tmp_path):
    done = mypy(tmp_path, PROGRAM.format(project_key="gcp_project", replicas="3"))
    assert done.returncode == 0, done.stdout + done.stderr
