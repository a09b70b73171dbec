"""The compact layer encoding of the map page (:mod:`landplan.maps`), and its reader.

A layer's features go into the page as one JSON object that ``data/map/codec.js`` turns
back into a GeoJSON FeatureCollection in the browser:

``n``
    the number of features;
``f``, ``k``, ``r``, ``v``
    the structure, as integer streams: parts per feature, kind of each part (``0`` point,
    ``1`` line, ``2`` polygon; left out when every part is a polygon), point sequences per
    part (a polygon's rings) and vertices per sequence (a polygon ring's closing vertex is
    left out);
``c``
    the coordinates, quantised to ``10⁻⁶`` (the 6 decimals the map always rounded to,
    ~0.1 m) and written as the differences between consecutive values (x and y
    interleaved, running through the whole layer) — small numbers for the neighbouring
    vertices of a parcel;
``p``
    the properties, column by column: a plain list (``null`` for missing), or, for a
    column with few distinct values (statuses, codes, rules), ``{"d": [values], "i":
    stream}`` where ``i`` gives each feature's value as ``1 +`` its index in ``d`` (``0``:
    missing).

An integer stream is a string of variable-length numbers: each character of
:data:`ALPHABET` carries 5 bits, low bits first, and 32 is added while more follow; signed
values (the coordinate differences) are zig-zag encoded first. The streams are letters,
digits, ``-`` and ``_`` only, and every other value goes through
:func:`landplan._map_json._js`, so the object is safe inside a ``<script>`` element.
Everything is computed with NumPy and shapely's array functions, with no loop over
features. :func:`encode_layer` also gives each feature's share of the text, which the
map's splitting (:mod:`landplan._map_split`) plans with; :func:`read_layers` reads the
layers of a saved page back (the tests use it).
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["ALPHABET", "decode_layer", "encode_ints", "encode_layer", "read_layers"]

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
"""The 64 characters of an integer stream, by value (the base64url alphabet)."""

SCALE = 10**6  # coordinates in 10⁻⁶ units: the 6 decimals of the map (~0.1 m)
_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_POINT, _LINE, _POLYGON = 0, 1, 2
_MAX_DIGITS = 13  # 64 bits in groups of 5


def encode_ints(values: np.ndarray) -> tuple[str, np.ndarray]:
    """Return non-negative integers as one stream, and how many characters each took.

    Parameters
    ----------
    values
        Integers ``>= 0`` (any integer dtype; they fit in 64 bits).

    Returns
    -------
    tuple
        The stream (characters of :data:`ALPHABET`) and each value's character count.
    """
    z = np.asarray(values).astype(np.uint64, copy=False).ravel()
    if not z.size:
        return "", np.zeros(0, dtype=np.int64)
    digits = np.ones(z.size, dtype=np.int64)
    for shift in range(5, 5 * _MAX_DIGITS, 5):
        digits += z >= (np.uint64(1) << np.uint64(shift))
    starts = np.cumsum(digits) - digits
    owner = np.repeat(np.arange(z.size), digits)
    place = np.arange(int(digits.sum())) - starts[owner]
    group = (z[owner] >> (np.uint64(5) * place.astype(np.uint64))) & np.uint64(31)
    symbol = group.astype(np.int64) + 32 * (place < digits[owner] - 1)
    return _BYTES[symbol].tobytes().decode("ascii"), digits


def _zigzag(d: np.ndarray) -> np.ndarray:
    """Return signed integers as non-negative ones: 0, -1, 1, -2 → 0, 1, 2, 3."""
    d = d.astype(np.int64)
    return ((d << 1) ^ (d >> 63)).view(np.uint64)


def _flatten(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the single parts of ``geoms`` (points, lines, polygons) and their feature."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while True:  # a collection may hold multi-part geometries: explode until none is left
        multi = shapely.get_type_id(parts) >= 4
        if not multi.any():
            break
        inner, where = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], inner])
        owner = np.concatenate([owner[~multi], owner[multi][where]])
        order = np.argsort(owner, kind="stable")
        parts, owner = parts[order], owner[order]
    keep = ~shapely.is_empty(parts)
    return parts[keep], owner[keep]


def _sequences(parts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each part's kind, and its point sequences (a polygon's rings) with their part."""
    type_id = shapely.get_type_id(parts)
    kind = np.where(type_id == 3, _POLYGON, np.where(type_id == 0, _POINT, _LINE))
    polygon = np.flatnonzero(kind == _POLYGON)
    rings, ring_of = shapely.get_rings(parts[polygon], return_index=True)
    other = np.flatnonzero(kind != _POLYGON)
    seqs = np.concatenate([rings, parts[other]])
    seq_part = np.concatenate([polygon[ring_of], other])
    order = np.argsort(seq_part, kind="stable")
    return kind, seqs[order], seq_part[order]


