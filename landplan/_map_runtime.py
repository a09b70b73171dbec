"""What every map page has (:mod:`landplan.maps`): its labels, colours and ``LANDPLAN`` runtime.

The runtime (``data/map/runtime.js``, after ``codec.js``, which decodes the layers'
compact encoding) is the script every landplan layer draws with: it
styles features, builds popups, tooltips and search tips with ``textContent``, and looks
up land-use names and legal bases in the page. The page's styles are ``data/map/map.css``.
:func:`_source` reads those files and the folium templates next to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

import folium
import pandas as pd
from branca.element import Element
from folium.template import Template

from ._data import data_path
from ._labels import colors, prefixed
from ._labels import labels as _section
from ._map_json import _js
from .codes import code_names

_STATUS_COLORS = colors("status")  # landplan/data/labels.toml, in the legend's order
_SEVERITY_COLORS = colors("severity")

_RUNTIME_ELEMENT = "landplan_runtime"  # its name among the page header's elements
_SLOT = re.compile(r"\{\{ (\w+) \}\}")


def _labels(lang: str) -> dict[str, str]:
    """Return the map's labels in ``lang``: ``map``, statuses, severities, kinds."""
    return {**_section("map", lang), **prefixed(("status", "severity", "kind"), lang)}


@cache
def _source(name: str) -> str:
    """Return the text of ``landplan/data/map/<name>`` (a script, a style sheet, a template)."""
    return data_path(f"map/{name}").read_text(encoding="utf-8")


def _map_template(name: str) -> Template:
    """Return the folium template ``landplan/data/map/<name>`` (its ``script`` macro)."""
    return Template(_source(name))


class Raw(Element):
    """HTML or script put into the page as it is.

    A branca ``Element`` compiles its text as a Jinja template on every page (~17 ms for
    Leaflet's script, and the text would be read as template syntax); this one's template
    is compiled once and only inserts the text.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Put each value into its ``{{ name }}`` slot of ``text``, in one pass.

    The values must already be safe where they go (:func:`landplan._map_json._js`); a
    value's own text is never searched for slots.
    """
    return _SLOT.sub(lambda slot: values[slot.group(1)], text)


def _add_runtime(fmap: folium.Map, codes: pd.DataFrame, lang: str) -> None:
    """Add the page's styles and the ``LANDPLAN`` helpers (names, legal bases, popups)."""
    runtime = _fill(_source("runtime.js"),
                    {"names": _js(code_names(codes, lang)), "legal": _js(_legal())})
    fmap.get_root().header.add_child(
        Raw(f"<style>\n{_source('map.css')}</style>"
                f"<script>\n{_source('codec.js')}{runtime}</script>"),
        name=_RUNTIME_ELEMENT)


def _legal() -> dict[str, str]:
    """Return the legal basis of each rule, by rule id."""
    from .rules import RULES

    return {rule.id: rule.legal_basis() for rule in RULES.values()}
