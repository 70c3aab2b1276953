"""The fast render (`render --manifests-only`): the full render's manifests.yaml byte for
byte, on every stack and on changed configs, without the engine; the same refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.offline.render import main
from tests.helpers import ROOT, STACKS

VARIANTS = {
    "as-is": [],
    "redis-replication-and-metrics": ["redis.replication=true", "redis.metrics=true"],
    "scaled-down-with-a-retired-slot": ["replicas=0"],
    "weaker-pod-security": ["security.podSecurityLevel=baseline"],
}


def render_both(tmp_path, stack: str, config: list[str]) -> tuple[bytes, bytes]:
    extra = [item for c in config for item in ("--config", c)]
    full, fast = tmp_path / "full", tmp_path / "fast"
    common = ["--stack", stack, "--program", str(ROOT), *extra]
    assert main([*common, "--out", str(full)]) == 0
    assert main([*common, "--out", str(fast), "--manifests-only"]) == 0
    assert not (fast / "plan.json").exists()
    return (full / "manifests.yaml").read_bytes(), (fast / "manifests.yaml").read_bytes()


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
@pytest.mark.parametrize("stack", STACKS)
def test_the_fast_render_writes_the_full_renders_manifests(tmp_path, stack, variant):
    config = VARIANTS[variant]
    if stack == "dev" and variant.startswith("redis"):
        config = []  # dev runs kubia
    full, fast = render_both(tmp_path, stack, config)
    assert fast == full
    assert b"kind: StatefulSet" in fast


def test_the_fast_render_loads_neither_engine_nor_sdk(tmp_path):
    """Run in a fresh process: neither the mock engine nor the Pulumi SDK is imported (the
    groups' shape comes from the settings themselves, not from app_args.py's annotations)."""
    code = (
        "import sys; from components.offline.render import main; "
        f"code = main(['--stack', 'prod', '--out', {str(tmp_path)!r}, '--manifests-only']); "
        "print(code, 'components.offline.mock_engine' in sys.modules, 'pulumi' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split()[-3:] == ["0", "False", "False"], result.stderr


def test_the_command_in_its_own_process_writes_what_a_call_writes(tmp_path):
    """Run as a command, the fast render turns the garbage collector off and pydantic's plugin
    search, and freezes what is left as it exits (`bench/peer_bench.py`): the same bytes as
    a call in this process, and the same refusal (exit 2, nothing written, no traceback)."""
    command = [sys.executable, "-m", "components.offline.render", "--stack", "prod"]
    done = subprocess.run(
        [*command, "--out", str(tmp_path / "cmd"), "--manifests-only"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert main(["--stack", "prod", "--out", str(tmp_path / "call"), "--manifests-only"]) == 0
    written = (tmp_path / "cmd" / "manifests.yaml").read_bytes()
    assert written == (tmp_path / "call" / "manifests.yaml").read_bytes()
    refused = subprocess.run(
        [*command, "--out", str(tmp_path / "bad"), "--manifests-only", "--config", "replicas=x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "replicas: " in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "bad").exists()


def test_a_call_leaves_the_collector_and_the_environment_as_they_were(tmp_path, monkeypatch):
    """Only the command's own process is lightened: a program or a test that calls the
    renderer keeps its garbage collector and sees no new environment variable."""
    import gc

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    assert gc.isenabled()
    assert main(["--stack", "dev", "--out", str(tmp_path), "--manifests-only"]) == 0
    assert gc.isenabled()
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ


def test_the_fast_render_refuses_a_plan_comparison(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--stack", "dev", "--out", str(tmp_path), "--manifests-only", "--previous", "x"])
    assert caught.value.code == 2
    assert "--previous needs the plan" in capsys.readouterr().err


def test_libyaml_writes_what_pyyaml_would():
    """The emitter is libyaml's for speed; its text is PyYAML's own, byte for byte, with the
    same choices (literal blocks for texts of several lines, no folding), and reads back as
    the objects."""
    import yaml

    from components.offline import plan
    from components.offline.core_render import render_manifests

    class PyYamlDumper(yaml.SafeDumper):
        pass

    PyYamlDumper.add_representer(str, plan._text)
    assert plan.DUMPER is not PyYamlDumper and "CSafeDumper" in str(plan.DUMPER.__mro__)
    config = ["redis.replication=true", "redis.metrics=true"]
    objects = render_manifests(ROOT, "prod", config).objects
    rest = [o for o in objects if o["kind"] != "Secret"]
    pure = yaml.dump_all(
        rest,
        Dumper=PyYamlDumper,
        sort_keys=False,
        default_flow_style=False,
        width=plan.LINE_WIDTH,
    )
    text = plan.manifests_text(objects)
    assert text.endswith(pure)
    assert list(yaml.safe_load_all(text)) == rest
    assert "command:\n        - sh\n        - -c\n        - |" in text  # a script reads as one


def test_both_renders_leave_only_their_files_and_a_failed_write_keeps_the_old_ones(
    tmp_path, monkeypatch
):
    assert main(["--stack", "dev", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifests.yaml", "plan.json"]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(["--stack", "dev", "--out", str(tmp_path), "--manifests-only"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifests.yaml", "plan.json"]

    # The disk fills while the plan is staged: nothing is moved in, nothing is left behind.
    real = Path.write_text

    def full(path, text, *args, **kwargs):
        if path.name.startswith(".plan.json."):
            raise OSError(28, "No space left on device")
        return real(path, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError):
        main(["--stack", "dev", "--out", str(tmp_path), "--config", "rollout.minReadySeconds=5"])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
