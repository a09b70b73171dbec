"""The version of the installed landplan (``0+unknown`` from a source tree not installed)."""

from __future__ import annotations

from importlib import metadata

__all__ = ["installed_version"]


def installed_version() -> str:
    """Return the version of the installed distribution.

    ``0+unknown`` from a source tree that is not installed.
    """
    try:
        return metadata.version("landplan")
    except metadata.PackageNotFoundError:
        return "0+unknown"
