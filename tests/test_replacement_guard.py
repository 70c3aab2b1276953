"""Changes that would replace the StatefulSet are refused unless the stack allows them.

Each test deploys one config, then runs the next one against what the first left in the state
(the Stash's recorded value), as `pulumi up` would.
"""

from __future__ import annotations

import pytest

from components.offline.change_preview import recorded_stashes
from components.offline.mock_engine import ProgramRun, run_program
from components.offline.plan import plan
from components.stack.config import InvalidConfigError
from components.stack.stack_config import load_project, resolve
from tests.helpers import PROJECT, ROOT

# The integration tier (renders each change against a recorded state (transitions)).
pytestmark = pytest.mark.integration

STASH = "pulumi:index:Stash"
GUARD = "app-workload-replacement-guard"
STS = "kubernetes:apps/v1:StatefulSet"
# The StatefulSet fields pulumi-kubernetes replaces on (provider/pkg/provider/diff.go,
# `statefulSet`), written out here rather than taken from the code under test.
PROVIDER_FORCE_NEW = (
    "podManagementPolicy",
    "revisionHistoryLimit",
    "selector",
    "serviceName",
    "volumeClaimTemplates",
)


def run(
    stack: str,
    *overrides: str,
    state: ProgramRun | None = None,
    resources: list[dict] | None = None,
) -> ProgramRun:
    """Run the program against the state an earlier run left (`state`), or against these
    state `resources` (a plan's entries, as `pulumi stack export` holds them)."""
    project = load_project(ROOT)
    config = resolve(project, stack, list(overrides))
    if state is not None:
        resources = plan(state)["resources"]
    stashes = recorded_stashes(resources) if resources is not None else None
    previous = {r["urn"]: r for r in resources} if resources is not None else None
    return run_program(
        project.main,
        PROJECT,
        stack,
        config.values,
        config.secret_keys,
        stashes=stashes,
        previous=previous,
    )


def statefulset(state: ProgramRun):
    (sts,) = [r for r in state.registrations if r.type == STS]
    return sts


def test_every_field_the_provider_replaces_on_is_recorded():
    state = run("staging")
    (stash,) = [r for r in state.registrations if r.name == GUARD]
    spec = statefulset(state).inputs["spec"]
    for field in PROVIDER_FORCE_NEW:
        if field in spec:
            assert stash.inputs["input"][field] == spec[field], field
    assert stash.parent == statefulset(state).parent
    assert stash.urn in statefulset(state).dependencies


@pytest.mark.parametrize(
    ("override", "field", "keys"),
    [
        ("rollout.podManagementPolicy=Parallel", "podManagementPolicy", "podManagementPolicy"),
        ("network.serviceName=redis-headless", "serviceName", "serviceName"),
        ('network.selectorLabels={"app": "redis"}', "selector", "selectorLabels"),
        ("storage.claimName=cache", "volumeClaimTemplates", "claimName"),
        ("storage.accessMode=ReadWriteOncePod", "volumeClaimTemplates", "accessMode"),
        (
            'storage.extraClaims=[{"name": "logs", "mountPath": "/var/log/redis", "sizeGb": 20}]',
            "volumeClaimTemplates",
            "extraClaims",
        ),
    ],
)
def test_a_change_that_replaces_the_statefulset_is_refused_naming_the_key(override, field, keys):
    before = run("staging")
    with pytest.raises(InvalidConfigError) as caught:
        run("staging", override, state=before)
    message = str(caught.value)
    assert "allowStatefulSetReplacement: changing " in message
    assert keys in message and f"spec.{field}" in message
    assert "--cascade=orphan" in message and "pulumi up --replace" in message
    assert "Traceback" not in message


def test_the_refusal_shows_the_recorded_and_the_new_value():
    before = run("staging")
    with pytest.raises(InvalidConfigError) as caught:
        run("staging", "rollout.podManagementPolicy=Parallel", state=before)
    assert 'Recorded "OrderedReady", now "Parallel".' in str(caught.value)
    assert "Stash app-workload-replacement-guard" in str(caught.value)


def test_long_values_are_cut_in_the_refusal():
    from components.core.replacement import replacement_problems

    recorded = {"volumeClaimTemplates": [{"name": "x" * 300}]}
    current = {**recorded, "volumeClaimTemplates": []}
    current |= {k: None for k in ("serviceName", "selector", "podManagementPolicy")}
    recorded |= {k: None for k in ("serviceName", "selector", "podManagementPolicy")}
    (line,) = replacement_problems(recorded, current, False, "g")
    assert 'Recorded [{"name": "' + "x" * 106 + "..., now []." in line


@pytest.mark.parametrize(
    "override",
    ["replicas=1", "image=redis:7.2.5", "container.memoryLimit=1Gi", "rollout.partition=1"],
)
def test_changes_kubernetes_applies_in_place_are_accepted(override):
    before = run("staging")
    after = run("staging", override, state=before)
    assert statefulset(after).inputs["spec"]["serviceName"] == "redis"


def test_allowing_the_replacement_lets_it_through_and_records_the_new_fields():
    before = run("staging")
    after = run(
        "staging",
        "rollout.podManagementPolicy=Parallel",
        "protection.allowStatefulSetReplacement=true",
        state=before,
    )
    (stash,) = [r for r in after.registrations if r.name == GUARD]
    assert stash.options["replaceOnChanges"] == ["input"]
    assert statefulset(after).inputs["spec"]["podManagementPolicy"] == "Parallel"
    # The next update, with the flag off again, compares with the new record.
    again = run("staging", "rollout.podManagementPolicy=Parallel", state=after)
    assert statefulset(again).inputs["spec"]["podManagementPolicy"] == "Parallel"


def test_a_first_deployment_records_and_accepts_whatever_it_is_given():
    state = run("staging", "rollout.podManagementPolicy=Parallel")
    (stash,) = [r for r in state.registrations if r.name == GUARD]
    assert stash.options["replaceOnChanges"] == []
    assert stash.inputs["input"]["podManagementPolicy"] == "Parallel"


def test_replacement_is_refused_outright_where_claims_go_with_the_statefulset():
    with pytest.raises(InvalidConfigError, match="conflicts with allowDataDeletion"):
        run("dev", "protection.allowStatefulSetReplacement=true")
