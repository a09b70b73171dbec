"""The budget of one map file, and the names of the units' maps (:mod:`landplan.maps`).

Light on purpose (no folium): the command line reads its options into a
:class:`MapBudget` before anything is loaded. How a check is split to keep the budget is
:mod:`landplan._map_split`.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass

import numpy as np

from ._outdir import FOLDER_FILE
from .errors import ConfigError

__all__ = ["DEFAULT_MAX_FEATURES", "DEFAULT_MAX_MB", "MAPS_FOLDER", "MapBudget",
           "budget_problems", "page_file", "slug"]

DEFAULT_MAX_MB = 25.0
"""Default size limit of one map file, in MB (10⁶ bytes)."""
DEFAULT_MAX_FEATURES = 30_000
"""Default limit of the features one map file draws: ~2 s to first render in headless
Chromium on 2 busy cores (docs/benchmarks_maps.md)."""
MAPS_FOLDER = "maps"
"""The folder of the per-unit maps, beside ``map.html``."""

_SLUG_CHARS = 40


@dataclass(frozen=True)
class MapBudget:
    """How much one map file may hold.

    Parameters
    ----------
    max_mb
        Largest file, in MB (10⁶ bytes); at least 1 (the scripts of an offline page take
        about 0.5 MB).
    max_features
        Most features (decisions, findings, plan zones, …) one file draws; at least 100.
    """

    max_mb: float = DEFAULT_MAX_MB
    max_features: int = DEFAULT_MAX_FEATURES

    def __post_init__(self) -> None:
        """Refuse limits no page can keep.

        Raises
        ------
        landplan.errors.ConfigError
            When ``max_mb`` is not a number >= 1 or ``max_features`` not a whole
            number >= 100.
        """
        problems = budget_problems(self.max_mb, self.max_features,
                                   ("MapBudget max_mb", "MapBudget max_features"))
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def max_bytes(self) -> int:
        """Return the size limit in bytes."""
        return int(self.max_mb * 1_000_000)


def budget_problems(max_mb: object, max_features: object, names: tuple[str, str]
                    ) -> list[str]:
    """Return what is wrong with a budget's values, naming them ``names`` (none: fine)."""
    problems = []
    if isinstance(max_mb, bool) or not isinstance(max_mb, (int, float)) or not \
            math.isfinite(max_mb) or max_mb < 1:
        problems.append(f"{names[0]} must be a number of MB >= 1 (a map's scripts take about "
                        f"0.5 MB), got {max_mb!r}")
    if isinstance(max_features, bool) or not isinstance(max_features, (int, np.integer)) or \
            max_features < 100:
        problems.append(f"{names[1]} must be a whole number >= 100, got {max_features!r}")
    return problems


# --------------------------------------------------------------------------- file names


def slug(text: str) -> str:
    """Return ``text`` as lower-case ASCII letters and digits joined by ``-`` (at most 40).

    Vietnamese letters lose their marks (``Đ`` → ``d``); everything else that is not a
    letter or digit separates words. May be empty.
    """
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = text.encode("ascii", "ignore").decode("ascii").lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > _SLUG_CHARS:
            break
        out = candidate
    return out or (words[0][:_SLUG_CHARS] if words else "")


def page_file(unit: str | None, part: int, parts: int) -> str:
    """Return the file name of a unit's map (part ``part`` of ``parts``), inside ``maps/``.

    ``<slug>-<id>.html`` for a unit in one map, ``<slug>-<id>-<part>.html`` for one in
    several; ``unit`` None (no unit given) is ``none-<id>``. The id tells apart units whose
    slugs are alike.
    """
    text = "" if unit is None else str(unit)
    digest = hashlib.sha1((("unit:" + text) if unit is not None else "none:")
                          .encode("utf-8")).hexdigest()[:8]
    name = f"{slug(text) or ('none' if unit is None else 'unit')}-{digest}"
    name = f"{name}.html" if parts == 1 else f"{name}-{part}.html"
    if not FOLDER_FILE.fullmatch(name):  # pragma: no cover - the slug is made to fit
        raise AssertionError(f"map file name {name!r} is not one landplan owns")
    return name


