"""Run a Pulumi program in-process under the mock engine and record every registration.

The recording keeps what the real engine would receive: type, name, parent, dependencies,
resource options and inputs (secrets replaced by a placeholder), so the renderer and the
tests can check the program without a cloud account.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import runpy
import sys
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ..core.replace_rules import ignored_fields
from ..settings import gce_zones
from ..stack.stack_config import SECRET_PLACEHOLDER
from .change_preview import alias_urns, replaced_anyway
from .offline_stand_ins import stand_in_bytes

_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def normalize(value: Any) -> Any:
    """Plain JSON data: integral floats back to ints, secrets and unknowns as placeholders.

    The engine receives every number as a float (protobuf Struct); a replica count or a
    port is an integer in the manifest.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        sig = value.get(_SIG_KEY)
        if sig == _SECRET_SIG:
            return _masked(value.get("value"))
        if sig == _RESOURCE_SIG:
            return value.get("urn")
        # Sorted: the engine's protobuf maps carry no order, and output must not churn.
        return {k: normalize(value[k]) for k in sorted(value)}
    if value == _UNKNOWN:
        return "[unknown]"
    return value


def _masked(value: Any) -> Any:
    """A secret's shape with every value replaced: a Secret's keys stay, its data does not."""
    if isinstance(value, dict) and _SIG_KEY not in value:
        return {k: _masked(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return SECRET_PLACEHOLDER


@dataclass
class Registration:
    """One RegisterResource request, as the engine would receive it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: list[str]
    options: dict[str, Any]
    inputs: dict[str, Any]
    read: bool = False
    # What the engine keeps of the resource that the program reads back: a Stash's output,
    # the value it recorded when it was created (pulumi builtins.go), which later inputs
    # do not change.
    outputs: dict[str, Any] | None = None


DISK_TYPES = ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk")
GET_ZONES = "gcp:compute/getZones:getZones"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
STASH = "pulumi:index:Stash"


class OfflineMocks(pulumi.runtime.Mocks):
    """Echo inputs as outputs, adding the few computed outputs the program reads.

    `existing_disks` (disk name -> GiB) stands for disks the stack already has: their size
    is the recorded one, as the real engine reports it for a disk whose size changes are
    ignored, and adopted (read) disks report it too. `stashes` (logical name -> value) stands
    for Stash resources the stack already has: each keeps the value it recorded, unless it is
    replaced. `previous` (URN -> the earlier plan's entry) stands for the rest of the state:
    the inputs the engine keeps for the fields a disk ignores changes of, and each Stash's
    replacement trigger.
    """

    def __init__(
        self,
        existing_disks: dict[str, int] | None = None,
        stack: str = "",
        stashes: dict[str, Any] | None = None,
        newer_zones: Iterable[str] = (),
        previous: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.existing_disks = dict(existing_disks or {})
        self.stack = stack
        self.stashes = dict(stashes or {})
        self.newer_zones = list(newer_zones)
        self.previous = dict(previous or {})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        if args.typ in DISK_TYPES:
            if args.resource_id:  # a read: the id is projects/<p>/<zones|regions>/<l>/disks/<n>
                _, project, scope, location, _, name = args.resource_id.split("/")
                state |= {"project": project, "name": name}
                state["zone" if scope == "zones" else "region"] = location
            location = (
                f"zones/{state.get('zone')}"
                if "zone" in state
                else f"regions/{state.get('region')}"
            )
            resource_id = f"projects/{state.get('project')}/{location}/disks/{state.get('name')}"
            state["selfLink"] = f"https://www.googleapis.com/compute/v1/{resource_id}"
            if state.get("name") in self.existing_disks:
                state["size"] = self.existing_disks[state["name"]]
            return resource_id, state
        if args.typ == STASH:
            state["output"] = self.stashes.get(args.name, state.get("input"))
            return f"{args.name}-id", state
        if args.typ == RANDOM_BYTES:
            key = stand_in_bytes(self.stack, args.name, int(state.get("length", 32)))
            state |= {"hex": key.hex(), "base64": base64.b64encode(key).decode()}
            return f"{args.name}-id", state
        metadata = state.get("metadata") or {}
        if args.typ.startswith("kubernetes:") and "name" in metadata:
            namespace = metadata.get("namespace")
            resource_id = f"{namespace}/{metadata['name']}" if namespace else metadata["name"]
            return resource_id, state
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        if args.token == GET_ZONES:
            # GCE's zones of the region: the package's catalogue, and the zones the stack
            # says are newer than it (offline, nothing else can know them).
            region = args.args.get("region") or ""
            extra = [z for z in self.newer_zones if z.rpartition("-")[0] == region]
            names = sorted({*gce_zones.zones_of(region), *extra})
            return {"names": names, "region": region, "project": args.args.get("project")}, []
        return {}, []


# The event loops the SDK's mock monitor makes in the worker threads it is called from (one
# per thread, `_ensure_event_loop`), closed at exit by `close_thread_loops`.
_THREAD_LOOPS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _remember_thread_loop() -> None:
    """Note this thread's event loop, if the SDK made one (it makes none for the stack)."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    loop = getattr(local, "_loop", None)
    if loop is not None:
        _THREAD_LOOPS.add(loop)


class RecordingMonitor(mocks.MockMonitor):
    """A mock monitor that also keeps each full registration request."""

    def __init__(self, mocks_: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks_)
        self.registrations: list[Registration] = []
        # The earlier state's resources already matched to a registration (`_old_of`).
        self._old_taken: set[str] = set()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine would give (pulumi sdk/go/common/resource/urn.go, NewURN): the
        parent's whole type chain before the type, except under the root stack. The SDK's
        mock keeps only the parent's last type, which no deployed stack has."""
        if parent:
            qualified = parent.split("::")[2]
            if qualified != "pulumi:pulumi:Stack":
                type_ = f"{qualified}${type_}"
        stack, project = self.stack_and_project()
        return "urn:pulumi:" + "::".join([stack, project, type_, name])

    def stack_and_project(self) -> tuple[str, str]:
        """The stack and project URNs are made in: the running program's."""
        return pulumi.get_stack(), pulumi.get_project()

    def RegisterResource(self, request):  # noqa: N802 (the gRPC method name)
        replaced = {"input", "*"} & set(request.replaceOnChanges)
        trigger = (
            json_format.MessageToDict(request.replacement_trigger)
            if request.HasField("replacement_trigger")
            else None
        )
        previous = getattr(self.mocks, "previous", None)
        matched = previous and request.type in (*DISK_TYPES, STASH)
        old = self._old_of(request) if matched else None
        if request.type == STASH and isinstance(self.mocks, OfflineMocks):
            before = (old or {}).get("options", {}).get("replacementTrigger")
            # A Stash replaced, or new to the state, records its new input, as the engine
            # would: on a change it is replaced on, or a new replacement trigger
            # (step_generator.go, shouldTriggerReplace: both set and unequal).
            new = bool(previous) and old is None
            if new or replaced or (None not in (before, trigger) and before != trigger):
                self.mocks.stashes.pop(request.name, None)
        if request.type in DISK_TYPES and request.ignoreChanges and old and not old.get("read"):
            self._keep_deployed(request, old)
        response = super().RegisterResource(request)
        _remember_thread_loop()
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent or None,
                dependencies=list(request.dependencies),
                options={
                    "protect": bool(request.protect),
                    "retainOnDelete": bool(request.retainOnDelete),
                    "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                    "replaceOnChanges": list(request.replaceOnChanges),
                    "ignoreChanges": list(request.ignoreChanges),
                    "aliases": [json_format.MessageToDict(a) for a in request.aliases],
                    **({} if trigger is None else {"replacementTrigger": normalize(trigger)}),
                },
                inputs=normalize(json_format.MessageToDict(request.object)),
                outputs=(
                    {"output": normalize(json_format.MessageToDict(response.object)).get("output")}
                    if request.type == STASH
                    else None
                ),
            )
        )
        return response

    def _old_of(self, request: Any) -> dict[str, Any] | None:
        """The earlier state's entry the engine takes as this registration's: by URN, then by
        alias (step_generator.go, getOldResource); None where there is none, or where the
        engine refuses the match (errors 2008 and 2016: an old URN taken twice), which stops
        the update, as the predictor says."""
        previous = self.mocks.previous  # type: ignore[attr-defined]
        urn = self.make_urn(request.parent, request.type, request.name)
        chain = [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "options": r.options}
            for r in self.registrations
        ]
        aliases = [json_format.MessageToDict(a) for a in request.aliases]
        chain.append(
            {
                "urn": urn,
                "type": request.type,
                "name": request.name,
                "parent": request.parent or None,
                "options": {"aliases": aliases},
            }
        )
        found = next((u for u in alias_urns(chain)[urn] if u in previous), None)
        taken = self._old_taken
        if found is None or found in taken or urn in taken:
            return None
        taken.add(found)
        return previous[found]

    def _keep_deployed(self, request: Any, old: dict[str, Any]) -> None:
        """Reset a disk's kept fields to the earlier state's values (`old`), as the engine
        does before it diffs (pulumi step_generator.go, processIgnoreChanges: each path reset
        to the old inputs' value, removed where they have none). The fields the program
        ignores for their own reasons keep their stand-ins (size: `existing_disks`)."""
        given = json_format.MessageToDict(request.object)
        inputs = dict(given)
        own = set(ignored_fields(request.type))
        for path in request.ignoreChanges:
            if path == "*" or path in own:
                continue
            if path in old["inputs"]:
                inputs[path] = old["inputs"][path]
            else:
                inputs.pop(path, None)
        if replaced_anyway(request.type, old["inputs"], inputs, list(request.ignoreChanges)):
            # A replacement is checked from the program's own inputs, without the reset
            # (step_generator.go: the provider's Check of goal.Properties before replacing).
            return
        request.object.Clear()
        request.object.update(inputs)

    def Invoke(self, request):  # noqa: N802 (the gRPC method name)
        response = super().Invoke(request)
        _remember_thread_loop()
        return response

    def ReadResource(self, request):  # noqa: N802 (the gRPC method name)
        response = super().ReadResource(request)
        _remember_thread_loop()
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent or None,
                dependencies=list(request.dependencies),
                options=dict(NO_OPTIONS),
                inputs={"id": request.id},
                read=True,
            )
        )
        return response


NO_OPTIONS: dict[str, Any] = {
    "protect": False,
    "retainOnDelete": False,
    "deleteBeforeReplace": False,
    "replaceOnChanges": [],
    "ignoreChanges": [],
    "aliases": [],
}


@dataclass
class ProgramRun:
    """What one run of a program registered and exported."""

    project: str
    stack: str
    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


def start_mock_engine(
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str] | None = None,
    existing_disks: dict[str, int] | None = None,
    stashes: dict[str, Any] | None = None,
    newer_zones: Iterable[str] = (),
    previous: dict[str, dict[str, Any]] | None = None,
) -> RecordingMonitor:
    """Point the Pulumi runtime at a fresh recording mock engine with this config."""
    engine_mocks = OfflineMocks(existing_disks, stack, stashes, newer_zones, previous)
    monitor = RecordingMonitor(engine_mocks)
    settings.set_root_resource(None)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(dict(config), list(secret_keys or []))
    pulumi.runtime.set_mocks(
        engine_mocks, project=project, stack=stack, preview=False, monitor=monitor
    )
    return monitor


def _resolved_outputs() -> dict[str, Any]:
    stack = settings.get_root_resource()
    outputs = getattr(stack, "outputs", {}) or {}

    async def settle() -> dict[str, Any]:
        result = {}
        for key, value in outputs.items():
            output = pulumi.Output.from_input(value)
            resolved = await output.future()
            secret = await output.is_secret()
            result[key] = SECRET_PLACEHOLDER if secret else normalize(resolved)
        return result

    return _sync_await(settle())


