"""Issue problems at the library boundary: warnings, errors in strict mode, missing extras.

A :class:`~landplan.errors.LandplanWarning` is issued with :func:`warn`: through
:func:`warnings.warn`, attributed to the first caller outside the landplan package (the
user's line in a notebook or script). Inside :func:`strict_mode` — a public function called
with ``strict=True`` — it is raised as :class:`~landplan.errors.StrictError` instead. The
mode is a context variable: nothing global changes, and other threads are not affected.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ._templates import Joined, Said, Text, localized, problem_text, templates
from .errors import LandplanWarning, MissingDependencyError, StrictError

__all__ = ["Joined", "Said", "Text", "localized", "missing_dependency", "os_error_text",
           "problem_text", "strict_mode", "warn"]

_STRICT: ContextVar[bool] = ContextVar("landplan_strict", default=False)
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


@contextmanager
def strict_mode(strict: bool = True) -> Iterator[None]:
    """Make :func:`warn` raise :class:`~landplan.errors.StrictError` within the block.

    Only when ``strict``; otherwise the mode around it is kept.
    """
    if not strict:
        yield
        return
    token = _STRICT.set(True)
    try:
        yield
    finally:
        _STRICT.reset(token)


def warn(warning: LandplanWarning, origin: str) -> None:
    """Issue ``warning`` for the user's code, or raise it in strict mode.

    Parameters
    ----------
    warning
        The warning, with its message.
    origin
        The issuing module's ``__name__`` (the command line prints it as the logger name).

    Raises
    ------
    StrictError
        In :func:`strict_mode`, carrying the message and the warning.
    """
    warning.origin = origin
    if _STRICT.get():
        raise StrictError(str(warning), warning)
    warnings.warn(warning, stacklevel=_outside_level())


def _outside_level() -> int:
    """Return the ``stacklevel`` of the first frame outside the landplan package.

    As :func:`warn`'s call to :func:`warnings.warn` counts it: the user's call of a public
    function.
    """
    frame = sys._getframe(1)  # warn
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def missing_dependency(feature: str, package: str, extra: str) -> MissingDependencyError:
    """Return the error for an optional dependency that is not installed.

    To be raised ``from`` the ImportError: English as ``str()``, Vietnamese with
    ``localized("vi")`` (as the command line prints it), with the ``pip install`` command.

    Parameters
    ----------
    feature
        What needs it, as the user wrote it (``engine='fiona'``, ``landplan.distributed``).
    package
        The missing import.
    extra
        The extra of ``pyproject.toml`` that installs it.
    """
    error = MissingDependencyError.of("missing_dependency", feature=feature, package=package,
                                      extra=extra)
    error.name = package
    return error


def os_error_text(error: OSError, lang: str) -> str:
    """Say an :class:`OSError` (unreadable file, full disk …) in ``lang``.

    The reason is the ``[os]`` template of its ``errno`` name when there is one, else the
    system's own words.
    """
    import errno as errnos

    name = errnos.errorcode.get(error.errno or 0, "")
    reason = (problem_text(f"os.{name}", lang) if f"os.{name}" in templates()
              else error.strerror or str(error))
    path = error.filename if error.filename is not None else ""
    return problem_text("os_error", lang, {"path": path, "reason": reason}) if path \
        else reason
