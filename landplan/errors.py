"""Errors raised by landplan.

Every error derives from :class:`LandplanError` and also from the builtin error
that fits it, so ``except ValueError`` keeps working for callers that do not know
landplan. Messages say what went wrong, where, and how to fix it.
"""

from __future__ import annotations


class LandplanError(Exception):
    """Base class of every error raised by landplan."""


class InputError(LandplanError, ValueError):
    """An input layer or table cannot be used as given."""


class LayerNotFoundError(InputError, FileNotFoundError):
    """An input path or a layer inside it does not exist."""


class ColumnError(InputError, KeyError):
    """Required columns are missing or ambiguous."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CRSError(InputError):
    """A layer has no coordinate reference system, or one that cannot be used."""


class CodeTableError(InputError):
    """A land-use code table or compatibility table is malformed."""


class ConfigError(LandplanError, ValueError):
    """A configuration value or file is invalid."""


class OutputError(LandplanError, ValueError):
    """The output folder cannot be used.

    It is a file, it would overwrite an input, or another run is writing into it.
    """
