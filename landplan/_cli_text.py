"""The language of the command line, and argparse's own words in it.

Everything ``landplan`` prints is in one language, chosen **before** the arguments are
parsed — ``--help`` and argparse's errors are printed while parsing: :func:`cli_language`
pre-scans the arguments for ``--lang X`` / ``--lang=X``, else takes the ``LANDPLAN_LANG``
environment variable, else ``vi``.

The help texts of the options are labels (``[help.*]`` of ``landplan/data/labels.toml``).
argparse's own words — ``usage:``, ``options``, ``positional arguments``, ``show this help
message and exit``, ``the following arguments are required``, ``invalid choice`` … — are
written by argparse through the module-level names ``argparse._`` and ``argparse.ngettext``
(its gettext hook: argparse calls them with its English message ids). The mechanism chosen:
:func:`argparse_language` replaces those two names, for the duration of one
:func:`landplan.cli.main` call, by a lookup in the ``[cli.argparse]`` labels, whose ``en``
text *is* argparse's message id; unknown ids pass through unchanged (English). Why not the
alternatives:

* a compiled gettext catalogue (``.mo``) bound with :func:`gettext.bindtextdomain` needs a
  build step and a binary file, and changes the process-wide ``messages`` domain that
  argparse shares with every other library;
* a :class:`argparse.HelpFormatter` / :class:`argparse.ArgumentParser` subclass overriding
  ``_format_usage``, ``error``, ``_check_value``, ``parse_known_args`` … copies private
  argparse code, and still misses the group titles argparse writes in ``__init__``.

The swap is undone when the call returns (a context manager), so a library user's argparse
is untouched outside ``landplan.cli.main``. (It is process-wide while it lasts: another
thread parsing its own arguments during a ``main`` call would see Vietnamese.)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ._labels import LANGS, labels

__all__ = ["ENV", "argparse_language", "cli_language"]

ENV = "LANDPLAN_LANG"
"""The environment variable naming the default language of the command line."""


def cli_language(argv: Sequence[str]) -> str:
    """Return the language of a command line, known before it is parsed.

    The last ``--lang X`` or ``--lang=X`` of ``argv`` when it is one of ``vi``/``en``, else
    ``$LANDPLAN_LANG`` when it is one of them, else ``vi`` (an unknown value is left for the
    parser to refuse, in the default language).
    """
    found = None
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    if found in LANGS:
        return found
    env = os.environ.get(ENV, "").strip().lower()
    return env if env in LANGS else LANGS[0]


@contextmanager
def argparse_language(lang: str) -> Iterator[None]:
    """Make argparse write its own words in ``lang`` within the block (see the module)."""
    english, words = labels("cli.argparse", "en"), labels("cli.argparse", lang)
    table = {english[key]: words[key] for key in english}

    def gettext(message: str) -> str:
        return table.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = gettext, ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved
