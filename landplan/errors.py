"""Errors raised by landplan, and the warnings it issues.

Every error derives from :class:`LandplanError` and also from the builtin error
that fits it, so ``except ValueError`` keeps working for callers that do not know
landplan. Messages say what went wrong, where, and how to fix it.

Every warning derives from :class:`LandplanWarning` (a :class:`UserWarning`): a problem in
the inputs that the user can act on, after which the work went on (an uncertain text
encoding, a replaced CRS, records GDAL cannot read…). In a notebook they show like any
warning; filter them by class with :mod:`warnings`::

    import warnings
    import landplan

    warnings.simplefilter("ignore", landplan.CRSWarning)        # not these
    warnings.simplefilter("always", landplan.LandplanWarning)   # every time, not once

``strict=True`` (:func:`landplan.load_plan`, :func:`landplan.load_decisions`,
:func:`landplan.check` …) turns them into errors: the call raises :class:`StrictError`,
whose ``warning`` is the warning it would have issued. The command line prints them as
``WARNING <module>: <message>`` lines.

**Languages.** ``str(err)`` is English. An error or warning made with :meth:`~_Localized.of`
carries the key of its message template (``landplan/data/problems.toml``, Vietnamese and
English) and the values that fill it; :meth:`~_Localized.localized` writes it in either
language — the command line prints it in the language of ``--lang``::

    try:
        landplan.load_plan("qh.shp")
    except landplan.LandplanError as err:
        print(err.localized("vi"))

An error made from a plain message (``LandplanError("...")``) is the same in every language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from ._templates import localized, problem_text

_T = TypeVar("_T", bound="_Localized")


class _Localized:
    """What errors and warnings share: a message template key, its fields, its parts."""

    key: str | None = None
    fields: Mapping[str, Any] = {}
    parts: tuple[Any, ...] = ()

    @classmethod
    def of(cls: type[_T], key: str, /, **fields: Any) -> _T:
        """Make the error (warning) of template ``key`` of ``problems.toml`` with ``fields``.

        Its ``str`` is the English text; :meth:`localized` gives any language.
        """
        made = cls(problem_text(key, "en", fields))  # type: ignore[call-arg]
        made.key, made.fields = key, dict(fields)
        return made

    @classmethod
    def joined(cls: type[_T], parts: Iterable[Any], /) -> _T:
        """One error (warning) saying every one of ``parts`` (errors or texts), a line each."""
        parts = tuple(parts)
        made = cls("\n".join(str(part) for part in parts))  # type: ignore[call-arg]
        made.parts = parts
        return made

    def localized(self, lang: str) -> str:
        """Return the message in ``lang`` (``"vi"``, ``"en"``); ``str()`` when it has no key."""
        if self.parts:
            return "\n".join(localized(part, lang) for part in self.parts)
        if self.key is None:
            return str(self)
        return problem_text(self.key, lang, self.fields)


class LandplanError(_Localized, Exception):
    """Base class of every error raised by landplan.

    See the module for :meth:`~_Localized.of` and :meth:`~_Localized.localized`.
    """


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


class MissingDependencyError(LandplanError, ImportError):
    """An optional dependency is not installed.

    The distributed engine's dask, the fiona engine's fiona; the message gives the
    ``pip install "landplan[…]"`` command.
    """


class StrictError(InputError):
    """A :class:`LandplanWarning` raised as an error, because the call had ``strict=True``.

    Attributes
    ----------
    warning : LandplanWarning or None
        The warning the call would have issued; its class says which kind of problem it
        is (e.g. ``isinstance(err.warning, landplan.CRSWarning)``).
    """

    def __init__(self, message: str, warning: LandplanWarning | None = None) -> None:
        super().__init__(message)
        self.warning = warning

    def localized(self, lang: str) -> str:
        """Return the message of its warning in ``lang`` (see :meth:`_Localized.localized`)."""
        return self.warning.localized(lang) if self.warning is not None \
            else super().localized(lang)


class LandplanWarning(_Localized, UserWarning):
    """Base class of every warning issued by landplan.

    A problem the user can act on, after which the work went on.

    Attributes
    ----------
    origin : str
        The landplan module that issued it (``"landplan.io"``); the command line prints it
        as ``WARNING landplan.io: <message>``.
    """

    origin: str = "landplan"


class TextEncodingWarning(LandplanWarning, UnicodeWarning):
    """The text encoding of a shapefile's attributes is uncertain: names may be garbled.

    Give the encoding (``encoding="tcvn3"``, ``"vni"``, ``"cp1258"``, ``"utf-8"``).
    """


class CRSWarning(LandplanWarning):
    """A layer's declared CRS was not used as declared.

    Replaced by ``override_crs``, or a VN-2000 ``.prj`` reinterpreted as its EPSG CRS
    (``attrs["crs_note"]`` says which).
    """


class UnreadableRecordsWarning(LandplanWarning):
    """Records or geometries of a layer cannot be read (by GDAL or GEOS).

    They are kept as records without attributes or geometry, and flagged by the rules.
    """


class UnsafeZipEntryWarning(LandplanWarning):
    """An entry of a zip archive with an absolute path or ``..`` in it was ignored.

    It is never extracted.
    """


class RuleSkippedWarning(LandplanWarning):
    """A rule could not run on the inputs given.

    E.g. ``outside-plan-period`` without a plan approval date or a plan period;
    ``CheckResult.rules`` gives the reason. (A rule whose optional input was not given at
    all is only listed there.)
    """
