"""A stand-in Pulumi engine over real gRPC, for driving the provider plugin as the CLI would.

The plugin runs in its own process (`python provider/ <engine address>`, as the language
host starts it) and reaches this engine's log service and resource monitor over TCP on the
loopback. The monitor records what the plugin registers with the same recording mock the
renderer uses, so its registrations compare with an in-process run of the program.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)
from pulumi.runtime.sync_await import _sync_await

from components.offline.mock_engine import OfflineMocks, RecordingMonitor

SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


class FixedStackMonitor(RecordingMonitor):
    """The recording monitor, naming URNs after a given project and stack (this process has
    no Pulumi program of its own to take them from)."""

    def __init__(self, project: str, stack: str) -> None:
        super().__init__(OfflineMocks(stack=stack))
        self.project, self.stack = project, stack

    def stack_and_project(self) -> tuple[str, str]:
        return self.stack, self.project


class MonitorService(resource_pb2_grpc.ResourceMonitorServicer):
    """The ResourceMonitor service, answered by a FixedStackMonitor."""

    def __init__(self, monitor: FixedStackMonitor) -> None:
        self.monitor = monitor

    def GetDeploymentInfo(self, request, context):  # noqa: N802 (gRPC method names)
        return self.monitor.GetDeploymentInfo(request)

    def SupportsFeature(self, request, context):  # noqa: N802
        # Output values off, as under Pulumi's mocks: inputs arrive as plain values.
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id != "outputValues")

    def RegisterResource(self, request, context):  # noqa: N802
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request, context):  # noqa: N802
        return empty_pb2.Empty()

    def ReadResource(self, request, context):  # noqa: N802
        return self.monitor.ReadResource(request)

    def Invoke(self, request, context):  # noqa: N802
        return self.monitor.Invoke(request)

    def RegisterPackage(self, request, context):  # noqa: N802
        return resource_pb2.RegisterPackageResponse(ref="package-ref")

    def SignalAndWaitForShutdown(self, request, context):  # noqa: N802
        return empty_pb2.Empty()


class EngineService(engine_pb2_grpc.EngineServicer):
    """The engine's log service: keeps every message the plugin logs."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.root = ""

    def Log(self, request, context):  # noqa: N802
        self.messages.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn=self.root)

    def SetRootResource(self, request, context):  # noqa: N802
        self.root = request.urn
        return engine_pb2.SetRootResourceResponse()


@dataclass
class PluginSession:
    """The running plugin, the engine it talks to, and a client of its provider service."""

    project: str
    stack: str
    process: subprocess.Popen
    server: grpc.Server
    monitor: FixedStackMonitor
    engine: EngineService
    monitor_address: str
    provider: provider_pb2_grpc.ResourceProviderStub
    channel: grpc.Channel
    stderr: list[str] = field(default_factory=list)

    @property
    def stack_urn(self) -> str:
        # Named as the Python SDK names a program's stack resource, so that URNs compare.
        name = f"{self.project}-{self.stack}"
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::{name}"

    def construct(
        self,
        name: str,
        inputs: dict[str, Any],
        config: dict[str, str] | None = None,
        token: str = "gke-stateful:index:StatefulApp",
    ) -> provider_pb2.ConstructResponse:
        """Construct the component as the engine asks for it when a program in another
        language creates one (every input on the wire as protobuf; numbers as floats)."""
        struct = _sync_await(rpc.serialize_properties(inputs, {}))
        request = provider_pb2.ConstructRequest(
            project=self.project,
            stack=self.stack,
            config=config or {},
            dryRun=False,
            parallel=4,
            monitorEndpoint=self.monitor_address,
            type=token,
            name=name,
            parent=self.stack_urn,
            inputs=struct,
            organization="organization",
        )
        return self.provider.Construct(request, timeout=120)

    def schema(self) -> str:
        return self.provider.GetSchema(provider_pb2.GetSchemaRequest(), timeout=60).schema

    def close(self) -> None:
        self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        self.server.stop(grace=None)


def start_plugin(root: Path, project: str = "consumer", stack: str = "test") -> PluginSession:
    """Serve the engine on the loopback and start the plugin as the language host does."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    monitor = FixedStackMonitor(project, stack)
    engine = EngineService()
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(MonitorService(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    address = f"127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, str(root / "provider"), address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if not line.strip().isdigit():
        process.kill()
        server.stop(grace=None)
        raise RuntimeError(f"the plugin did not start: {line!r} {process.stderr.read()}")
    channel = grpc.insecure_channel(f"127.0.0.1:{line.strip()}")
    return PluginSession(
        project,
        stack,
        process,
        server,
        monitor,
        engine,
        address,
        provider_pb2_grpc.ResourceProviderStub(channel),
        channel,
    )


def secret(value: Any) -> dict[str, Any]:
    """A secret value as it travels on the wire."""
    return {**SECRET_SIG, "value": value}


def outputs(response: provider_pb2.ConstructResponse) -> dict[str, Any]:
    """The component's outputs, as plain data."""
    return rpc.deserialize_properties(response.state, keep_unknowns=True)


__all__ = ["PluginSession", "outputs", "secret", "start_plugin", "struct_pb2"]
