"""The unit test docs/library.md tells a library user to copy runs as written, against the
package under its installed name (`gke_stateful`), and fails when the mocks it relies on
stop answering the component's calls."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT

# The integration tier (a pytest run of its own, a few seconds).
pytestmark = pytest.mark.integration


def documented_test() -> str:
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- library-test:start -->\n```python\n(.*?)```", text, re.S)
    assert block, "docs/library.md has no library test block"
    return block.group(1)


def run_as_user(tmp_path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "gke_stateful").symlink_to(ROOT / "components", target_is_directory=True)
    (tmp_path / "test_user_program.py").write_text(source, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_documented_test_passes_as_written(tmp_path):
    done = run_as_user(tmp_path, documented_test())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_without_the_packages_mocks_the_component_cannot_run(tmp_path):
    # Mocks that only echo inputs do not answer the zones lookup: what a user met before.
    plain = documented_test().replace(
        "mocks = StatefulAppMocks()",
        "class Echo(pulumi.runtime.Mocks):\n"
        "    def new_resource(self, args):\n"
        "        return args.name + '-id', args.inputs\n"
        "    def call(self, args):\n"
        "        return {}, []\n"
        "mocks = Echo()",
    )
    done = run_as_user(tmp_path, plain)
    assert done.returncode == 1
    assert "GCE has no zone" in done.stdout + done.stderr
