"""The README and docs/ say only what runs: every Python block compiles (the library example
runs in test_distribution.py), every `tasks.py` and renderer command runs as written (in a
copy of the program, so nothing lands in the work tree), and every option a synopsis names
exists; every relative link points at a file and heading that exist."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.test_tasks import tasks

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
COMMAND = re.compile(r"^(python3 tasks\.py|\.venv/bin/python (-m components\.\w+|bench/\S+))")


def blocks(lang: str) -> list[tuple[str, str]]:
    return [
        (f"{doc.relative_to(ROOT)}:{n}", body)
        for doc in DOCUMENTS
        for n, (kind, body) in enumerate(BLOCK.findall(doc.read_text(encoding="utf-8")))
        if kind == lang
    ]


def commands() -> list[tuple[str, str]]:
    """Each command line of the shell blocks (continuations joined, comments dropped)."""
    found = []
    for place, body in blocks("sh"):
        for line in body.replace("\\\n", " ").splitlines():
            line = line.split("  #", 1)[0].strip()
            if COMMAND.match(line):
                found.append((place, line))
    return found


def is_synopsis(line: str) -> bool:
    return "<" in line or "[" in re.sub(r"'[^']*'", "", line)


@pytest.mark.parametrize(("place", "source"), blocks("python"), ids=lambda x: str(x)[:30])
def test_every_python_block_compiles(place, source):
    compile(source, place, "exec")


def test_the_documents_hold_commands_of_each_kind():
    lines = [line for _, line in commands()]
    assert any(line.startswith("python3 tasks.py render") for line in lines)
    assert any("components.offline.render" in line and not is_synopsis(line) for line in lines)
    assert any(is_synopsis(line) for line in lines)


def options_of(line: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line))


def parser_options(line: str) -> set[str]:
    """The options the command's own parser knows."""
    if line.startswith("python3 tasks.py"):
        parser = tasks.parser()
        found = set()
        for action in parser._actions:
            for sub in (getattr(action, "choices", None) or {}).values():
                found |= {o for a in sub._actions for o in a.option_strings}
        from components.offline.render import build_parser

        return found | {o for a in build_parser()._actions for o in a.option_strings}
    module = line.split()[2] if " -m " in line else line.split()[1]
    help_text = subprocess.run(
        [sys.executable, *(["-m", module] if " -m " in line else [str(ROOT / module)]), "-h"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return options_of(help_text)


@pytest.mark.parametrize(("place", "line"), commands(), ids=lambda x: str(x)[:40])
def test_every_option_a_command_names_exists(place, line):
    assert options_of(line) <= parser_options(line), f"{place}: {line}"


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    """A copy of the program to run the documents' commands in."""
    directory = tmp_path_factory.mktemp("program")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, directory)
    shutil.copytree(ROOT / "stacks", directory / "stacks")
    (directory / "components").symlink_to(ROOT / "components")
    return directory


# What a documented command's secret (a file it names, a variable it sets) holds here.
DOCUMENTED_PASSWORD = "a-long-enough-password-for-docs"


def run(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.integration  # renders in fresh processes
@pytest.mark.parametrize(
    ("place", "line"),
    [(p, line) for p, line in commands() if not is_synopsis(line)],
    ids=lambda x: str(x)[:40],
)
def test_every_concrete_command_runs_as_written(place, line, program):
    argv = shlex.split(line)
    # `VAR=... command`: the variable, set to a usable secret.
    env = {}
    while argv and re.fullmatch(r"[A-Z_]+=.*", argv[0]):
        env[argv.pop(0).partition("=")[0]] = DOCUMENTED_PASSWORD
    if argv[:2] == ["python3", "tasks.py"]:
        job, rest = argv[2], argv[3:]
        if job != "render":
            # `test`, `checkov` and `lock` are what runs this; they must parse.
            args, _ = tasks.parser().parse_known_args([job, *rest])
            assert args.job == job
            return
        extra = ["--plan"] if "--plan" in rest else []
        argv = ["-m", "components.offline.render", *tasks.render_args([*rest, *extra])]
    else:
        argv = argv[1:]
    if "--previous" in argv:
        # What the command compares with: an earlier full render of that stack.
        earlier = argv[argv.index("--previous") + 1]
        stack = argv[argv.index("--stack") + 1]
        out = str(Path(earlier).parent)
        assert (
            run(
                ["-m", "components.offline.render", "--stack", stack, "--out", out], program
            ).returncode
            == 0
        )
    for index, option in enumerate(argv):
        if option == "--secret-file":
            secret = program / argv[index + 1].partition("=")[2]
            secret.parent.mkdir(parents=True, exist_ok=True)
            secret.write_text(DOCUMENTED_PASSWORD + "\n")
    if "--check-preview" in argv:
        preview = ROOT / "tests" / "fixtures" / "previews"
        source = next(iter(sorted(preview.glob("*.json"))))
        shutil.copy(source, program / argv[argv.index("--check-preview") + 1])
    result = run(argv, program, env)
    assert result.returncode in (0, 3), f"{place}: {line}\n{result.stderr}"
    assert "Traceback" not in result.stderr


LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.name)
def test_every_relative_link_resolves(doc):
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, fragment = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        assert file.exists(), f"{doc.name}: {target}"
        if fragment and file.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", file.read_text(encoding="utf-8"), re.M)
            assert fragment in {anchor(h) for h in headings}, f"{doc.name}: {target}"


def test_the_readmes_diagram_has_straight_borders():
    """Every box's left and right borders stand in the columns its top corners set, so the
    picture reads as boxes in any monospace font."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("## What gets deployed") :]
    lines = block[block.index("```\n") + 4 : block.index("\n```", block.index("```\n") + 4)]
    rows = lines.splitlines()
    corners = {i for row in rows for i, c in enumerate(row) if c in "┌┐└┘"}
    assert len(corners) >= 6
    for row in rows:
        walls = {i for i, c in enumerate(row) if c in "│┌┐└┘"}
        assert walls <= corners | {max(corners)}, row
