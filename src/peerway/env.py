"""Typed readers for settings that come from environment variables.

Each reader fails loudly, with one sentence naming the variable, when a value is present but malformed
or when a required value is missing. Settings import this module before Django is configured, so it
must not import Django.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class SettingError(Exception):
    """A setting from the environment is missing or malformed; the message names the variable."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise SettingError(f"The environment variable {name} is required but is not set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(f"The environment variable {name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingError(f"The environment variable {name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise SettingError(
            f"The environment variable {name} must be a whole number of at least {minimum}, not {value!r}."
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = os.environ.get(name, "") or default
    if value not in choices:
        raise SettingError(f"The environment variable {name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_parsed(name: str, parse: Callable[[str], T], default: str | None, what: str) -> T:
    """Read a variable and parse it; a parser error becomes one sentence that names the variable."""
    raw = env_str(name, default)
    try:
        return parse(raw)
    except (ValueError, TypeError) as exc:
        raise SettingError(f"The environment variable {name} must be {what} ({exc}).") from None
