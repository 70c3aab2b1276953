"""Every stack's manifests against Kubernetes' official schemas, strict, 1.30 through 1.37."""

import pytest
import yaml
from kubernetes_validate import validate

from components.render import main
from tests.helpers import ROOT, STACKS

VERSIONS = [f"1.{minor}.0" for minor in range(30, 38)]


@pytest.fixture(scope="module", params=STACKS)
def documents(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    assert main(["--stack", request.param, "--out", str(out), "--program", str(ROOT)]) == 0
    return list(yaml.safe_load_all((out / "manifests.yaml").read_text()))


@pytest.mark.parametrize("version", VERSIONS)
def test_manifests_are_valid_in_strict_mode(documents, version):
    for document in documents:
        validate(document, version, strict=True)  # raises on the first violation


def test_strict_mode_rejects_an_unknown_field(documents):
    broken = {**documents[0], "spec": {"notAField": 1}}
    with pytest.raises(Exception, match=r"notAField|Additional properties"):
        validate(broken, VERSIONS[-1], strict=True)
