"""Finding what registers itself (studies, contexts, generated domains): every module of a package that defines
the registry's attribute, and every module another installed package names by an entry point in the registry's
group. Built-ins and a newcomer's are found the same way, on first use, never at import time."""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from ragft.errors import RagftError


def discover_by_name(package: str, group: str, attribute: str, what: str) -> dict:
    """`discover`'s finds by their `name`, in `order`; two of one name are a one-line error (`what`: "contexts")."""
    out: dict = {}
    for found in sorted(discover(package, group, attribute), key=lambda f: f.order):
        if found.name in out:
            raise RagftError(f"two {what} are called {found.name!r}; rename one")
        out[found.name] = found
    return out


def discover(package: str, group: str, attribute: str) -> list:
    """`attribute` of each module `discover_modules` finds."""
    return [getattr(m, attribute) for m in discover_modules(package, group, attribute)]


def discover_modules(package: str, group: str, attribute: str) -> list:
    """Each module of `package` that defines `attribute` (in name order; the others are its helpers, like a
    registry itself), then each module an entry point of `group` names; an entry point that fails to import or
    lacks `attribute` is a one-line error naming it."""
    root = importlib.import_module(package)
    found = [
        importlib.import_module(f"{package}.{info.name}")
        for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name)
    ]
    found = [m for m in found if hasattr(m, attribute)]
    for ep in entry_points(group=group):
        where = f"entry point {ep.name} = {ep.value} (group {group})"
        try:
            module = ep.load()
        except Exception as e:  # a third party's broken plugin: say which, not a traceback
            raise RagftError(f"{where}: {type(e).__name__}: {e}") from None
        if not hasattr(module, attribute):
            raise RagftError(f"{where} defines no {attribute}")
        found.append(module)
    return found
