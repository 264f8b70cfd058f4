"""The one name -> class registry that optimizers, benchmark families and provider families share.

Why one helper: the three registries had three `register()` shapes and three error types. Here an
entry is a class or, for a built-in, an import path "module:Class" (imported on first use, so
listing the names imports no heavy library); `register`/`unregister`/`names`/`resolve` and the
errors (unknown name with close matches, a name already taken, a malformed entry) are the same for
all three. Each layer raises its own subclass of `RegistryError` (the gateway's is a
ConfigurationError, the harness's a UserError), so a caller catches what it always caught.

Why here, beside the version and not in a package: `harness -> gateway -> cache` and the gateway
must not import the harness; this module imports nothing of the project and nothing heavy, so
both sides (and a process-pool worker loading a benchmark) use it for free.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class RegistryError(Exception):
    """An unknown name, a name already registered, or a malformed entry."""


def suggest(word: str, choices: Sequence[str]) -> str:
    """` (did you mean 'x'?)` for the close matches of `word`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


class Registry(Generic[T]):
    """`kind` names ("optimizer", "benchmark family", "provider prefix") -> subclasses of `base`.

    `entries` is kept, not copied: the module's table (REGISTRY, FAMILIES, PROVIDERS) stays the one
    place a built-in is listed, and what it holds at creation is built in (never unregistered).
    `forbidden`: characters a name may not contain (a provider prefix has no "/").
    """

    def __init__(self, kind: str, entries: MutableMapping[str, str | type[T]], base: type[T], *,
                 error: type[RegistryError] = RegistryError, forbidden: str = "", plural: str = "") -> None:
        self.kind = kind
        self.plural = plural or kind + "s"
        self.entries = entries
        self.base = base
        self.error = error
        self.forbidden = forbidden
        self.built_in = frozenset(entries)

    def names(self) -> list[str]:
        """Every registered name, built-in ones first, in registration order."""
        return list(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def target(self, name: str) -> str | type[T]:
        """The entry of `name` as registered (an import path or a class)."""
        if name not in self.entries:
            raise self.unknown(name)
        return self.entries[name]

    def resolve(self, name: str) -> type[T]:
        """The class registered as `name`, its module imported now (not before).

        A registered entry that is no subclass of `base` is a bug of whoever registered it: TypeError."""
        target = self.target(name)
        found = target
        if isinstance(target, str):
            module, _, attr = target.partition(":")
            found = getattr(importlib.import_module(module), attr)
        if not (isinstance(found, type) and issubclass(found, self.base)):
            raise TypeError(f"{self.kind} {name!r}: {target!r} is not a {self.base.__name__} subclass")
        return found

    def register(self, name: str, target: str | type[T]) -> None:
        """Add `name` -> `target` (a `base` subclass, or "module:Class" imported on first use)."""
        if not isinstance(name, str) or not name.strip() or name != name.strip() or any(
                c in name for c in self.forbidden):
            without = f" without {' or '.join(repr(c) for c in self.forbidden)}" if self.forbidden else ""
            raise self.error(f"register({name!r}, ...): a {self.kind} must be a non-empty name{without}")
        if isinstance(target, str):
            module, sep, attr = target.partition(":")
            if not (module and sep and attr):
                raise self.error(f"register({name!r}, {target!r}): expected a {self.base.__name__} subclass "
                                 "or an import path 'module:Class'")
        elif not (isinstance(target, type) and issubclass(target, self.base)):
            raise self.error(f"register({name!r}, {target!r}): not a {self.base.__name__} subclass")
        if name in self.entries:
            raise self.error(f"{self.kind} {name!r} is already registered ({self.entries[name]!r})")
        self.entries[name] = target

    def unregister(self, name: str) -> None:
        """Forget a `name` added by `register`; built-in names stay, unknown ones are ignored."""
        if name not in self.built_in:
            self.entries.pop(name, None)

    def unknown(self, name: str, context: str = "") -> RegistryError:
        """The error for a name nobody registered (`context` says where it was written): close
        matches, then every valid name."""
        valid = sorted(self.names())
        return self.error(f"unknown {self.kind} {name!r}{context}{suggest(name, valid)}; "
                          f"valid {self.plural}: {', '.join(valid)}")
