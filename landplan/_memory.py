"""Giving memory a step has freed back to the system, so that the next step starts low.

Freed memory is not always returned: pyarrow's allocator (mimalloc) keeps the buffers of a
GeoParquet file read or a table written (~350 MB after reading 10⁶ parcels), and glibc's
malloc keeps what the engine's threads and GEOS freed in its arenas (~400 MB after the
overlay of 10⁶ parcels). Neither is in use, but both count in the process's resident memory
and add to the peak of the steps that follow. :func:`release_memory` asks both to give it
back: a few milliseconds, tens when there is much to return.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

import pyarrow as pa

__all__ = ["release_memory"]


def release_memory() -> None:
    """Return the memory pyarrow's pool and glibc's malloc hold unused to the system."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:
    """Return glibc's ``malloc_trim``, or None where there is none (not Linux, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim
