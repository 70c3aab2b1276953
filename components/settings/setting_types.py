"""The types of single settings and of their structured parts (probes, tolerations, extra
claims), each with its own rule: shared by the groups of settings."""

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from . import naming

FsType = Literal["ext4", "xfs"]
SnapshotSchedule = Literal["none", "hourly", "daily", "weekly"]
WeekDay = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
KMS_KEY = re.compile(r"^projects/[^/\s]+/locations/[^/\s]+/keyRings/[^/\s]+/cryptoKeys/[^/\s]+$")
# An image reference in the characters its grammar allows (distribution/reference):
# invisible or look-alike Unicode would pull nothing, or something else.
IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")
SNAPSHOT = re.compile(
    r"^(projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/snapshots/)?[a-z]([-a-z0-9]*[a-z0-9])?$"
)


def _matches(pattern, limit: int, form: str):
    def check(value: str) -> str:
        if len(value) > limit or not pattern.fullmatch(value):
            raise ValueError(f"expected {form}, at most {limit} characters")
        return value

    return AfterValidator(check)


StatefulSetName = Annotated[
    str,
    _matches(
        naming.DNS1035_LABEL,
        naming.STATEFULSET_NAME_MAX,
        "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter)",
    ),
]
Namespace = Annotated[
    str,
    _matches(
        naming.DNS1123_LABEL,
        naming.DNS_LABEL_MAX,
        "a DNS-1123 label (lower-case letters, digits and '-')",
    ),
]
VolumeName = Namespace
ServiceName = Annotated[
    str,
    _matches(
        naming.DNS1035_LABEL,
        naming.DNS_LABEL_MAX,
        "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter)",
    ),
]
LABEL_NAME = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
PortName = Annotated[
    str,
    _matches(
        naming.PORT_NAME,
        naming.PORT_NAME_MAX,
        "an IANA service name (lower-case letters, digits and single '-', with a letter)",
    ),
]
GcpProjectId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
Zone = Annotated[str, Field(pattern=r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")]
Port = Annotated[int, Field(ge=1, le=65535)]
ScopeName = Annotated[
    str,
    _matches(
        naming.GCE_NAME,
        30,
        "a GCE name prefix (lower-case letters, digits and '-', starting with a letter)",
    ),
]


def _label_problem(key: str, label: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if (
        LABEL_NAME.fullmatch(key)
        and len(name) <= 63
        and len(prefix) <= 253
        and isinstance(label, str)
        and len(label) <= 63
        and LABEL_VALUE.fullmatch(label)
    ):
        return None
    return f"{key!r}: {label!r} is not a Kubernetes label (key: value)"


def _qualified_name(value: str) -> str:
    """A Kubernetes qualified name (a label key): an optional DNS subdomain prefix and '/',
    then at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends."""
    prefix, _, name = value.rpartition("/")
    if not LABEL_NAME.fullmatch(value) or len(name) > 63 or len(prefix) > 253:
        raise ValueError(
            "expected a qualified name: an optional DNS prefix and '/', then at most 63 "
            "letters, digits, '-', '_' and '.' (for example example.com/dedicated)"
        )
    return value


def _labels(value: dict[str, str]) -> dict[str, str]:
    problems = [p for k, v in value.items() if (p := _label_problem(k, v))]
    if problems:
        raise ValueError("; ".join(problems))
    return value


def label_keys(value: dict[str, Any]) -> dict[str, Any]:
    """Label keys checked, and each value given as text; values may be Outputs (known only
    at deploy time), checked then by the API server."""
    bad = [k for k in value if _label_problem(k, "") is not None]
    if bad:
        raise ValueError(f"not Kubernetes label keys: {bad}")
    problems = [p for k, v in value.items() if isinstance(v, str) and (p := _label_problem(k, v))]
    if problems:
        raise ValueError("; ".join(problems))
    return value


ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def env_names(value: dict[str, str]) -> dict[str, str]:
    bad = [k for k in value if not ENV_NAME.fullmatch(k)]
    if bad:
        raise ValueError(f"expected environment variable names (letters, digits, _), got {bad}")
    return value


def _flag(value: Any) -> Any:
    """Pulumi's booleans: true or false (config text), nothing looser like yes or 1."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError("expected true or false")


def _containers(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for i, container in enumerate(value):
        if not (isinstance(container.get("name"), str) and container.get("image")):
            raise ValueError(
                f"entry {i}: expected a container with a name and an image (for example "
                f"{{name: log-shipper, image: fluent/fluent-bit:3.1}})"
            )
        if isinstance(container["image"], str):
            try:
                image_reference(container["image"])
            except ValueError as error:
                raise ValueError(f"entry {i}: image: {error}") from None
    return value


def deferred(check: Callable[[str], str]):
    """A pass-through value: checked when it is known text; an Output (anything with
    `apply`) is passed on as it is, and Kubernetes or GCE check it at deploy time."""

    def validate(value: Any) -> Any:
        if hasattr(value, "apply") and not isinstance(value, str):
            return value
        if not isinstance(value, str):
            raise ValueError("expected text")
        return check(value)

    return AfterValidator(validate)


def image_reference(value: str) -> str:
    if not IMAGE.fullmatch(value):
        raise ValueError(
            "expected an image reference in ASCII letters, digits and . _ - / : @, without "
            "spaces (for example redis:7.0 or ghcr.io/acme/app@sha256:<digest>)"
        )
    return value


def kms_key_name(value: str) -> str:
    if not KMS_KEY.fullmatch(value):
        raise ValueError(
            "expected projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>"
        )
    return value


def absolute_path(value: str) -> str:
    if not value.startswith("/") or ":" in value or value.rstrip("/") == "":
        raise ValueError("expected an absolute path other than '/', without ':'")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


def quantity_text(value: Any) -> Any:
    """A Kubernetes quantity written as a bare number (`cpuLimit: 1` in YAML) is its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


Cpu = Annotated[str, BeforeValidator(quantity_text), Field(pattern=r"^(|[0-9]+(\.[0-9]+)?m?)$")]
Memory = Annotated[
    str, BeforeValidator(quantity_text), Field(pattern=r"^(|[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?)$")
]
Labels = Annotated[dict[str, str], AfterValidator(_labels)]
Containers = Annotated[list[dict[str, Any]], AfterValidator(_containers)]


def no_items() -> list[Any]:
    """An empty list, a setting's default. A Python function rather than `list`: pydantic
    reads each default factory's signature, and a builtin's it parses from text."""
    return []


def no_entries() -> dict[str, Any]:
    """An empty mapping, a setting's default (a Python function, as `no_items`)."""
    return {}


def _has_space(text: str) -> bool:
    return any(c.isspace() or not c.isprintable() for c in text)


class SettingsModel(BaseModel):
    """A part of the settings: camelCase keys (the config keys), nothing unknown, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        defer_build=True,
    )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` applied, refusing a name that is not one of this model's
        fields (pydantic would add it beside them, and the copy would not change at all: a
        setting of a group named at the top, `memory_limit` for `container.memory_limit`)."""
        unknown = sorted(set(update or {}) - set(type(self).model_fields))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no field {', '.join(unknown)}")
        return super().model_copy(update=update, deep=deep)


class Probe(SettingsModel):
    """A health probe: tcp, http (with a path), exec (with a shell command) or none."""

    type: Literal["tcp", "http", "exec", "none"]
    path: str = ""
    command: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.type == "http" and (
            not self.path.startswith("/") or "://" in self.path or _has_space(self.path)
        ):
            raise ValueError(
                "an http probe needs a path on the app's port, starting with '/', without "
                "spaces, not a URL (for example /healthz)"
            )
        if self.type == "exec" and not self.command.strip():
            raise ValueError("an exec probe needs a command")
        if (self.type != "http" and self.path) or (self.type != "exec" and self.command):
            raise ValueError(f"a {self.type} probe takes no {'path' if self.path else 'command'}")
        return self


class Toleration(SettingsModel):
    """A node taint the pods tolerate."""

    # A qualified name, as a label key (the API server's validation of tolerations).
    key: Annotated[str, AfterValidator(_qualified_name)]
    operator: Literal["Equal", "Exists"] | None = None
    value: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]*$", max_length=63)] | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.operator == "Exists" and self.value is not None:
            raise ValueError("operator Exists takes no value")
        if self.operator == "Equal" and self.value is None:
            raise ValueError("operator Equal needs a value")
        return self


class ExtraClaim(SettingsModel):
    """One more claim template, with its own disk and PV per storage slot."""

    name: VolumeName
    mount_path: Annotated[str, AfterValidator(absolute_path)]
    size_gb: int = Field(ge=1)


def sparse_entry(values: list, index: int, empty):
    """Entry `index` of a per-slot list, or `empty` where the list is short or the entry
    blank (each per-slot list may be shorter than the slots)."""
    return values[index] if index < len(values) and values[index] not in ("", None) else empty
