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
from typing import Any

import folium
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template

from ._data import data_path
from ._labels import colors, prefixed, ranks
from ._labels import labels as _section
from ._map_json import _js
from .codes import code_names

_STATUS_COLORS = colors("status")  # landplan/data/labels.toml, in the legend's order
_SEVERITY_COLORS = colors("severity")
_LAYER_COLORS = colors("map")  # projects, stale projects, corridors, adjustments

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
    """HTML or script put into the page as it is, never read as a template.

    A branca ``Element`` compiles its text as a Jinja template: text taken from the user's
    data (a decision number ``{{ 7*7 }}``) would be evaluated, and compiling Leaflet's
    script or a layer's features costs ~20 ms a page. This one's template is compiled once
    and only inserts the text (less one final newline, as Jinja's rendering of it did).
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text[:-1] if text.endswith("\n") else text


class RawMacro(MacroElement):
    """A ``MacroElement`` whose rendered header, html and script go in as :class:`Raw`.

    Put after folium's class in the bases (``class X(folium.map.Layer, RawMacro)``), so
    that folium's own ``render`` steps run first.
    """

    def render(self, **kwargs: Any) -> None:
        """Render the macros into the figure as text, then the children."""
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Raw(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Put each value into its ``{{ name }}`` slot of ``text``, in one pass.

    The values must already be safe where they go (:func:`landplan._map_json._js`); a
    value's own text is never searched for slots.
    """
    return _SLOT.sub(lambda slot: values[slot.group(1)], text)


def _add_runtime(fmap: folium.Map, codes: pd.DataFrame, lang: str) -> None:
    """Add the page's styles and the ``LANDPLAN`` helpers (names, legal bases, popups)."""
    runtime = _fill(_source("runtime.js"),
                    {"names": _js(code_names(codes, lang)), "legal": _js(_legal(lang)),
                     "page": _js(_page(lang))})
    fmap.get_root().header.add_child(
        Raw(f"<style>\n{_source('map.css')}</style>"
                f"<script>\n{_source('codec.js')}{runtime}{_source('inspector.js')}"
                "</script>"),
        name=_RUNTIME_ELEMENT)


def _page(lang: str) -> dict[str, Any]:
    """Return what the page's scripts know of the page.

    Its language, the words of its controls, its number separators, the rules' titles,
    the severities' ranks, the statuses' and severities' colours.
    """
    from .rules import RULES

    return {"lang": lang, "words": _section("map_controls", lang),
            "number": _section("number", lang),
            "titles": {rule.id: rule.title(lang) for rule in RULES.values()},
            "ranks": ranks("severity"), "status": dict(_STATUS_COLORS),
            "severity": dict(_SEVERITY_COLORS)}


def _legal(lang: str = "vi") -> dict[str, dict[str, object]]:
    """Return the legal bases of each rule by period of the decision's date, by rule id.

    ``{"p": [[start, text], …], "*": text}``: ``text`` of the last period whose ``start``
    (ISO date, "" for the first) is on or before the feature's decision date (property
    ``d``); ``"*"`` for a feature without a date (every reference). The popup's ``%r``
    field picks it (``runtime.js``).
    """
    from .rules import RULES

    out: dict[str, dict[str, object]] = {}
    for rule in RULES.values():
        bounds, texts = rule.legal_periods(lang)
        starts = ["", *(b.isoformat() for b in bounds)]
        out[rule.id] = {"p": [[s, t] for s, t in zip(starts, texts[:-1], strict=True)],
                        "*": texts[-1]}
    return out
