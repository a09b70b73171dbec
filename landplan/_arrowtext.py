"""Arrow string arrays seen as bytes: cheap tests that let a column skip a costly kernel.

Arrow's regular-expression and Unicode kernels cost a few hundred milliseconds per million
texts, whatever the texts. Most columns need none of them (no formula, no comma, already
NFC, no odd spaces); the tests here look at the UTF-8 bytes of the whole column at once
(numpy views of Arrow's buffers) and say when a kernel would change nothing. They may say
"maybe" wrongly, never "no" wrongly: a "maybe" runs the kernel, whose answer is the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["any_byte", "mostly_repeated", "string_bytes", "text_bytes"]


def string_bytes(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return the UTF-8 bytes of a string array and where each text starts in them.

    ``(data, offsets)``: text ``i`` is ``data[offsets[i]:offsets[i + 1]]`` (numpy views
    of Arrow's buffers, no copy; a null's span is empty or to be ignored).
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], dtype=width)[text.offset:text.offset + len(text) + 1]
    data = (np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None
            else np.zeros(0, dtype=np.uint8))
    return data, offsets


def text_bytes(text: pa.Array) -> np.ndarray:
    """Return the bytes of all the texts of ``text``, one after the other (a view)."""
    if len(text) == 0:
        return np.zeros(0, dtype=np.uint8)
    data, offsets = string_bytes(text)
    return data[offsets[0]:offsets[-1]]


def any_byte(data: np.ndarray, values: bytes) -> bool:
    """Whether one of the bytes ``values`` occurs in ``data``."""
    if not len(data):
        return False
    return bool(np.isin(data, np.frombuffer(values, dtype=np.uint8)).any())


def mostly_repeated(text: pa.Array, sample: int = 1000) -> bool:
    """Whether ``text`` looks like a column of few distinct values (codes, kinds, dates).

    Judged on its first ``sample`` texts: at most one in two distinct. A column so judged is
    best dictionary-encoded and each distinct text handled once.
    """
    if len(text) <= 64:
        return False
    head = text.slice(0, sample)
    return 2 * len(pc.unique(head)) <= len(head)


def join_per_key(keys: np.ndarray, texts: object, sep: str, *,
                 distinct: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Join the texts of each key with ``sep`` (Arrow's list join, no Python loop).

    Returns ``(key, joined)``: the distinct keys in ascending order, and for each the
    texts given for it, in the order given (a missing text counts as empty). With
    ``distinct``, a text repeated within a key is kept once, at its first place.
    """
    keys = np.asarray(keys)
    values = pc.fill_null(pa.array(np.asarray(texts, dtype=object), type=pa.string(),
                                   from_pandas=True), "")
    if distinct:
        again = pd.DataFrame({"k": keys, "t": values.to_pandas()}).duplicated().to_numpy()
        keys, values = keys[~again], values.filter(pa.array(~again))
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else \
        np.zeros(0, dtype=np.int64)
    offsets = pa.array(np.r_[starts, len(keys)].astype(np.int32))
    lists = pa.ListArray.from_arrays(offsets, values.take(pa.array(order)))
    joined = pc.binary_join(lists, sep)
    return keys[starts], joined.to_numpy(zero_copy_only=False).astype(object)
