"""A network between test pods that each keep their own loopback.

Every pod runs in a network namespace of its own, as on Kubernetes (its server listens on
127.0.0.1, its probe's plain `redis-cli ping` reaches it). Namespaces here cannot be joined
by virtual cables (no veth), so they are joined in user space: each pod's name resolves, in
every pod's hosts file, to an address of its own on the loopback (127.0.0.10 for ordinal 0,
127.0.0.11 for 1, ...); in each pod a relay listens on every such address and forwards to a
Unix socket of the named pod, where that pod's relay forwards to its own 127.0.0.1. A pod
stopped with SIGSTOP still has its relay: connections to it hang, as across a partition.

    python -m tests.pod_network '<json config>'   (run inside a pod's network namespace)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys


def address(index: int) -> str:
    """The loopback address standing for the pod at `index`."""
    return f"127.0.0.{10 + index}"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError):
        writer.close()


async def _join(reader, writer, open_other) -> None:
    try:
        other_reader, other_writer = await open_other()
    except OSError:
        writer.close()
        return
    await asyncio.gather(_pipe(reader, other_writer), _pipe(other_reader, writer))


async def relay(config: dict) -> None:
    servers = []
    for host, port, path in config["connect"]:
        # Another pod (or this one) by its address: to its Unix socket.
        servers.append(
            await asyncio.start_server(
                lambda r, w, p=path: _join(r, w, lambda: asyncio.open_unix_connection(p)),
                host,
                port,
            )
        )
    for path, port in config["serve"]:
        # This pod, reached from the others: to its own loopback.
        servers.append(
            await asyncio.start_unix_server(
                lambda r, w, p=port: _join(r, w, lambda: asyncio.open_connection("127.0.0.1", p)),
                path,
            )
        )
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(relay(json.loads(sys.argv[1])))
