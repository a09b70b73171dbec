"""Signalling that a rule cannot apply to the inputs given."""

from __future__ import annotations

from ..errors import LandplanError


class SkipRule(LandplanError):
    """Raised by a rule whose inputs do not allow it to run; the reason is reported."""
