"""Stack files read as the Pulumi CLI reads them (yaml.v3: YAML 1.2's booleans and no
sexagesimal numbers, 1.1's octal and digit groups kept; then object.MarshalString's text),
not as PyYAML (YAML 1.1) would."""

from __future__ import annotations

import math
import shutil

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components.offline.render import main
from components.stack import pulumi_yaml
from components.stack.pulumi_yaml import load, plain_scalar
from components.stack.stack_config import config_string
from tests.helpers import ROOT


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("No", "No"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("12:00", "12:00"),
        ("1:30:00", "1:30:00"),
        ("0777", 0o777),
        ("0o17", 0o17),
        ("0x1F", 31),
        ("0b101", 5),
        ("1_000", 1000),
        ("-012", -0o12),
        ("07", 7),
        ("08", 8.0),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("+1", 1),
        ("~", None),
        ("null", None),
        ("2026-11-22", "2026-11-22 00:00:00 +0000 UTC"),
        ("2026-1-2", "2026-01-02 00:00:00 +0000 UTC"),
        ("v1:abc", "v1:abc"),
    ],
)
def test_plain_scalars_follow_yaml_v3(text, value):
    assert plain_scalar(text) == value
    assert type(plain_scalar(text)) is type(value)


def test_pyyaml_alone_would_read_them_otherwise():
    """The differences that made the renderer disagree with Pulumi."""
    assert yaml.safe_load("a: yes")["a"] is True
    assert yaml.safe_load("a: 12:00")["a"] == 720
    assert math.isinf(plain_scalar(".inf"))


def test_infinities_are_refused_as_the_cli_refuses_them():
    from components.stack.stack_config import StackConfigError

    with pytest.raises(StackConfigError, match="not a value a Pulumi config can hold"):
        config_string(load("config:\n  p:x: .inf\n")["config"]["p:x"])


def test_a_document_that_is_not_a_mapping_is_read_whole():
    assert load("- a\n- yes\n") == ["a", "yes"]
    assert load("") is None


def test_the_program_gets_strings_as_written_and_other_scalars_as_json():
    config = load(
        "config:\n"
        "  p:count: 0777\n"
        "  p:flag: yes\n"
        "  p:on: True\n"
        "  p:float: 1e3\n"
        "  p:half: .5\n"
        "  p:empty:\n"
        "  p:null: ~\n"
        "  p:quoted: '0777'\n"
        "  p:group:\n"
        "    flag: yes\n"
        "    count: 0777\n"
        "    quoted: '0777'\n"
        "    items: [on, 2, '3', ~]\n"
    )["config"]
    given = {key: config_string(value) for key, value in config.items()}
    assert given == {
        "p:count": "511",
        "p:flag": "yes",
        "p:on": "true",
        "p:float": "1000",
        "p:half": "0.5",
        "p:empty": "",
        "p:null": "",
        "p:quoted": "0777",
        "p:group": '{"flag": "yes", "count": 511, "quoted": "0777", "items": ["on", 2, "3", null]}',
    }


def stack_with(tmp_path, group: str, body: str):
    program = tmp_path / "program"
    (program / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", program)
    shutil.copy(ROOT / "__main__.py", program)
    text = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text()
    (program / "stacks" / "Pulumi.dev.yaml").write_text(
        text + f"  gke-stateful:{group}:\n" + "".join(f"    {line}\n" for line in body.splitlines())
    )
    return ["--stack", "dev", "--out", str(tmp_path / "out"), "--program", str(program)]


@pytest.mark.parametrize("fast", [False, True], ids=["full", "fast"])
def test_an_unquoted_hour_is_an_hour(tmp_path, fast):
    args = stack_with(tmp_path, "snapshots", "snapshotSchedule: daily\nsnapshotStartTime: 12:00")
    assert main(args + (["--manifests-only"] if fast else [])) == 0


@pytest.mark.parametrize("fast", [False, True], ids=["full", "fast"])
@pytest.mark.parametrize(
    ("group", "body", "key"),
    [
        ("protection", "protect: yes", "protection.protect"),
        ("network", "networkPolicy: off", "network.networkPolicy"),
    ],
)
def test_yes_and_off_are_text_as_pulumi_hands_them(tmp_path, capsys, group, body, key, fast):
    args = stack_with(tmp_path, group, body)
    if group == "protection":
        args += ["--config", "protection.allowDataDeletion=false"]
    assert main(args + (["--manifests-only"] if fast else [])) == 2
    err = capsys.readouterr().err
    assert f"gke-stateful:{key}: expected true or false" in err


class _PythonParsed(yaml.SafeLoader):
    """The same loader on PyYAML's pure-Python parser: what `load` must equal wherever it
    runs on libyaml's."""


_PythonParsed.yaml_implicit_resolvers = {}
_PythonParsed.add_constructor("tag:yaml.org,2002:str", pulumi_yaml._construct_scalar)


def _documents() -> list:
    """Every YAML file the project reads or keeps: stack and project files, examples, the
    golden stacks of earlier releases, the bad inputs."""
    paths = [ROOT / "Pulumi.yaml", *sorted((ROOT / "stacks").glob("*.yaml"))]
    paths += sorted((ROOT / "examples").rglob("*.yaml"))
    paths += sorted((ROOT / "tests" / "golden").rglob("*.yaml"))
    paths += [ROOT / "tests" / "bad_inputs.yaml"]
    return [pytest.param(path.read_text(encoding="utf-8"), id=path.name) for path in paths]


@pytest.mark.parametrize("text", _documents())
def test_libyaml_reads_every_file_as_pure_python_yaml_would(text):
    assert repr(load(text)) == repr(yaml.load(text, Loader=_PythonParsed))


@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-zA-Z]{0,8}", fullmatch=True),
            st.one_of(
                st.from_regex(r"[-+0-9a-zA-Z_.:~ ]{0,12}", fullmatch=True).map(str.strip),
                st.sampled_from(["yes", "off", "0777", "1e3", "12:00", "2024-1-5", ".inf"]),
            ),
            st.sampled_from(["", "'", '"']),
        ),
        max_size=6,
    )
)
def test_libyaml_reads_scalars_as_pure_python_yaml_would(entries):
    text = "".join(
        f"{key}: {quote}{value.replace(quote, '') if quote else value}{quote}\n"
        for key, value, quote in entries
    )
    try:
        expected = repr(yaml.load(text, Loader=_PythonParsed))
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            load(text)
        return
    assert repr(load(text)) == expected