def _geometry(geoms: np.ndarray, n: int) -> tuple[dict[str, str], np.ndarray]:
    """Return the structure and coordinate streams of ``geoms``, and each feature's chars."""
    parts, part_feature = _flatten(geoms)
    kind, seqs, seq_part = _sequences(parts)
    coords, coord_seq = shapely.get_coordinates(seqs, return_index=True)
    counts = np.bincount(coord_seq, minlength=len(seqs))
    closing = np.zeros(len(coords), dtype=bool)
    ring = (kind[seq_part] == _POLYGON) & (counts > 0)
    closing[(np.cumsum(counts) - 1)[ring]] = True  # a ring's last vertex repeats its first
    coords, coord_seq = coords[~closing], coord_seq[~closing]
    counts = counts - ring
    q = np.rint(coords * SCALE).astype(np.int64)
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    streams, cost = {}, np.zeros(n, dtype=np.int64)
    text, digits = encode_ints(_zigzag(delta))
    streams["c"] = text
    np.add.at(cost, part_feature[seq_part[np.repeat(coord_seq, 2)]], digits)
    for key, values, owner in (
            ("f", np.bincount(part_feature, minlength=n), np.arange(n)),
            ("k", kind, part_feature),
            ("r", np.bincount(seq_part, minlength=len(parts)), part_feature),
            ("v", counts, part_feature[seq_part])):
        if key == "k" and (kind == _POLYGON).all():
            continue
        text, digits = encode_ints(values)
        streams[key] = text
        np.add.at(cost, owner, digits)
    return streams, cost


def _column(values: pd.Series) -> tuple[Any, np.ndarray]:
    """Return one property column as JSON-ready data, and each value's approximate bytes.

    Floats are rounded to one decimal, dates written ``YYYY-MM-DD``, missing values are
    ``None``; a column with few distinct values is written as a dictionary and a stream.
    """
    n = len(values)
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype(object)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = values.dt.strftime("%Y-%m-%d").astype(object)
    if pd.api.types.is_integer_dtype(values.dtype):
        whole = values.astype("Int64")
        data = [None if pd.isna(x) else int(x) for x in whole.tolist()]
        return data, np.full(n, 8, dtype=np.int64)
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = np.round(values.to_numpy(dtype=float), 1)
        data = [None if np.isnan(x) else float(x) for x in numbers.tolist()]
        return data, np.full(n, 7, dtype=np.int64)
    cells = values.to_numpy(dtype=object)
    missing = pd.isna(cells)
    codes, uniques = pd.factorize(pd.Series(np.where(missing, None, cells), dtype=object),
                                  use_na_sentinel=True)
    uniques = [_plain(u) for u in uniques]
    if 2 * len(uniques) <= n:
        text, digits = encode_ints(codes + 1)
        return {"d": uniques, "i": text}, digits
    data = [None if c < 0 else uniques[c] for c in codes.tolist()]
    return data, np.where(codes < 0, 5, _text_bytes(uniques)[codes] + 3)


def _text_bytes(values: list[Any]) -> np.ndarray:
    """Return the UTF-8 length of each value's text (an estimate of its JSON's length)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array([v if isinstance(v, str) else str(v) for v in values], pa.string())
    return np.asarray(pc.binary_length(text).to_numpy(zero_copy_only=False), dtype=np.int64)


def _plain(value: Any) -> Any:
    """Return a property value as JSON-friendly Python (text, whole number, bool)."""
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 1)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def encode_layer(geoms: np.ndarray, props: pd.DataFrame) -> tuple[dict[str, Any], np.ndarray]:
    """Encode a layer's features (see the module's description).

    Parameters
    ----------
    geoms
        The geometries, none missing or empty, in the page's coordinates (EPSG:4326).
    props
        Their properties, aligned with ``geoms``; keep keys short.

    Returns
    -------
    tuple
        The layer as JSON-ready data (to be written with
        :func:`landplan._map_json._js`), and the approximate number of bytes each feature
        takes in it.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    streams, cost = _geometry(geoms, n)
    columns = {}
    for key in props.columns:
        columns[str(key)], size = _column(props[key].reset_index(drop=True))
        cost += size
    return {"n": n, **streams, "p": columns}, cost


