"""What was wrong with a geometry, in words of the message's language.

:func:`landplan.schema.clean_geometries` notes what it repaired or could not use in fixed
English notes ("empty geometry", GEOS' "Self-intersection[x y]"); the rules put them into
messages in the check's language with :func:`geometry_notes`, once per distinct note. The
words are ``labels.toml``'s ``[message.geometry]``; the kinds of GEOS validity reason are
its ``[message.geometry.geos]`` (a kind not listed is named as an invalid geometry at its
place). The notes of :mod:`landplan.io` on what it could not read (a record
marked deleted, a GeoJSON entry that is no Feature, an unreadable geometry) are its
``[message.geometry.unreadable]``. A note none of these reads (a GEOS error message) is
kept as it is.
"""

from __future__ import annotations

import re

import numpy as np

from ._distinct import per_distinct
from ._labels import label, labels
from ._numbers import localized_number

__all__ = ["geometry_notes"]

# the notes of landplan.schema.clean_geometries, by their key in [message.geometry]
_FIXED = {
    "empty geometry": "empty",
    "coordinates that are not finite numbers or out of range (NaN, inf, 1e300)": "wild",
    "geometry collection reduced to its polygons": "collection",
    "zero-area polygon": "zero_area",
}
_NOT_POLYGON = re.compile(r"not a polygon but a (\w+)$")
_LOST = "no area left after repair of: "
_GEOS = re.compile(r"^([A-Za-z][A-Za-z -]*?)\s*\[([^\]]*)\]$")
# landplan.io's notes on what it could not read: the English of [message.geometry.unreadable]
_UNREADABLE = {
    "geometry that cannot be read": "cannot_read",
    "a ring that is not closed (its last point is not its first)": "ring_not_closed",
    "the record is marked deleted (*) in the .dbf": "deleted",
    'a feature without "type": "Feature"': "no_type",
}
_UNREADABLE_FORMS = (
    (re.compile(r"^unreadable geometry: (?P<why>.*)$", re.S), "geometry"),
    (re.compile(r'^a bare (?P<kind>\w+) geometry, not a Feature with "geometry" and '
                r'"properties"$'), "bare"),
    (re.compile(r"^not a JSON object but (?P<what>.*)$", re.S), "not_object"),
    (re.compile(r'^"type": (?P<what>.*) instead of "Feature"$', re.S), "other_type"),
)


def geometry_notes(notes: np.ndarray, lang: str) -> np.ndarray:
    """Each note in ``lang``'s words (None stays None), computed once per distinct note."""
    return per_distinct(notes, lambda note: geometry_note(str(note), lang), missing=None)


def geometry_note(note: str, lang: str) -> str:
    """One note in ``lang``'s words (see the module docstring)."""
    words = labels("message.geometry", lang)
    if note in _FIXED:
        return words[_FIXED[note]]
    unreadable = words["unreadable"]
    if note in _UNREADABLE:
        return unreadable[_UNREADABLE[note]]
    for form, key in _UNREADABLE_FORMS:
        found = form.match(note)
        if found:
            parts = found.groupdict()
            if "why" in parts:
                parts["why"] = geometry_note(parts["why"], lang)
            return unreadable[key].format(**parts)
    if note.startswith(_LOST):
        return words["lost"].format(why=geometry_note(note[len(_LOST):], lang))
    shape = _NOT_POLYGON.match(note)
    if shape:
        types = words["type"]
        return words["not_polygon"].format(what=types.get(shape.group(1), types["geometry"]))
    reason = _GEOS.match(note)
    if reason:
        kind, place = reason.groups()
        at = _place(place, lang)
        geos = words["geos"]
        return geos[kind].format(at=at) if kind in geos else words["reason"].format(at=at)
    return note


def _place(place: str, lang: str) -> str:
    """GEOS' "x y" as the language writes a point: "(582510,865; 2307344,854)"."""
    try:
        x, y = (float(v) for v in place.split()[:2])
    except ValueError:
        return place
    return label("message.geometry.at", lang).format(
        x=localized_number(x, ".3f", lang), y=localized_number(y, ".3f", lang))
