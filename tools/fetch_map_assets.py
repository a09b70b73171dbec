#!/usr/bin/env python3
"""Fetch the pinned Leaflet scripts and styles that landplan inlines in offline maps.

Writes ``landplan/data/assets/``: one folder per npm package holding the shipped
JavaScript and CSS files and the package's licence, plus ``assets.toml`` (the manifest
``landplan.maps.inline_assets`` reads) and ``README.md``. Every image a stylesheet refers
to is inlined as a base64 ``data:`` URI, so the shipped CSS makes no request.

Usage (from the repository root)::

    python tools/fetch_map_assets.py           # download with ``npm pack`` and rewrite
    python tools/fetch_map_assets.py --verify  # offline: check the shipped files

Downloading needs only ``npm`` (the npm registry); the script uses the standard library
otherwise. Each tarball's integrity is pinned below, so a re-run writes byte-identical
files; to move to a new version, change ``version`` and ``integrity`` of its entry (the
error message prints the new integrity) and re-run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "landplan" / "data" / "assets"
MAX_TOTAL_BYTES = 1_000_000


@dataclass(frozen=True)
class Asset:
    key: str  # the name folium gives the resource in ``default_js`` / ``default_css``
    kind: str  # "js" or "css"
    src: str  # path inside the npm tarball (below its top folder)
    dest: str  # file name in the package's folder under assets/


@dataclass(frozen=True)
class Package:
    name: str  # npm name
    version: str
    integrity: str  # npm's sha512 integrity of the tarball
    spdx: str  # SPDX licence id
    license_src: str  # licence file inside the tarball
    assets: tuple[Asset, ...]
    folder: str = ""  # folder under assets/ (default: the npm name)
    # Declarations to drop from the CSS before inlining (legacy-browser hacks whose url()
    # is not a file); each must occur, so an upstream change is noticed.
    drop: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def dir(self) -> str:
        return self.folder or self.name


# Versions are those folium 0.20 loads from its CDNs (folium.folium._default_js and the
# plugins' default_js / default_css), taken from npm instead.
PACKAGES: tuple[Package, ...] = (
    Package(
        name="leaflet",
        version="1.9.3",
        integrity=("sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/"
                   "2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ=="),
        spdx="BSD-2-Clause",
        license_src="LICENSE",
        assets=(
            Asset("leaflet", "js", "dist/leaflet.js", "leaflet.js"),
            Asset("leaflet_css", "css", "dist/leaflet.css", "leaflet.css"),
        ),
        drop=("behavior: url(#default#VML);",),
        notes=("`.lvml { behavior: url(#default#VML) }` (old Internet Explorer VML) dropped",),
    ),
    Package(
        name="leaflet.fullscreen",
        version="3.0.0",
        integrity=("sha512-81wWSUXz1ZtdneR0v5eJDWXUSx+Zo5J50WXWeydG/Uc"
                   "ILfIEAgz/iOjZSi3p00Z9MJ/FC/P5i3CgdYuEAos0yQ=="),
        spdx="MIT",
        license_src="LICENSE",
        assets=(
            # The npm package has no minified build (folium's CDN minifies on the fly).
            Asset("Control.Fullscreen.js", "js", "Control.FullScreen.js", "Control.FullScreen.js"),
            Asset("Control.FullScreen.css", "css", "Control.FullScreen.css",
                  "Control.FullScreen.css"),
        ),
    ),
    Package(
        name="leaflet-search",
        version="2.9.7",
        integrity=("sha512-v7CxEbXyQXqLFjSkTpvM5i1cvmrcPOos57UmTnR94qq"
                   "vVZykXyz/0SKEs3cbkFHjyrmMQ3Yk2Q5W6PvyuiSuPg=="),
        spdx="MIT",
        license_src="license.txt",
        assets=(
            Asset("Leaflet.Search.js", "js", "dist/leaflet-search.min.js",
                  "leaflet-search.min.js"),
            Asset("Leaflet.Search.css", "css", "dist/leaflet-search.min.css",
                  "leaflet-search.min.css"),
        ),
    ),
    Package(
        name="leaflet-measure",
        version="2.1.7",
        integrity=("sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/H"
                   "h33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug=="),
        spdx="MIT",
        license_src="LICENSE",
        assets=(
            # folium loads dist/leaflet-measure.min.js of the GitHub tag 2.1.7; the npm
            # package has the same file. It has no minified CSS.
            Asset("leaflet_measure_js", "js", "dist/leaflet-measure.min.js",
                  "leaflet-measure.min.js"),
            Asset("leaflet_measure_css", "css", "dist/leaflet-measure.css",
                  "leaflet-measure.css"),
        ),
    ),
    Package(
        name="leaflet-minimap",
        version="3.6.1",
        integrity=("sha512-6px8f6cfv1rKB6ACpL6bbUFGxipZOq4KsntJgBj9nOc"
                   "W1RYa5+xFp8emOZwks9X+VtVVsQEwWwfgT1kTTL/LzA=="),
        spdx="BSD-2-Clause",
        license_src="LICENSE.txt",
        assets=(
            Asset("Control_MiniMap_js", "js", "dist/Control.MiniMap.min.js",
                  "Control.MiniMap.min.js"),
            Asset("Control_MiniMap_css", "css", "dist/Control.MiniMap.min.css",
                  "Control.MiniMap.min.css"),
        ),
    ),
)

# package.json licence strings that are not SPDX ids.
SPDX_ALIASES = {"MIT License": "MIT"}

MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}

URL_RE = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>.*?)(?P=q)\s*\)""", re.IGNORECASE)
NON_DATA_URL_RE = re.compile(r"""url\(\s*(?!['"]?data:)""", re.IGNORECASE)
REMOTE_RE = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class AssetError(RuntimeError):
    pass


