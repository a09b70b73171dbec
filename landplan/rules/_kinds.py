"""Which kinds of decision the rules judge, and how an unrecognised kind is read.

The kinds (:data:`landplan.schema.KINDS`): the grants (allocation, lease, recognition), a
change of use (conversion), a recovery of land by the State, and ``non-state`` records
(transfers, inheritances, gifts, sub-leases between land users: origin-of-use codes that
are no State decision). Recoveries and non-State records are never judged as grants.

A decision whose kind could not be read (``kind`` None) is read the **most demanding**
way that applies to it: as a grant by the rules on grants (``zoning-conflict``,
``double-allocation``, ``unused-land``, ``protected-area``), as an allocation by
``conversion-not-in-annual-plan``, and as a change of use by ``conversion-contrary-to-plan``
when it records a previous use other than its granted one (that rule asks more than
``zoning-conflict``). It is never read as a recovery or a non-State record: that would
spare it the grant rules. A violation found so stands; otherwise ``unknown-kind`` makes
it unchecked, never compliant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._context import CheckContext

GRANTS = ("allocation", "lease", "recognition")
"""The kinds that grant a use of land to a user."""
NOT_GRANTS = ("recovery", "non-state")
"""The kinds never judged as grants (nor against the plan's zoning)."""


def unread(ctx: CheckContext) -> np.ndarray:
    """Whether each decision's kind could not be read (blank included)."""
    return ctx.memo("kinds-unread", lambda: pd.isna(ctx.kinds).astype(bool))


def unread_as_conversion(ctx: CheckContext) -> np.ndarray:
    """Unread kinds judged as a change of use: a previous use other than the granted one."""
    def compute() -> np.ndarray:
        d = ctx.decisions
        prev = d["prev_land_use"].to_numpy(dtype=object)
        granted = d["land_use"].to_numpy(dtype=object)
        return unread(ctx) & ~pd.isna(prev) & (prev != granted)
    return ctx.memo("kinds-unread-conversion", compute)


def judged_as(ctx: CheckContext, *kinds: str, unread_too: bool = True) -> np.ndarray:
    """Decisions of one of ``kinds``, and (``unread_too``) those whose kind was not read."""
    mask = np.isin(ctx.kinds, kinds)
    return mask | unread(ctx) if unread_too else mask
