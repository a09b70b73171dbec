r"""Uploads of the batch jobs (:mod:`landplan._serve_jobs`): received and checked safely.

An upload is a multipart body with one file (a zipped shapefile or a GeoPackage). It is
streamed into the job's own folder as it arrives, never held whole in memory; the body's
size is counted as it comes and the upload is refused (413) past the limit. Then:

- the file's first bytes say what it is: a zip (``PK\x03\x04``) or an SQLite database (a
  GeoPackage); anything else is "not a layer" (422);
- a zip is judged from its central directory before anything is extracted: every name
  relative and inside the folder (no ``..``, no absolute path, no drive letter, no
  backslash: *zip-slip*), at most :data:`MAX_ENTRIES` entries, a total uncompressed size and
  a compression ratio under the limits (*zip bombs*). Extraction then copies each entry with
  a cap on the bytes it may produce (a lying central directory is caught too);
- a GeoPackage cut off mid-way is recognised from its header (the page count times the page
  size is more than the file holds).

Nothing is ever written outside the job's folder.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ._serve_errors import ApiError

MAX_ENTRIES = 1000
"""Most entries a zip may hold."""
MAX_RATIO = 100.0
"""Largest ratio of uncompressed to compressed bytes, over the archive."""
MIN_RATIO_BYTES = 1 << 20
"""Archives expanding to less than this are not judged by their ratio."""
CHUNK = 1 << 16
LAYER_SUFFIXES = (".shp", ".gpkg")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive, an empty archive
_SQLITE_MAGIC = b"SQLite format 3\x00"
_DRIVE = re.compile(r"^[A-Za-z]:")



@dataclass
class Limits:
    """The limits of an upload."""

    max_bytes: int = 200 << 20
    """Largest request body (``--max-upload-mb``)."""
    max_unzipped: int = 2 << 30
    """Largest total uncompressed size of a zip."""
    max_ratio: float = MAX_RATIO
    max_entries: int = MAX_ENTRIES


@dataclass
class Received:
    """What the multipart body held: the file (its name, where it was written) and fields."""

    filename: str | None = None
    path: Path | None = None
    fields: dict[str, str] = field(default_factory=dict)


class MultipartSink:
    """Parse a multipart body fed in chunks: the part ``file`` is written to ``path``.

    Other parts are short text fields (at most 200 bytes each). :meth:`feed` raises
    :class:`ApiError` ``upload_too_large`` as soon as ``limit`` bytes are passed.
    """

    def __init__(self, content_type: str, path: Path, limit: int) -> None:
        from python_multipart.multipart import MultipartParser, parse_options_header

        kind, options = parse_options_header(content_type or "")
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise ApiError("no_upload", detail="the body is not multipart/form-data")
        self.path, self.limit, self.size = path, limit, 0
        self.received = Received()
        self.ended = False
        self._file = None
        self._headers: dict[bytes, bytes] = {}
        self._header_field = self._header_value = b""
        self._name: str | None = None
        self._text = bytearray()
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._field,
            "on_header_value": self._value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done, "on_part_data": self._data,
            "on_part_end": self._part_end, "on_end": self._end})

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise ApiError("upload_too_large", limit_mb=self.limit / (1 << 20))
        from python_multipart.exceptions import MultipartParseError

        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise ApiError("no_upload", detail=f"unreadable multipart body ({exc})") from exc

    def close(self) -> Received:
        """Return what was received; raises when the body ended early or held no file."""
        self.close_file()
        if not self.ended:
            raise ApiError("upload_incomplete",
                           detail=f"{self.size:,} bytes received, the body has no end")
        if self.received.path is None:
            raise ApiError("no_upload", detail="no field 'file'")
        return self.received

    def close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _begin(self) -> None:
        self._headers, self._name, self._text = {}, None, bytearray()

    def _field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_done(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == "file":
            if self.received.path is not None:
                raise ApiError("no_upload", detail="more than one field 'file'")
            raw = options.get(b"filename", b"upload").decode("utf-8", "replace")
            self.received.filename = raw.replace("\\", "/").rsplit("/", 1)[-1][:200]
            self.received.path = self.path
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed in _part_end/close

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
        elif len(self._text) + end - start <= 200:
            self._text += data[start:end]
        else:
            raise ApiError("no_upload", detail=f"field '{self._name}' is too long")

    def _part_end(self) -> None:
        if self._file is not None:
            self.close_file()
        elif self._name:
            self.received.fields[self._name] = self._text.decode("utf-8", "replace")

    def _end(self) -> None:
        self.ended = True


def unsafe_name(name: str) -> bool:
    """Whether a zip entry's name could land outside the folder it is extracted into."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or _DRIVE.match(name):
        return True
    return any(part == ".." for part in PurePosixPath(name).parts)