# --- download and extract ----------------------------------------------------------------

def _npm(*args: str, cwd: Path | None = None) -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm is not on PATH")
    proc = subprocess.run([npm, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssetError(f"npm {' '.join(args)} failed:\n{proc.stderr.strip()}")
    return proc.stdout


def npm_pack(pkg: Package, dest: Path) -> Path:
    """Download ``pkg``'s tarball into ``dest`` and check its pinned integrity."""
    spec = f"{pkg.name}@{pkg.version}"
    found = _npm("view", spec, "version").strip()
    if found != pkg.version:
        raise AssetError(f"npm has no {spec} (npm view says {found!r})")
    info = json.loads(_npm("pack", spec, "--json", "--pack-destination", str(dest)))[0]
    tarball = dest / info["filename"]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    integrity = f"sha512-{digest}"
    if integrity != pkg.integrity:
        raise AssetError(f"{spec}: tarball integrity {integrity} != pinned {pkg.integrity}")
    return tarball


def safe_extract(tarball: Path, dest: Path) -> Path:
    """Extract the regular files of ``tarball`` into ``dest``; return its top folder.

    Refuses members with absolute paths or ``..``, links and special files.
    """
    dest = dest.resolve()
    tops = set()
    with tarfile.open(tarball, "r:gz") as tar:
        members = tar.getmembers()
        for m in members:
            path = PurePosixPath(m.name)
            if path.is_absolute() or m.name.startswith(("/", "\\")) or ".." in path.parts \
                    or "\\" in m.name or ":" in m.name:
                raise AssetError(f"{tarball.name}: unsafe member name {m.name!r}")
            if not (m.isfile() or m.isdir()):
                raise AssetError(f"{tarball.name}: refusing link or special file {m.name!r}")
            target = (dest / path).resolve()
            if not target.is_relative_to(dest):
                raise AssetError(f"{tarball.name}: member escapes {dest}: {m.name!r}")
            tops.add(path.parts[0])
        for m in members:
            target = dest / PurePosixPath(m.name)
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(m)
            if src is None:
                raise AssetError(f"{tarball.name}: cannot read {m.name!r}")
            with src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    if len(tops) != 1:
        raise AssetError(f"{tarball.name}: expected one top folder, got {sorted(tops)}")
    return dest / tops.pop()


# --- CSS ---------------------------------------------------------------------------------

def inline_css(css: str, css_path: Path, root: Path, drop: tuple[str, ...] = ()) -> str:
    """``css`` with every ``url(file)`` replaced by a base64 ``data:`` URI.

    ``css_path`` is the stylesheet's location inside the extracted package ``root``; files
    must lie inside ``root``. Remote URLs and ``@import`` are errors.
    """
    for decl in drop:
        if decl not in css:
            raise AssetError(f"{css_path.name}: expected {decl!r} to drop")
        css = css.replace(decl, "")
    if re.search(r"@import\b", css, re.IGNORECASE):
        raise AssetError(f"{css_path.name}: @import is not allowed")
    root = root.resolve()

    def repl(match: re.Match[str]) -> str:
        url = match.group("url").strip()
        if url.lower().startswith("data:"):
            return match.group(0)
        if REMOTE_RE.match(url) or url.startswith("#"):
            raise AssetError(f"{css_path.name}: url({url}) is not a packaged file")
        rel = url.split("?", 1)[0].split("#", 1)[0]
        target = (css_path.parent / rel).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise AssetError(f"{css_path.name}: url({url}) is not a file of the package")
        mime = MIME.get(target.suffix.lower())
        if mime is None:
            raise AssetError(f"{css_path.name}: no MIME type known for {url}")
        data = base64.b64encode(target.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{data}")'

    out = URL_RE.sub(repl, css)
    if NON_DATA_URL_RE.search(out):
        raise AssetError(f"{css_path.name}: a url() is left that is not a data: URI")
    return out


# --- manifest ----------------------------------------------------------------------------

def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(out: Path, workdir: Path) -> list[dict[str, object]]:
    """Download every package and write its files under ``out``; return manifest rows."""
    rows: list[dict[str, object]] = []
    out.mkdir(parents=True, exist_ok=True)
    for pkg in PACKAGES:
        spec = f"{pkg.name}@{pkg.version}"
        print(f"{spec}: npm pack", file=sys.stderr)
        tarball = npm_pack(pkg, workdir)
        root = safe_extract(tarball, workdir / f"x-{pkg.name}")
        meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
        if meta.get("version") != pkg.version:
            raise AssetError(f"{spec}: package.json says version {meta.get('version')}")
        declared = str(meta.get("license"))
        if SPDX_ALIASES.get(declared, declared) != pkg.spdx:
            raise AssetError(f"{spec}: package.json licence {declared!r} != {pkg.spdx}")

        folder = out / pkg.dir
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        licence = (root / pkg.license_src).read_bytes()
        (folder / "LICENSE").write_bytes(licence)
        for asset in pkg.assets:
            src = root / asset.src
            text = src.read_text(encoding="utf-8")
            how = f"npm pack {spec}, file {asset.src}"
            if asset.kind == "css":
                inlined = inline_css(text, src, root, pkg.drop)
                if inlined != text:
                    how += "; images inlined as data URIs"
                text = inlined
            data = text.encode("utf-8")
            (folder / asset.dest).write_bytes(data)
            rows.append({
                "key": asset.key,
                "kind": asset.kind,
                "path": f"{pkg.dir}/{asset.dest}",
                "package": pkg.name,
                "version": pkg.version,
                "license": pkg.spdx,
                "license_file": f"{pkg.dir}/LICENSE",
                "license_sha256": _sha256(licence),
                "bytes": len(data),
                "sha256": _sha256(data),
                "source": how,
                "tarball_integrity": pkg.integrity,
            })
    write_manifest(out, rows)
    write_readme(out, rows)
    return rows


def write_manifest(out: Path, rows: list[dict[str, object]]) -> None:
    lines = [
        "# Pinned Leaflet scripts and styles that landplan inlines in offline maps.",
        "# Generated by tools/fetch_map_assets.py: do not edit by hand, re-run the script.",
        "# key: the name folium uses in default_js / default_css; path: relative to this",
        "# folder; sha256: of the shipped file.",
        "",
    ]
    for row in rows:
        lines.append("[[asset]]")
        lines.extend(f"{k} = {_toml(v)}" for k, v in row.items())
        lines.append("")
    (out / "assets.toml").write_text("\n".join(lines), encoding="utf-8")


README = """\
# Offline map assets

Pinned copies of Leaflet and the Leaflet plugins that landplan's Folium maps use, shipped
as package data so that a map saved with `offline=True` (the CLI's default) is one
self-contained HTML file that makes **no network request**: district and commune field
inspectors open these maps on laptops and tablets without a connection, and a saved map
must keep working years later without depending on a CDN.

`landplan.maps.inline_assets` reads `assets.toml` and replaces each script and stylesheet
that folium would load from a CDN (matched by folium's own name for it, the `key`) by an
inline `<script>` / `<style>` with the file's text.

| key | file | package | version | licence | bytes |
| --- | --- | --- | --- | --- | ---: |
{table}

Total of these files and the licences: {total:,} bytes. Each folder holds the package's
licence as `LICENSE` (copied unchanged from the npm tarball).

## What was changed from upstream

Nothing in the JavaScript. In the stylesheets, every `url(...)` that points to an image
is replaced by a base64 `data:` URI of that image (same bytes, MIME type from the file
extension), so the CSS makes no request. Also:

{notes}

Versions are the ones folium 0.20 loads from its CDNs, so an offline map behaves like an
online one. Leaflet is 1.9.3, folium's pin, not the newer 1.9.4. Where folium asks a CDN
for a minified file the npm package lacks, the unminified file is shipped
(`Control.FullScreen.js`, `leaflet-measure.css`); folium's MiniMap loads
`Control.MiniMap.js`, the minified build of the same source is shipped.

## Known runtime requests in the scripts

The shipped files fetch nothing by themselves, but some features would if used:

- Leaflet's default marker icon (`L.marker` without an `icon`, e.g. `folium.Marker` or a
  point `folium.GeoJson` without `marker=`) loads `marker-icon.png`, `marker-icon-2x.png`
  and `marker-shadow.png` next to the HTML file. landplan layers draw points as circle
  markers.
- leaflet-search queries a server only when given a `url` option (landplan searches a
  layer).
- MiniMap and `folium.Map` fetch tiles only for a tile layer; offline maps use none.

## Refreshing

Run `python tools/fetch_map_assets.py` from the repository root (needs `npm`). It
downloads each tarball with `npm pack`, checks its pinned integrity, extracts it safely,
inlines the images, and rewrites this folder: the package folders, `assets.toml` (with
the sha256 of every file) and this README. To change a version, edit its entry in the
script (`version` and `integrity`) and re-run. `python tools/fetch_map_assets.py
--verify` checks the shipped files offline.
"""


def write_readme(out: Path, rows: list[dict[str, object]]) -> None:
    table = "\n".join(
        f"| `{r['key']}` | `{r['path']}` | {r['package']} | {r['version']} | {r['license']} "
        f"| {r['bytes']:,} |" for r in rows)
    total = sum(int(r["bytes"]) for r in rows) + sum(
        (out / p.dir / "LICENSE").stat().st_size for p in PACKAGES)
    notes = "\n".join(f"- {p.name}: {n}." for p in PACKAGES for n in p.notes) or "- nothing"
    (out / "README.md").write_text(README.format(table=table, total=total, notes=notes),
                                   encoding="utf-8")


# --- verification ------------------------------------------------------------------------

def verify(out: Path) -> list[str]:
    """Problems with the shipped files (empty when all is well); needs no network."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    problems = []
    with open(out / "assets.toml", "rb") as f:
        rows = tomllib.load(f)["asset"]
    expected = {(a.key, f"{p.dir}/{a.dest}") for p in PACKAGES for a in p.assets}
    listed = {(r["key"], r["path"]) for r in rows}
    if listed != expected:
        problems.append(f"assets.toml lists {sorted(listed)}, script ships {sorted(expected)}")
    for row in rows:
        for name, digest in (("path", "sha256"), ("license_file", "license_sha256")):
            path = out / row[name]
            if not path.is_file():
                problems.append(f"{row[name]}: missing")
            elif _sha256(path.read_bytes()) != row[digest]:
                problems.append(f"{row[name]}: sha256 does not match assets.toml")
        path = out / row["path"]
        if row["kind"] == "css" and path.is_file():
            css = path.read_text(encoding="utf-8")
            if NON_DATA_URL_RE.search(css):
                problems.append(f"{row['path']}: url() that is not a data: URI")
            if re.search(r"@import\b", css, re.IGNORECASE):
                problems.append(f"{row['path']}: @import")
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    if total > MAX_TOTAL_BYTES:
        problems.append(f"assets total {total} bytes > {MAX_TOTAL_BYTES}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="assets folder (default: landplan/data/assets)")
    parser.add_argument("--verify", action="store_true",
                        help="only check the shipped files against assets.toml (offline)")
    args = parser.parse_args(argv)
    try:
        if not args.verify:
            with tempfile.TemporaryDirectory(prefix="landplan-assets-") as tmp:
                build(args.out, Path(tmp))
        problems = verify(args.out)
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    if not problems:
        total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
        print(f"ok: {args.out} ({total:,} bytes)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
