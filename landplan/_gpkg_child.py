"""Write an Arrow stream file as a GeoPackage layer: run as a script by :mod:`landplan._gpkg`.

``python _gpkg_child.py STREAM GPKG SETTINGS_JSON``. GDAL holds Python's GIL while it
writes (pyogrio's ``write_arrow``), so a large layer written in a thread stalls the other
writers for seconds; this script runs it in a process of its own. It imports only pyarrow
and pyogrio (not landplan), reads the stream memory-mapped and removes it when done.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Write the layer; exit status 0 when written (GDAL's message on stderr otherwise)."""
    import pyarrow as pa
    from pyogrio.raw import write_arrow

    stream, gpkg, settings = Path(argv[0]), argv[1], json.loads(argv[2])
    with pa.memory_map(str(stream)) as source:
        write_arrow(pa.ipc.open_stream(source), gpkg, **settings)
    stream.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
