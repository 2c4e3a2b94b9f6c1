"""A fake docker client: just enough of the SDK's surface for unit tests, no engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker.errors


def _matches(labels: dict[str, str], filters: dict[str, Any] | None) -> bool:
    for wanted in (filters or {}).get("label", []):
        key, _, value = wanted.partition("=")
        if key not in labels or (value and labels[key] != value):
            return False
    return True


@dataclass
class FakeResource:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    removed: bool = False
    status: str = "running"
    tags: list[str] = field(default_factory=list)

    @property
    def attrs(self) -> dict[str, Any]:
        return {"Labels": self.labels, "Name": self.name, "State": {"ExitCode": 0}}

    @property
    def id(self) -> str:
        return f"id-{self.name}"

    short_id = id

    def remove(self, **_: Any) -> None:
        self.removed = True


class FakeCollection:
    def __init__(self) -> None:
        self.items: list[FakeResource] = []

    def add(self, name: str, labels: dict[str, str] | None = None, **more: Any) -> FakeResource:
        item = FakeResource(name, dict(labels or {}), **more)
        self.items.append(item)
        return item

    def list(self, all: bool = False, filters: dict[str, Any] | None = None, **_: Any) -> list[FakeResource]:
        return [i for i in self.items if not i.removed and _matches(i.labels, filters)]

    def remove(self, ident: str, force: bool = False) -> None:
        for item in self.items:
            if item.id == ident:
                item.removed = True
                return
        raise docker.errors.NotFound("gone")


class FakeClient:
    """Containers, networks, volumes and images held in lists."""

    def __init__(self) -> None:
        self.containers = FakeCollection()
        self.networks = FakeCollection()
        self.volumes = FakeCollection()
        self.images = FakeCollection()
