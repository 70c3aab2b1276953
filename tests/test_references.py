"""Every place a message, comment, stack file or example points a reader to (`docs/<file>.md,
'<heading>'`) is a real heading of that document.

Refusals and comments send people to the docs when something goes wrong; a reference to a
heading that moved or never existed leaves them with nothing. Python files are read as the
interpreter joins their strings (adjacent literals are one string) plus their comments;
other files as text with line breaks and comment markers folded away.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from tests.helpers import ROOT

# `docs/redis.md, 'Turning replication on'`, `(README, "Moving a slot")`, either quote.
REFERENCE = re.compile(r"""\b(README(?:\.md)?|docs/[a-z_]+\.md),\s*(?:the\s+)?['"]([^'"]+)['"]""")
SOURCES = [
    *sorted((ROOT / "components").rglob("*.py")),
    *sorted((ROOT / "stacks").glob("*.yaml")),
    *sorted(p for p in (ROOT / "examples").rglob("*") if p.is_file()),
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "README.md",
    ROOT / "tasks.py",
    ROOT / "__main__.py",
    ROOT / "Pulumi.yaml",
]


def python_texts(path: Path) -> list[str]:
    """A Python file's string constants (adjacent literals joined, f-string parts) and
    comments."""
    source = path.read_text(encoding="utf-8")
    texts = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    comments = [
        token.string.lstrip("# ")
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    return [*texts, " ".join(comments)]


def other_texts(path: Path) -> list[str]:
    """A text file with its lines joined and comment markers (#, //) folded away."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    lines = [re.sub(r"^\s*(#|//)\s?", "", line) for line in text.splitlines()]
    return [" ".join(lines)]


def references() -> list[tuple[str, str, str]]:
    """(where, document, heading) of every reference found."""
    found = []
    for path in SOURCES:
        if "__pycache__" in path.parts:
            continue
        texts = python_texts(path) if path.suffix == ".py" else other_texts(path)
        for text in texts:
            for document, heading in REFERENCE.findall(re.sub(r"\s+", " ", text)):
                found.append((str(path.relative_to(ROOT)), document, heading))
    return found


def headings(document: str) -> set[str]:
    path = ROOT / ("README.md" if document.startswith("README") else document)
    return {
        line.lstrip("#").strip().replace("`", "")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


REFERENCES = references()


def test_the_sources_hold_references_to_check():
    documents = {document for _, document, _ in REFERENCES}
    assert {"docs/operations.md", "docs/redis.md", "docs/renderer.md"} <= documents


@pytest.mark.parametrize(("where", "document", "heading"), REFERENCES)
def test_each_reference_names_a_heading_of_its_document(where, document, heading):
    assert heading in headings(document), f"{where}: {document} has no heading {heading!r}"


def test_the_reader_finds_what_is_referenced_in_a_message():
    # A reference split over two adjacent literals is still one reference.
    text = python_texts(ROOT / "components" / "settings" / "groups" / "protection.py")
    joined = " ".join(text)
    assert "(docs/operations.md, 'Replacing the StatefulSet')" in re.sub(r"\s+", " ", joined)
