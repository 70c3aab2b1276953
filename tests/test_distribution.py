"""The Python distribution: a built wheel installs `gke_stateful`, which lives beside a
program's own `components/` package, and the README's library example runs as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

# The integration tier (builds and installs the wheel).
pytestmark = pytest.mark.integration

README = ROOT / "README.md"


def library_example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- library-example:[^>]*-->\n```python\n(.*?)```", text, re.S)
    assert match, "the README's library example is marked <!-- library-example: ... -->"
    return match[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel, built from this repository and installed into a directory of its own."""
    work = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(work)],
        check=True,
        timeout=600,
    )
    (wheel,) = work.glob("gke_stateful-*.whl")
    site = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=600,
    )
    return site


def test_the_wheel_holds_one_import_package_named_gke_stateful(installed):
    (wheel,) = installed.parent.glob("gke_stateful-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"gke_stateful"}
    assert "gke_stateful/core/storage.py" in names and "gke_stateful/py.typed" in names


DRIVER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import gke_stateful, components
    from gke_stateful.offline.mock_engine import run_program
    run = run_program(
        Path("__main__.py"), "my-program", "dev",
        {"my-program:redisPassword": "a-long-random-password"}, ["my-program:redisPassword"],
    )
    print(json.dumps({
        "gke_stateful": gke_stateful.__file__,
        "components": components.MINE,
        "types": [r.type for r in run.registrations],
        "urns": [r.urn for r in run.registrations],
        "secrets": [r.inputs.get("stringData") for r in run.registrations
                    if r.type == "kubernetes:core/v1:Secret"],
        "outputs": run.outputs,
    }, default=str))
    """
)


def test_the_readme_example_runs_beside_the_programs_own_components_package(installed, tmp_path):
    program = tmp_path / "program"
    (program / "components").mkdir(parents=True)
    # The program's own `components` package, as many Pulumi programs have one.
    (program / "components" / "__init__.py").write_text('MINE = "the program\'s own"\n')
    (program / "__main__.py").write_text(library_example())
    result = subprocess.run(
        [sys.executable, "-c", DRIVER],
        cwd=program,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout.strip().splitlines()[-1])
    assert run["gke_stateful"].startswith(str(installed))  # the installed copy, not this tree
    assert run["components"] == "the program's own"
    assert run["types"].count("gcp:compute/disk:Disk") == 3
    assert "kubernetes:apps/v1:StatefulSet" in run["types"]
    assert all(u.startswith("urn:pulumi:dev::my-program::") for u in run["urns"])
    assert run["secrets"] == [
        {"auth.conf": "[secret]", "password": "[secret]", "sentinel.conf": "[secret]"}
    ]
    assert run["outputs"]["cachePods"] == [
        f"cache-{i}.cache.db.svc.cluster.local" for i in range(3)
    ]
    assert "a-long-random-password" not in result.stdout + result.stderr
