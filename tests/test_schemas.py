"""Every stack's manifests against Kubernetes' official schemas, strict, 1.30 through 1.37,
and custom resources against their CRD's own schema (tests/fixtures/crds, source inside)."""

import json
from typing import Any

import jsonschema
import pytest
import yaml
from kubernetes_validate import validate

from components.offline.render import main
from tests.helpers import ROOT, STACKS

# The integration tier (every stack against every Kubernetes schema version).
pytestmark = pytest.mark.integration

VERSIONS = [f"1.{minor}.0" for minor in range(30, 38)]
CRDS = {
    (f"{crd['group']}/{crd['version']}", crd["kind"]): crd
    for crd in (
        json.loads(path.read_text()) for path in (ROOT / "tests/fixtures/crds").glob("*.json")
    )
}
OBJECT_META = {"name", "namespace", "labels", "annotations"}


def strict(schema: Any) -> Any:
    """A CRD's structural schema, refusing unknown fields as `kubectl apply
    --validate=strict` does (the API server would drop them silently)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {k: strict(v) for k, v in schema.items()}
    if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        result.setdefault("additionalProperties", False)
    return result


def validate_custom(document: dict[str, Any]) -> None:
    crd = CRDS[(document["apiVersion"], document["kind"])]
    schema = strict(crd["openAPIV3Schema"])
    # The API server checks metadata itself; the CRD schema leaves it open.
    assert set(document["metadata"]) <= OBJECT_META, document["metadata"]
    jsonschema.validate({k: v for k, v in document.items() if k != "metadata"}, schema)


@pytest.fixture(scope="module", params=STACKS)
def documents(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    assert main(["--stack", request.param, "--out", str(out), "--program", str(ROOT)]) == 0
    return list(yaml.safe_load_all((out / "manifests.yaml").read_text()))


@pytest.mark.parametrize("version", VERSIONS)
def test_manifests_are_valid_in_strict_mode(documents, version):
    for document in documents:
        if (document["apiVersion"], document["kind"]) in CRDS:
            validate_custom(document)
        else:
            validate(document, version, strict=True)  # raises on the first violation


def test_staging_renders_a_pod_monitoring_checked_against_its_crd(documents, request):
    """The CRD check runs on a real manifest, and refuses what the CRD does."""
    monitors = [d for d in documents if d["kind"] == "PodMonitoring"]
    if "staging" not in request.node.callspec.id:
        assert monitors == []
        return
    (monitor,) = monitors
    validate_custom(monitor)
    endpoint = monitor["spec"]["endpoints"][0]
    for broken in (
        {**endpoint, "scheme": "ftp"},
        {**endpoint, "portName": "metrics"},
        {k: v for k, v in endpoint.items() if k != "interval"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate_custom({**monitor, "spec": {**monitor["spec"], "endpoints": [broken]}})


def test_strict_mode_rejects_an_unknown_field(documents):
    broken = {**documents[0], "spec": {"notAField": 1}}
    with pytest.raises(Exception, match=r"notAField|Additional properties"):
        validate(broken, VERSIONS[-1], strict=True)
