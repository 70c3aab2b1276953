"""The render command's arguments add to its defaults instead of replacing them."""

from __future__ import annotations

import importlib.util

import pytest

from tests.helpers import ROOT

spec = importlib.util.spec_from_file_location("tasks", ROOT / "tasks.py")
tasks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tasks)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], ["--stack", "dev", "--out", "out/dev"]),
        (["--stack", "prod"], ["--stack", "prod", "--out", "out/prod"]),
        (["--stack=staging"], ["--stack=staging", "--out", "out/staging"]),
        (
            ["--config", "replicas=2"],
            ["--stack", "dev", "--config", "replicas=2", "--out", "out/dev"],
        ),
        (["--stack", "prod", "--out", "x"], ["--stack", "prod", "--out", "x"]),
        (["--check-preview", "p.json"], ["--check-preview", "p.json"]),
        (["--help"], ["--help"]),
    ],
)
def test_render_arguments_add_to_the_defaults(given, expected):
    assert tasks.render_args(given) == expected
