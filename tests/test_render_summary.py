"""The render's summary shows what a user asked for by a setting: with replication the pod
that starts as the primary, with Sentinel its addresses and master name; both renders alike."""

from __future__ import annotations

import pytest

from components.offline.render import main
from tests.helpers import ROOT

SENTINELS = ", ".join(f"redis-{i}.redis.redis.svc.cluster.local:26379" for i in range(3))


def summary(tmp_path, capsys, *config: str, full: bool) -> str:
    fast = [] if full else ["--manifests-only"]
    args = ["--stack", "prod", "--program", str(ROOT), "--out", str(tmp_path), *fast]
    assert main([*args, *[x for c in config for x in ("--config", c)]]) == 0
    out = capsys.readouterr().out
    return out[out.index("outputs:") :] if "outputs:" in out else ""


@pytest.mark.parametrize("full", [False, pytest.param(True, marks=pytest.mark.integration)])
def test_replication_and_sentinel_show_the_primary_and_the_sentinels(tmp_path, capsys, full):
    shown = summary(tmp_path, capsys, "redis.replication=true", "redis.sentinel=true", full=full)
    assert "  bootstrapPrimary: redis-0.redis.redis.svc.cluster.local\n" in shown
    assert f"  sentinelAddresses: {SENTINELS}\n" in shown
    assert "  masterName: redis\n" in shown


@pytest.mark.parametrize("full", [False, pytest.param(True, marks=pytest.mark.integration)])
def test_shifted_ordinals_name_their_own_primary(tmp_path, capsys, full):
    shown = summary(
        tmp_path, capsys, "redis.replication=true", "rollout.ordinalsStart=1", full=full
    )
    assert "  bootstrapPrimary: redis-1.redis.redis.svc.cluster.local\n" in shown
    shifted = ", ".join(f"redis-{i}.redis.redis.svc.cluster.local:26379" for i in (1, 2, 3))
    assert f"  sentinelAddresses: {shifted}\n" in shown


def test_independent_servers_show_no_primary(tmp_path, capsys):
    shown = summary(tmp_path, capsys, "redis.replication=false", full=False)
    assert "bootstrapPrimary" not in shown
    assert "  serviceDns: redis.redis.svc.cluster.local\n" in shown
