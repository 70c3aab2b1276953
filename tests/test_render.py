"""The offline renderer's command line: files, formats, summary, and clean refusals."""

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from components.offline.render import main
from tests.helpers import ROOT, STACKS, disk

RENDER = [sys.executable, "-m", "components.offline.render"]


def prod_disk(ordinal):
    return disk(ordinal, scope="redis-prod", namespace="redis", app="redis", claim="redis-data")


@pytest.fixture(scope="module")
def dev_render(tmp_path_factory):
    out = tmp_path_factory.mktemp("dev")
    assert main(["--stack", "dev", "--out", str(out), "--program", str(ROOT)]) == 0
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_renders(stack, tmp_path, capsys):
    assert main(["--stack", stack, "--out", str(tmp_path), "--program", str(ROOT)]) == 0
    documents = list(yaml.safe_load_all((tmp_path / "manifests.yaml").read_text()))
    assert {d["kind"] for d in documents} >= {
        "StorageClass",
        "PersistentVolume",
        "Service",
        "StatefulSet",
        "ServiceAccount",
        "PodDisruptionBudget",
        "NetworkPolicy",
    }
    printed = capsys.readouterr().out
    assert f"gke-stateful/{stack}:" in printed


def test_manifests_are_applicable_yaml_with_integers_and_head_keys_first(dev_render):
    documents = list(yaml.safe_load_all((dev_render / "manifests.yaml").read_text()))
    for document in documents:
        head = [k for k in document if k in ("apiVersion", "kind", "metadata", "spec")]
        assert list(document)[: len(head)] == head
        assert list(document)[:2] == ["apiVersion", "kind"]
    sts = next(d for d in documents if d["kind"] == "StatefulSet")
    assert sts["spec"]["replicas"] == 1 and isinstance(sts["spec"]["replicas"], int)
    port = sts["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
    assert port == 8080 and isinstance(port, int)
    kinds = [d["kind"] for d in documents]
    assert (
        kinds.index("StorageClass") < kinds.index("PersistentVolume") < kinds.index("StatefulSet")
    )


def test_plan_lists_every_resource_with_parent_dependencies_options_inputs(dev_render):
    plan = json.loads((dev_render / "plan.json").read_text())
    assert (plan["project"], plan["stack"]) == ("gke-stateful", "dev")
    urns = {r["urn"] for r in plan["resources"]}
    for resource in plan["resources"]:
        stash = resource["type"] == "pulumi:index:Stash"
        assert set(resource) == {
            "urn",
            "type",
            "name",
            "custom",
            "read",
            "parent",
            "dependencies",
            "options",
            "inputs",
            *(["outputs"] if stash else []),
        }
        if stash:
            # The value a Stash keeps, which the next render reads back (`--previous`).
            assert set(resource["outputs"]) == {"output"}
        assert resource["parent"] is None or resource["parent"] in urns
        assert set(resource["dependencies"]) <= urns
        assert {
            "protect",
            "retainOnDelete",
            "deleteBeforeReplace",
            "replaceOnChanges",
            "ignoreChanges",
        } <= set(resource["options"])
    (disk,) = [r for r in plan["resources"] if r["type"] == "gcp:compute/disk:Disk"]
    # dev is the stack that allows data deletion; the others retain their disks.
    assert disk["inputs"]["size"] == 10 and disk["options"]["retainOnDelete"] is False
    assert plan["outputs"]["podDnsNames"] == ["kubia-0.kubia.kubia-dev.svc.cluster.local"]


def test_output_is_identical_from_run_to_run(dev_render, tmp_path):
    assert main(["--stack", "dev", "--out", str(tmp_path), "--program", str(ROOT)]) == 0
    for name in ("manifests.yaml", "plan.json"):
        assert (tmp_path / name).read_bytes() == (dev_render / name).read_bytes()


def test_summary_shows_each_pod_with_dns_pvc_pv_disk_and_zone(tmp_path, capsys):
    assert main(["--stack", "prod", "--out", str(tmp_path), "--program", str(ROOT)]) == 0
    printed = capsys.readouterr().out
    assert "3  gcp:compute/disk:Disk" in printed
    assert "1  gcp:compute/resourcePolicy:ResourcePolicy" in printed
    for ordinal in range(3):
        row = next(line for line in printed.splitlines() if line.startswith(f"redis-{ordinal} "))
        assert row.split() == [
            f"redis-{ordinal}",
            f"redis-{ordinal}.redis.redis.svc.cluster.local",
            f"redis-data-redis-{ordinal}",
            prod_disk(ordinal),
            prod_disk(ordinal),
            f"us-central1-{'abc'[ordinal]}",
        ]


def test_config_overrides_apply_last(tmp_path):
    args = ["--stack", "dev", "--out", str(tmp_path), "--program", str(ROOT)]
    overrides = ["replicas=4", "storage.storageSlots=4", "gke-stateful:storage.diskSizeGb=20"]
    assert main([*args, *(x for o in overrides for x in ("--config", o))]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    disks = [r for r in plan["resources"] if r["type"] == "gcp:compute/disk:Disk"]
    assert [d["inputs"]["size"] for d in disks] == [20] * 4


def test_config_paths_reach_into_lists_and_keep_the_rest_of_the_group(tmp_path):
    args = ["--stack", "prod", "--out", str(tmp_path), "--program", str(ROOT)]
    overrides = ["storage.placement[2]=us-central1-a", "network.clientLabel[0].team=payments"]
    assert main([*args, *(x for o in overrides for x in ("--config", o))]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["outputs"]["placement"] == ["us-central1-a", "us-central1-b", "us-central1-a"]
    disks = [r for r in plan["resources"] if r["type"] == "gcp:compute/disk:Disk"]
    assert {d["inputs"]["size"] for d in disks} == {200}  # the group's other settings stay
    (policy,) = [r for r in plan["resources"] if r["type"].endswith("NetworkPolicy")]
    clients = policy["inputs"]["spec"]["ingress"][0]["from"][1]["podSelector"]["matchLabels"]
    assert clients == {"app.kubernetes.io/part-of": "checkout", "team": "payments"}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ["--config", "replicas=2"],
            "gke-stateful:storage.storageSlots: expected at least replicas",
        ),
        (["--config", "storage.diskSizeGb=5"], "gke-stateful:storage.diskSizeGb: "),
        (["--config", "name=Kubia"], "gke-stateful:name: "),
        (["--config", "replicas"], "expected KEY=VALUE"),
        (["--config", "typo=1"], "gke-stateful:typo: not a known config key"),
        (["--config", "storage..diskSizeGb=20"], "'storage..diskSizeGb': not a config path"),
        (["--config", "storage.placement[3]=x"], "index 3 is past the list's end"),
    ],
)
def test_invalid_config_exits_2_writes_nothing(tmp_path, capsys, extra, expected):
    out = tmp_path / "out"
    code = main(["--stack", "dev", "--out", str(out), "--program", str(ROOT), *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()


def test_unknown_stack_exits_2(tmp_path, capsys):
    code = main(["--stack", "qa", "--out", str(tmp_path / "o"), "--program", str(ROOT)])
    assert code == 2
    assert "Pulumi.qa.yaml: file not found" in capsys.readouterr().err


def test_secure_values_are_never_decrypted(tmp_path):
    program = tmp_path / "program"
    (program / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", program)
    shutil.copy(ROOT / "__main__.py", program)
    ciphertext = "v1:QmFzZTY0Q2lwaGVydGV4dA=="
    (program / "stacks" / "Pulumi.s.yaml").write_text(
        yaml.safe_dump(
            {
                "config": {
                    "gke-stateful:preset": "redis",
                    "gke-stateful:gcpProject": "acme-secret-test",
                    "gke-stateful:volumeScope": "secret-test",
                    "gke-stateful:storage": {"zones": ["europe-west1-b"], "storageSlots": 1},
                    "gke-stateful:password": {"secure": ciphertext},
                }
            }
        )
    )
    out = tmp_path / "out"
    assert main(["--stack", "s", "--out", str(out), "--program", str(program)]) == 0
    plan_text = (out / "plan.json").read_text()
    assert ciphertext not in plan_text and "[secret]" in plan_text
    # No usable-looking stand-in for kubectl to apply: the Secret is left out and named.
    text = (out / "manifests.yaml").read_text()
    assert ciphertext not in text and "[secret]" not in text
    documents = [d for d in yaml.safe_load_all(text) if d]
    assert "Secret" not in {d["kind"] for d in documents}
    assert "# Not in this file: Secret default/redis-auth (keys: auth.conf, password)." in text
    assert "kubectl -n default create secret generic redis-auth" in text


def test_command_line_entry_point_refuses_cleanly_in_a_fresh_process(tmp_path):
    out = tmp_path / "o"
    result = subprocess.run(
        [
            *RENDER,
            "--stack",
            "dev",
            "--out",
            str(out),
            "--config",
            'storage.zones=["europe-west1"]',
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "gke-stateful:storage.zones[0]: " in result.stderr and "'europe-west1'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_summary_lists_retired_slots_with_their_kept_storage(tmp_path, capsys):
    args = ["--stack", "prod", "--out", str(tmp_path), "--program", str(ROOT)]
    # One primary with replication needs a replica to write: independent servers here.
    assert main([*args, "--config", "replicas=1", "--config", "redis.replication=false"]) == 0
    lines = capsys.readouterr().out.splitlines()
    retired = [line for line in lines if "(retired)" in line]
    assert [line.split()[0] for line in retired] == ["redis-1", "redis-2"]
    assert retired[1].split()[-2:] == [
        prod_disk(2),
        "us-central1-c",
    ]


def test_secure_values_inside_lists_are_masked_and_marked_secret(tmp_path):
    from components.stack.stack_config import load_project, resolve

    program = tmp_path / "program"
    (program / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", program)
    ciphertext = "v1:bmVzdGVkLXNlY3JldA=="
    (program / "stacks" / "Pulumi.s.yaml").write_text(
        yaml.safe_dump(
            {"config": {"gke-stateful:container": {"args": ["--flag", {"secure": ciphertext}]}}}
        )
    )
    config = resolve(load_project(program), "s", [])
    assert config.values["gke-stateful:container"] == (
        '{"args": ["--flag", "[secret, not known offline]"]}'
    )
    assert config.secret_keys == ["gke-stateful:container"]


def test_a_malformed_project_file_exits_2(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: python\nconfig: [a, b]\n")
    code = main(["--stack", "dev", "--out", str(tmp_path / "o"), "--program", str(tmp_path)])
    assert code == 2
    assert "'config' must be a mapping" in capsys.readouterr().err