# --------------------------------------------------------------------------- reading back


def _ints(text: str) -> list[int]:
    """Return the integers of a stream (the inverse of :func:`encode_ints`)."""
    out, value, shift = [], 0, 0
    table = {c: i for i, c in enumerate(ALPHABET)}
    for char in text:
        symbol = table[char]
        value |= (symbol & 31) << shift
        if symbol & 32:
            shift += 5
        else:
            out.append(value)
            value, shift = 0, 0
    return out


def decode_layer(data: dict[str, Any]) -> tuple[list[Any], list[dict[str, Any]]]:
    """Return the geometries (shapely) and properties of an encoded layer.

    The inverse of :func:`encode_layer` (coordinates as quantised, polygon rings closed
    again); the page's own decoder is ``data/map/codec.js``.
    """
    n = data["n"]
    parts_of, seqs_of, verts = (_ints(data[k]) for k in ("f", "r", "v"))
    kinds = _ints(data["k"]) if "k" in data else [_POLYGON] * len(seqs_of)
    z = np.array(_ints(data["c"]), dtype=np.uint64).view(np.int64)
    xy = np.cumsum(((z >> 1) ^ -(z & 1)).reshape(-1, 2), axis=0) / SCALE
    geoms, part, seq, at = [], 0, 0, 0
    for count in parts_of:
        pieces, kinds_here = [], set(kinds[part:part + count])
        for _ in range(count):
            rings = []
            for _ in range(seqs_of[part]):
                rings.append(xy[at:at + verts[seq]])
                at += verts[seq]
                seq += 1
            pieces.append(_piece(kinds[part], rings))
            part += 1
        geoms.append(_combined(pieces, kinds_here))
    props = [{} for _ in range(n)]
    for key, column in data["p"].items():
        if isinstance(column, dict):
            values = [None if i == 0 else column["d"][i - 1] for i in _ints(column["i"])]
        else:
            values = column
        for record, value in zip(props, values, strict=True):
            if value is not None:
                record[key] = value
    return geoms, props


def _combined(pieces: list[Any], kinds: set[int]) -> Any:
    """Return a feature's decoded parts as one geometry (None when it has none)."""
    if len(pieces) < 2:
        return pieces[0] if pieces else None
    if len(kinds) > 1:
        return shapely.GeometryCollection(pieces)
    multi = {_POINT: shapely.MultiPoint, _LINE: shapely.MultiLineString,
             _POLYGON: shapely.MultiPolygon}
    return multi[kinds.pop()](pieces)


def _piece(kind: int, rings: list[np.ndarray]) -> Any:
    """Return one decoded part as a shapely geometry."""
    if kind == _POINT:
        return shapely.points(rings[0][0])
    if kind == _LINE:
        return shapely.linestrings(rings[0])
    return shapely.Polygon(rings[0], rings[1:])


_LAYER = re.compile(r"LANDPLAN\.layer\((\"(?:[^\"\\]|\\.)*\")\s*,\s*")


def read_layers(html: str) -> dict[str, tuple[list[Any], list[dict[str, Any]]]]:
    """Return every landplan layer of a saved map page, by its key, decoded.

    Parameters
    ----------
    html
        The text of a page written by :func:`landplan.make_map` or the map writer.

    Returns
    -------
    dict
        Layer key (``"decisions"``, ``"findings"``, ``"plan:v1"``, ``"units"`` …) →
        (geometries, properties), as :func:`decode_layer` gives them.
    """
    decoder = json.JSONDecoder()
    out = {}
    for match in _LAYER.finditer(html):
        key = json.loads(match.group(1))
        data, _ = decoder.raw_decode(html, match.end())
        out[key] = decode_layer(data)
    return out
