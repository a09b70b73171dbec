"""Access to the package's data files (code tables, aliases, rules, messages)."""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def data_path(name: str) -> Path:
    """Path of a file shipped in ``landplan/data``."""
    return Path(str(resources.files("landplan") / "data" / name))


@cache
def load_toml(name: str) -> dict[str, Any]:
    """Parse a TOML file shipped in ``landplan/data`` (cached; do not mutate)."""
    with open(data_path(name), "rb") as f:
        return tomllib.load(f)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a user's TOML file."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def read_text_table(path: str | Path, what: str, error: type[Exception]) -> pd.DataFrame:
    """A user's CSV table as text columns (UTF-8, with or without BOM), or ``error`` saying
    what is wrong with it."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise error(f"{what} not found: {path}") from exc
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise error(f"{what} {path} is not a UTF-8 CSV file: {exc}") from exc
