"""What the map gives an inspector in the field (:mod:`landplan.maps`).

A list of the violations to step through (sorted by severity, then commune, then decision
number; filtered by commune, by rule, or by a row of the summary panel), search that
ignores diacritics and case, the plan version each decision was judged against shown
with its popup, a legend that follows the layers shown, markers where parcels are too
small to see, plan codes written on the zones close up, and every control in the page's
language. All of it is ``data/map/inspector.js``, which builds the list from the
decisions layer's own properties (nothing is embedded twice) with ``textContent``; the
panel's frame is HTML written here, every text escaped.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._map_json import _js, escape
from ._map_runtime import RawMacro, _labels, _map_template


def list_panel(lang: str) -> str:
    """Return the frame of the list of violations (filled in the page)."""
    labels = _labels(lang)
    return (
        '<details open class="landplan-panel landplan-list" '
        'style="top:10px;left:300px;width:300px">'
        f'<summary><b>{escape(labels["violation_list"])}</b> '
        '<span class="landplan-list-count"></span></summary>'
        '<div class="landplan-list-filters">'
        f'<select class="landplan-list-unit" title="{escape(labels["unit_label"])}">'
        f'<option value="">{escape(labels["all_units"])}</option></select>'
        f'<select class="landplan-list-rule" title="{escape(labels["rule"])}">'
        f'<option value="">{escape(labels["all_rules"])}</option></select>'
        f'<button type="button" class="landplan-list-prev">{escape(labels["previous"])}'
        f'</button><button type="button" class="landplan-list-next">'
        f'{escape(labels["next"])}</button></div>'
        '<ol class="landplan-list-items"></ol></details>')


class Inspector(RawMacro):
    """Start the page's inspector script (``LANDPLAN.inspect``) once its layers are made.

    Also adds the metric scale bar. ``with_list``: the page has the list of violations
    (:func:`list_panel`); ``versions``: the plan versions' approval dates (ISO), which
    popups give with the version a decision was judged against.
    """

    _template = _map_template("inspector_init.js")

    def __init__(self, *, with_list: bool, versions: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._name = "Inspector"
        self.with_list = "true" if with_list else "false"
        self.versions = _js(dict(versions or {}))
