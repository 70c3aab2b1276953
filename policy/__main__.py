"""The gke-stateful policy pack: `pulumi preview --policy-pack policy`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from gke_stateful_policies import POLICIES

PolicyPack(
    name="gke-stateful",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=POLICIES,
)