def check_zip(archive: zipfile.ZipFile, size: int, limits: Limits) -> list[zipfile.ZipInfo]:
    """Judge a zip from its central directory; return the entries to extract (files only)."""
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise ApiError("zip_too_large",
                       detail=f"{len(entries):,} entries (at most {limits.max_entries:,})")
    for info in entries:
        if unsafe_name(info.filename):
            raise ApiError("unsafe_zip", name=repr(info.filename)[:200])
    total = sum(info.file_size for info in entries)
    if total > limits.max_unzipped:
        raise ApiError("zip_too_large", detail=f"{total:,} bytes uncompressed (at most "
                                               f"{limits.max_unzipped:,})")
    packed = max(sum(info.compress_size for info in entries), 1)
    if total >= MIN_RATIO_BYTES and total / packed > limits.max_ratio:
        raise ApiError("zip_too_large", detail=f"compression ratio {total / packed:,.0f}:1 "
                                               f"(at most {limits.max_ratio:g}:1)")
    return [info for info in entries if not info.is_dir()]


def extract_zip(path: Path, folder: Path, limits: Limits, name: str) -> None:
    """Check and extract a zip into ``folder``, each entry capped at its declared size."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ApiError("upload_incomplete",
                       detail=f"{name} is not a whole zip archive ({exc})") from exc
    with archive:
        entries = check_zip(archive, path.stat().st_size, limits)
        root = folder.resolve()
        for info in entries:
            target = (folder / info.filename).resolve()
            if root not in target.parents:  # belt and braces after unsafe_name
                raise ApiError("unsafe_zip", name=repr(info.filename)[:200])
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "wb") as out:
                    _copy_capped(source, out, info.file_size, info.filename)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
                raise ApiError("upload_incomplete",
                               detail=f"{info.filename} in {name} cannot be read ({exc})"
                               ) from exc


def _copy_capped(source, out, declared: int, name: str) -> None:
    written = 0
    while chunk := source.read(CHUNK):
        written += len(chunk)
        if written > declared:
            raise ApiError("zip_too_large", detail=f"{name} expands beyond its declared "
                                                   f"{declared:,} bytes")
        out.write(chunk)


def check_gpkg(path: Path, name: str) -> None:
    """Refuse a GeoPackage whose header promises more pages than the file holds."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100:
        raise ApiError("upload_incomplete", detail=f"{name}: {size:,} bytes, no whole header")
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(header[28:32], "big")
    if page and pages and pages * page > size:
        raise ApiError("upload_incomplete", detail=f"{name}: {size:,} bytes of "
                                                   f"{pages * page:,}")


def unpack(upload: Path, folder: Path, name: str, limits: Limits) -> Path:
    """Turn the uploaded file into the layer to read, inside ``folder``; return its path."""
    with open(upload, "rb") as f:
        head = f.read(16)
    folder.mkdir()
    if head[:4] in _ZIP_MAGIC:
        extract_zip(upload, folder, limits, name)
        upload.unlink()
    elif head == _SQLITE_MAGIC:
        check_gpkg(upload, name)
        os.replace(upload, folder / "decisions.gpkg")
    else:
        what = "empty" if not head else "neither a zip archive nor a GeoPackage"
        raise ApiError("not_a_layer", name=name, detail=what)
    return find_layer(folder, name)


def find_layer(folder: Path, name: str) -> Path:
    """Return the one layer file (.shp, .gpkg) in ``folder`` (any depth)."""
    layers = sorted(p for p in folder.rglob("*") if p.is_file()
                    and p.suffix.lower() in LAYER_SUFFIXES
                    and not any(part.startswith("__MACOSX") for part in p.parts))
    if not layers:
        shown = ", ".join(sorted(p.name for p in folder.rglob("*") if p.is_file())[:5])
        raise ApiError("not_a_layer", name=name,
                       detail=f"no .shp or .gpkg inside (it holds: {shown or 'nothing'})")
    if len(layers) > 1:
        shown = ", ".join(str(p.relative_to(folder)) for p in layers[:5])
        raise ApiError("not_a_layer", name=name, detail=f"several layers inside ({shown}): "
                                                        "send one")
    return layers[0]


def remove(path: Path) -> None:
    """Remove a job's folder (or file), quietly."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
