"""Typed errors of the ledger. Each carries a message key and its parameters; ``cli.py`` renders them."""

from __future__ import annotations

from typing import Any


class OnestopError(Exception):
    """The base of every error a user can cause; never shown as a traceback."""

    exit_code = 1

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class ConfigError(OnestopError):
    """onestop.toml cannot be used."""


class InputError(OnestopError):
    """A value given on the command line or in a file cannot be read."""


class NotFoundError(OnestopError):
    """An unknown dossier, procedure or office."""


class TransitionError(OnestopError):
    """An event that the dossier's state does not allow (return before resolve, a second extension, ...)."""


class StorageError(OnestopError):
    """The database cannot be opened, written or upgraded (read-only, full, locked)."""
