"""Whether a deployed Redis app replicates as its plan says: one primary, every other pod its
replica and in sync, and every Sentinel agreeing on the primary. Pure: it reads what
`redis-cli INFO replication` and `SENTINEL get-master-addr-by-name` answered in each pod.
"""

from __future__ import annotations

from ..settings.presets import redis_auth_env


def info_command(password_mount: str) -> str:
    return redis_auth_env(password_mount) + "redis-cli INFO replication"


def sentinel_command(master: str) -> str:
    return f"redis-cli -p 26379 --raw SENTINEL get-master-addr-by-name {master}"


def parse_info(text: str) -> dict[str, str]:
    """`INFO` output as a dict (section headers and blank lines dropped)."""
    pairs = (line.strip().split(":", 1) for line in text.splitlines() if ":" in line)
    return {key: value for key, value in pairs if not key.startswith("#")}


def replication_problems(
    infos: dict[str, str], sentinels: dict[str, str], names: dict[str, str]
) -> list[str]:
    """What is wrong with the replication, given each pod's INFO text (`infos`, by pod),
    each Sentinel's answer for the primary (`sentinels`, by pod; empty without Sentinel)
    and each pod's stable DNS name (`names`)."""
    parsed = {pod: parse_info(text) for pod, text in infos.items()}
    primaries = [pod for pod, info in parsed.items() if info.get("role") == "master"]
    if len(primaries) != 1:
        return [f"expected one primary, found {len(primaries)}: {sorted(primaries) or 'none'}"]
    (primary,) = primaries
    problems = []
    replicas = [pod for pod in parsed if pod != primary]
    connected = parsed[primary].get("connected_slaves", "0")
    if connected != str(len(replicas)):
        problems.append(f"primary {primary} has {connected} replicas, expected {len(replicas)}")
    for pod in replicas:
        info = parsed[pod]
        if info.get("role") != "slave":
            problems.append(f"{pod} is neither the primary nor a replica: {info.get('role')}")
            continue
        if info.get("master_host") != names[primary]:
            problems.append(
                f"{pod} replicates {info.get('master_host')}, not the primary {names[primary]}"
            )
        if info.get("master_link_status") != "up" or info.get("master_sync_in_progress") != "0":
            problems.append(
                f"{pod} is not in sync with the primary (link {info.get('master_link_status')})"
            )
    for pod, answer in sentinels.items():
        said = answer.split()[0] if answer.split() else "nothing"
        if said != names[primary]:
            problems.append(f"the Sentinel in {pod} names {said} as primary, not {names[primary]}")
    return problems
