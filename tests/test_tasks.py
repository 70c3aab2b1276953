"""tasks.py: the render command's arguments add to its defaults; every option has help."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.helpers import ROOT

spec = importlib.util.spec_from_file_location("tasks", ROOT / "tasks.py")
tasks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tasks)

FAST = "--manifests-only"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], ["--stack", "dev", "--out", "out/dev", FAST]),
        (["--stack", "prod"], ["--stack", "prod", "--out", "out/prod", FAST]),
        (["--stack=staging"], ["--stack=staging", "--out", "out/staging", FAST]),
        (
            ["--config", "replicas=2"],
            ["--stack", "dev", "--config", "replicas=2", "--out", "out/dev", FAST],
        ),
        (["--stack", "prod", "--out", "x"], ["--stack", "prod", "--out", "x", FAST]),
        # The plan: the engine's render.
        (["--plan"], ["--stack", "dev", "--out", "out/dev"]),
        (["--stack", "prod", "--plan"], ["--stack", "prod", "--out", "out/prod"]),
        (
            ["--previous", "old.json"],
            ["--stack", "dev", "--previous", "old.json", "--out", "out/dev"],
        ),
        (["--check-preview", "p.json"], ["--check-preview", "p.json"]),
        (["--help"], ["--help"]),
    ],
)
def test_render_arguments_add_to_the_defaults(given, expected):
    assert tasks.render_args(given) == expected


def option_helps(parser) -> list[tuple[str, str | None]]:
    """(option, help) of a parser and of its subcommands."""
    found = []
    for action in parser._actions:
        if action.option_strings:
            found.append((action.option_strings[-1], action.help))
        for sub in (getattr(action, "choices", None) or {}).values():
            if hasattr(sub, "_actions"):
                found += option_helps(sub)
    return found


def test_every_command_and_option_has_help_text():
    helps = option_helps(tasks.parser())
    assert {"--plan", "--integration", "--all", "--help-renderer"} <= {o for o, _ in helps}
    assert [o for o, text in helps if not text] == []
    # The renderer's own options, which `render` passes on.
    from components.offline.render import build_parser

    renderer = option_helps(build_parser())
    assert "--manifests-only" in {o for o, _ in renderer}
    assert [o for o, text in renderer if not text] == []


@pytest.mark.parametrize("argv", [["--help"], ["render", "--help"], ["test", "--help"]])
def test_help_prints_without_setting_anything_up(argv):
    result = subprocess.run(
        [sys.executable, str(ROOT / "tasks.py"), *argv],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 0
    assert "usage: python3 tasks.py" in result.stdout
    assert "creating .venv" not in result.stderr


def requirement_lines(path) -> list[str]:
    """A requirement file's requirements, following its -r includes."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirement_lines(path.parent / line[3:].strip())
        elif line:
            found.append(line)
    return found


def test_the_lock_satisfies_every_requirement_range():
    """requirements.lock (what the first run installs) keeps to every range the requirement
    files give; `python3 tasks.py lock` rewrites it when they change."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    locked = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.split(";")[0].strip().partition("==")
            locked[canonicalize_name(name)] = version
    wanted = [Requirement(line) for line in requirement_lines(ROOT / "requirements-dev.txt")]
    assert len(wanted) > 10
    for requirement in wanted:
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(version), (requirement, version)
