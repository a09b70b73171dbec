"""Access to the package's data files (code tables, aliases, rules, messages).

The bottom of the package: it imports nothing of landplan. Users' CSV tables are read by
:mod:`landplan._texttable`.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

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
