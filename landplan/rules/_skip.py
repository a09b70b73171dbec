"""Signalling that a rule cannot apply to the inputs given."""

from __future__ import annotations


class SkipRule(Exception):
    """Raised by a rule whose inputs do not allow it to run.

    The reason is reported (a :class:`~landplan.errors.RuleSkippedWarning`, and
    ``CheckResult.rules``). Control flow
    inside :func:`landplan.check`, not a :class:`~landplan.errors.LandplanError`: it never
    leaves the check.
    """
