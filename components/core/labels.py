"""The app's labels: one source for the selector, the pod labels and every object's labels."""

from __future__ import annotations

from typing import Any

from ..settings.app_settings import AppSettings


def selector_labels(settings: AppSettings) -> dict[str, str]:
    """The StatefulSet's selector and the governing Service's: immutable, so kept minimal.

    A stack that takes over pods of an existing StatefulSet pins the old selector instead.
    """
    return settings.network.selector or {
        "app.kubernetes.io/name": settings.name,
        "app.kubernetes.io/instance": settings.name,
    }


def app_labels(settings: AppSettings, component: str) -> dict[str, str]:
    """The recommended `app.kubernetes.io/*` labels of one object, plus the selector's."""
    return {
        "app.kubernetes.io/name": settings.name,
        "app.kubernetes.io/instance": settings.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "pulumi",
        **selector_labels(settings),
    }


def metadata(settings: AppSettings, name: str, component: str) -> dict[str, Any]:
    """The metadata of one namespaced object of the app: its name, namespace and labels."""
    return {
        "name": name,
        "namespace": settings.namespace,
        "labels": app_labels(settings, component),
    }
