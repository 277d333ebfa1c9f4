"""Every route module of `/api/v1`, found by name: a module here that has a module-level `router` (and,
optionally, more `APIRouter`s named `*_router`) is included, and its `TAGS` (OpenAPI tag objects) are
listed. A new resource is one new file; `api.app` never changes. `health` is served outside `/api/v1`.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from fastapi import APIRouter

#: served at the root (liveness/readiness for load balancers), not under /api/v1
ROOT_MODULES = frozenset({"health"})


def route_modules() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def routers(module: ModuleType) -> list[APIRouter]:
    found = [getattr(module, "router", None)]
    found += [value for name, value in vars(module).items() if name.endswith("_router") and name != "router"]
    return [router for router in found if isinstance(router, APIRouter)]


def included(*, root: bool) -> list[APIRouter]:
    """The routers served under /api/v1 (`root=False`) or at the root (`root=True`)."""
    return [
        router
        for module in route_modules()
        if (module.__name__.rsplit(".", 1)[-1] in ROOT_MODULES) == root
        for router in routers(module)
    ]


def tags() -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for module in route_modules():
        for tag in getattr(module, "TAGS", ()):
            seen.setdefault(tag["name"], tag)
    return list(seen.values())
