"""The raster overlay of the map (:mod:`landplan.maps`): a GeoTIFF as an embedded PNG.

A land-cover image or an orthophoto is read decimated, reprojected to Web Mercator,
coloured (the land-cover classes, the file's colour map, else grey levels) and embedded in
the page as a ``data:`` URL, so it needs no file next to the page and no network. A
land-cover image gets its own legend.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

import folium
import numpy as np

from ._map_json import _text_name, escape, swatches
from ._map_runtime import RawMacro, _labels


class ImageLayer(folium.raster_layers.ImageOverlay, RawMacro):
    """Folium's image overlay, its script put into the page as text.

    Never re-read as a template: the image is megabytes of base64.
    """


def raster_layer(path: str | Path, *, name: str | None = None, max_size: int = 2048,
                 colors: Mapping[int, str] | None = None, opacity: float = 0.7,
                 show: bool = True) -> folium.raster_layers.ImageOverlay:
    """Show a GeoTIFF (land cover or orthophoto) as an image overlay, embedded as PNG.

    The raster is read at a decimated resolution, reprojected to Web Mercator and
    coloured.

    Parameters
    ----------
    path
        The GeoTIFF (its first band).
    name
        The layer's name in the layer control (shown as text; default: the file's stem).
    max_size
        At most this many pixels a side are read.
    colors
        Class value → ``#RRGGBB``; default: the file's colour map, else grey levels.
    opacity
        Opacity of the image.
    show
        Whether the layer is on when the page opens.

    Returns
    -------
    folium.raster_layers.ImageOverlay
        The image, as a PNG ``data:`` URL.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject, transform_bounds

    with rasterio.open(path) as src:
        scale = max(src.width, src.height) / max_size
        out_w = max(1, int(src.width / max(scale, 1)))
        out_h = max(1, int(src.height / max(scale, 1)))
        data = src.read(1, out_shape=(out_h, out_w), resampling=Resampling.nearest)
        src_transform = src.transform @ src.transform.scale(src.width / out_w,
                                                            src.height / out_h)
        nodata = src.nodata
        try:
            cmap = src.colormap(1)
        except ValueError:
            cmap = None
        left, bottom, right, top = src.bounds
        dst_transform, width, height = calculate_default_transform(
            src.crs, "EPSG:3857", out_w, out_h, left, bottom, right, top)
        dst = np.zeros((height, width), dtype=data.dtype)
        reproject(data, dst, src_transform=src_transform, src_crs=src.crs,
                  dst_transform=dst_transform, dst_crs="EPSG:3857",
                  resampling=Resampling.nearest, src_nodata=nodata, dst_nodata=nodata or 0)
        bounds = transform_bounds(src.crs, 4326, left, bottom, right, top)
    rgba = _colorize(dst, nodata, colors, cmap)
    png = _png(rgba)
    return ImageLayer(
        image=f"data:image/png;base64,{base64.b64encode(png).decode()}",
        bounds=[[bounds[1], bounds[0]], [bounds[3], bounds[2]]], opacity=opacity,
        name=_text_name(name or Path(path).stem), show=show, mercator_project=False)


def _landcover_colors(raster: str | Path, lang: str) -> tuple[dict[int, str] | None, str]:
    """Return the colours and the legend of the land-cover classes in ``raster``.

    When the raster's values are classes of the scheme (``landcover_classes``); else
    ``(None, "")``.
    """
    import rasterio

    from .landcover import landcover_classes

    classes = landcover_classes()
    with rasterio.open(raster) as src:
        sample = src.read(1, out_shape=(min(src.height, 512), min(src.width, 512)))
        nodata = src.nodata
    values = set(np.unique(sample).tolist()) - {nodata}
    if not values or not values <= set(classes["value"]):
        return None, ""
    rows = swatches((c, n) for v, c, n in zip(classes["value"], classes["color"],
                                               classes[f"name_{lang}"], strict=True)
                    if v in values)
    legend = (f'<details class="landplan-panel landplan-cover-legend" '
              f'data-landplan-layer="raster" '
              f'style="bottom:60px;left:380px"><summary><b>'
              f'{escape(_labels(lang)["landcover"])}</b></summary>{rows}</details>')
    return dict(zip(classes["value"], classes["color"], strict=True)), legend


def _colorize(data: np.ndarray, nodata: float | None, colors: Mapping[int, str] | None,
              cmap: Mapping[int, tuple[int, ...]] | None) -> np.ndarray:
    """Return ``data`` as RGBA: class colours (``colors``, else ``cmap``), else grey levels."""
    rgba = np.zeros((*data.shape, 4), dtype=np.uint8)
    valid = np.ones(data.shape, dtype=bool) if nodata is None else data != nodata
    if colors or cmap:
        table = {int(k): _rgba(v) for k, v in (colors or cmap).items()}
        for value, color in table.items():
            rgba[(data == value) & valid] = color
    else:
        finite = data[valid].astype(float)
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        grey = ((data.astype(float) - lo) / ((hi - lo) or 1.0) * 255).clip(0, 255)
        rgba[..., 0] = rgba[..., 1] = rgba[..., 2] = grey.astype(np.uint8)
        rgba[..., 3] = np.where(valid, 255, 0)
    return rgba


def _rgba(color: str | tuple[int, ...]) -> tuple[int, int, int, int]:
    """Return ``#RRGGBB`` or an (r, g, b[, a]) tuple as (r, g, b, a)."""
    if isinstance(color, str):
        h = color.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255
    c = tuple(int(x) for x in color)
    return (*c[:3], c[3] if len(c) > 3 else 255)


def _png(rgba: np.ndarray) -> bytes:
    """Return an RGBA array as a PNG file's bytes."""
    import warnings

    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    height, width = rgba.shape[:2]
    with MemoryFile() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a plain PNG: no georef
        with mem.open(driver="PNG", width=width, height=height, count=4,
                      dtype="uint8") as dst:
            dst.write(np.moveaxis(rgba, -1, 0))
        return bytes(mem.read())
