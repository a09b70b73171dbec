"""Offline maps (:mod:`landplan.maps`): Leaflet and its plugins inlined from pinned copies.

The copies are in ``landplan/data/assets`` (``assets.toml`` lists them by folium's asset
key; ``tools/fetch_map_assets.py`` fetches them). :func:`inline_assets` replaces every CDN
script and stylesheet of a map by its copy, so the saved page makes no network request.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import folium

from ._data import data_path, load_toml
from ._map_runtime import _RUNTIME_ELEMENT, Raw


@lru_cache(maxsize=1)
def _assets() -> dict[str, tuple[str, str]]:
    """Return ``{folium asset key: (kind, text)}`` of the pinned copies in ``data/assets``."""
    manifest = load_toml("assets/assets.toml")
    entries = next(v for v in manifest.values() if isinstance(v, list))
    out = {}
    for entry in entries:
        path = data_path("assets") / entry["path"]
        out[entry["key"]] = (entry["kind"], path.read_text(encoding="utf-8"))
    return out


def _elements(element: Any) -> Iterable[Any]:
    """Yield ``element`` and every element below it."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def inline_assets(fmap: folium.Map) -> folium.Map:
    """Replace every CDN script and stylesheet of the map by an inline copy.

    Assets landplan does not ship (jQuery, Bootstrap, Font Awesome, awesome-markers —
    which none of landplan's layers use) are dropped; an element of yours that needs one
    of them will not work offline.

    Parameters
    ----------
    fmap
        The map, changed in place.

    Returns
    -------
    folium.Map
        The same map.
    """
    assets = _assets()
    needed: dict[str, str] = {}
    for element in _elements(fmap.get_root()):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links is None:
                continue
            for key, _url in links:
                needed.setdefault(key, attr)
            setattr(element, attr, [])
    order = sorted(needed, key=lambda k: (k not in ("leaflet", "leaflet_css"),))
    blocks = []
    for key in order:
        if key not in assets:
            continue
        kind, text = assets[key]
        safe = text.replace("</script", "<\\/script").replace("</style", "<\\/style")
        blocks.append(f"<style>{safe}</style>" if kind == "css" else f"<script>{safe}</script>")
    header = fmap.get_root().header
    runtime = header._children.pop(_RUNTIME_ELEMENT, None)  # kept after Leaflet
    header.add_child(Raw("\n".join(blocks)), name="landplan_assets")
    if runtime is not None:
        header.add_child(runtime, name=_RUNTIME_ELEMENT)
    return fmap