def close_thread_loops() -> None:
    """At exit: close the event loops the SDK's mock monitor made in its worker threads (one
    per thread, for deserializing), while the interpreter is still whole; they run nothing
    once the program is done (the main thread's loop may still hold the program's pending
    tasks, and is left to the SDK). Left open, one is closed by the garbage
    collector at exit, after its self-pipe is gone, and about one exit in ten then printed a
    traceback (`BaseEventLoop.__del__`, `Invalid file descriptor: -1`) after a refusal."""
    for loop in list(_THREAD_LOOPS):
        if not loop.is_closed() and not loop.is_running():
            loop.close()
    _THREAD_LOOPS.clear()


atexit.register(close_thread_loops)


def run_program(
    main: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str] | None = None,
    existing_disks: dict[str, int] | None = None,
    stashes: dict[str, Any] | None = None,
    newer_zones: Iterable[str] = (),
    previous: dict[str, dict[str, Any]] | None = None,
) -> ProgramRun:
    """Run the program file `main` under mocks; its exceptions propagate unchanged.

    `existing_disks`, `stashes` and `previous` stand for what an earlier deployment left in
    the state; `newer_zones`, zones GCE has beyond the package's catalogue.
    """
    monitor = start_mock_engine(
        project, stack, config, secret_keys, existing_disks, stashes, newer_zones, previous
    )
    program_dir = str(main.parent.resolve())
    added = program_dir not in sys.path
    if added:
        sys.path.insert(0, program_dir)
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(main), run_name="__main__")))
        outputs = _resolved_outputs()
    finally:
        if added:
            sys.path.remove(program_dir)
    return ProgramRun(project, stack, monitor.registrations, outputs)
