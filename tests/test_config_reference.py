"""The configuration reference (docs/configuration.md) is the one written from the package
schema."""

from components.package.config_reference import END, START, reference
from tests.helpers import ROOT


def test_the_readme_holds_the_reference_written_from_the_schema():
    readme = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = readme[readme.index(START) + len(START) : readme.index(END)]
    assert block.strip() == reference().strip(), (
        "run python -m components.package.config_reference --write"
    )


def test_the_reference_lists_every_setting_with_its_default():
    from components.settings.arg_paths import PATHS

    text = reference()
    for path in PATHS.values():
        assert f"| `{path}` |" in text, path
    assert "| `storage.diskSizeGb` | integer | 10 |" in text
    assert "| `storage.zones` | list of string | required |" in text
