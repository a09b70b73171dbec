"""The PostGIS side of the scale benchmark: a private PostgreSQL + PostGIS server and the
zoning overlay written as the SQL a PostGIS user would write.

:func:`postgis_server` starts a throw-away cluster (``initdb`` in a temporary directory,
listening on 127.0.0.1 only, removed afterwards) and installs Debian's PostGIS package
with ``apt-get`` when ``CREATE EXTENSION postgis`` is not possible. :func:`postgis_overlay`
loads parcels and zones into it (binary ``COPY`` of WKB, GiST indexes, ``ANALYZE``) and
times the overlay query, to set beside :func:`landplan.engine.overlay_pairs`.

It is driven by ``benchmarks/bench_scale.py``, which runs it beside landplan's engine
and ``geopandas.overlay`` on the same synthetic district.

The server's settings (:data:`SERVER_SETTINGS`) suit a benchmark on a 2-core, 24 GB
machine and nothing else: ``fsync``, ``full_page_writes`` and ``synchronous_commit`` are
off (a crash loses the cluster, which is thrown away anyway), ``wal_level = minimal`` lets
``COPY`` into a table created in the same transaction skip the WAL, ``shared_buffers``
1 GB and ``work_mem`` 256 MB hold the whole data set in memory, ``jit`` is off (the query
is dominated by PostGIS function calls, which JIT cannot speed up, and compiling costs
~0.1–1 s), autovacuum is off (the loader runs ``ANALYZE`` itself). Authentication is
``trust`` for local connections: anyone on the machine may connect while it runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

__all__ = [
    "OVERLAY_SQL",
    "SERVER_SETTINGS",
    "ServerConninfo",
    "find_postgres",
    "postgis_installed",
    "postgis_overlay",
    "postgis_server",
    "same_pairs",
]

#: The overlay as a PostGIS user writes it: the index join on ST_Intersects, and the area
#: of the parcel itself when it lies within the zone (no intersection computed).
OVERLAY_SQL = (
    "SELECT p.id, z.id, CASE WHEN ST_Within(p.geom, z.geom) THEN ST_Area(p.geom)"
    " ELSE ST_Area(ST_Intersection(p.geom, z.geom)) END AS area"
    " FROM parcels p JOIN zones z ON ST_Intersects(p.geom, z.geom)"
)

#: postgresql.conf of the private cluster (a 2-core, 24 GB machine; see the module doc).
SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "'4GB'",
    "shared_buffers": "'1GB'",
    "work_mem": "'256MB'",
    "maintenance_work_mem": "'1GB'",
    "effective_cache_size": "'16GB'",
    "random_page_cost": "1.1",
    "max_worker_processes": "8",
    "max_parallel_workers": "8",
    "max_parallel_maintenance_workers": "2",
    "jit": "off",
    "autovacuum": "off",
    "logging_collector": "off",
}

#: Session settings of the overlay query that make the planner choose its parallel plan
#: even for small tables (the default min_parallel_table_scan_size is 8 MB, more than
#: 10^4 parcels take); max_parallel_workers_per_gather is set per call.
PARALLEL_SETTINGS: dict[str, str] = {
    "parallel_setup_cost": "10",
    "parallel_tuple_cost": "0.001",
    "min_parallel_table_scan_size": "0",
    "min_parallel_index_scan_size": "0",
}

_OS_USER = "postgres"  # the server refuses to run as root


class ServerConninfo(str):
    """A libpq conninfo string that also tells how its server was set up.

    Attributes
    ----------
    timings : dict[str, float]
        Seconds spent in ``install`` (apt-get, 0 if PostGIS was there), ``initdb``,
        ``start`` (pg_ctl start until the server accepts connections) and ``extension``
        (``CREATE EXTENSION postgis``).
    data_dir, log_path : pathlib.Path
        The cluster's directory and server log (both removed when the server stops).
    bin_dir : pathlib.Path
        Where the PostgreSQL binaries were found.
    """

    timings: dict[str, float]
    data_dir: Path
    log_path: Path
    bin_dir: Path


def find_postgres() -> tuple[Path, int]:
    """The PostgreSQL server binaries and their major version.

    Looked for in ``$LANDPLAN_PG_BIN``, then where ``pg_ctl`` on the PATH leads (Debian's
    ``/usr/local/bin`` wrappers are symbolic links into ``/usr/lib/postgresql/N/bin``),
    then the newest ``/usr/lib/postgresql/N/bin``.

    Returns
    -------
    tuple[pathlib.Path, int]
        The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, and the major
        version (15 for ``postgres (PostgreSQL) 15.18``).

    Raises
    ------
    RuntimeError
        If no PostgreSQL server is installed.
    """
    candidates: list[Path] = []
    if os.environ.get("LANDPLAN_PG_BIN"):
        candidates.append(Path(os.environ["LANDPLAN_PG_BIN"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent)

    def major_of(path: Path) -> int:
        return int(path.parent.name) if path.parent.name.isdigit() else -1

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=major_of, reverse=True)
    for bin_dir in candidates:
        if all((bin_dir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True,
                                 text=True, check=False).stdout
            match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
            if match:
                return bin_dir, int(match.group(1))
    raise RuntimeError("no PostgreSQL server found (initdb, pg_ctl and postgres): install "
                       "Debian's postgresql package or set LANDPLAN_PG_BIN")


def _share_dir(bin_dir: Path, major: int) -> Path:
    pg_config = bin_dir / "pg_config"
    if pg_config.is_file():
        out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True,
                             check=False).stdout.strip()
        if out:
            return Path(out)
    return Path(f"/usr/share/postgresql/{major}")


def postgis_installed() -> bool:
    """Whether the PostGIS extension is installed for the PostgreSQL server found.

    Checks for ``postgis.control`` in the server's extension directory, without starting
    anything; False when there is no PostgreSQL server either.
    """
    try:
        bin_dir, major = find_postgres()
    except RuntimeError:
        return False
    return (_share_dir(bin_dir, major) / "extension" / "postgis.control").is_file()


def _which(name: str) -> str | None:
    """A program on the PATH or in the usual system directories (runuser is in /usr/sbin)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
    return shutil.which(name, path=path)


def _as_owner(cmd: Sequence[str]) -> list[str]:
    """The command run as the ``postgres`` OS user when we are root."""
    if os.geteuid() != 0:
        return list(cmd)
    runuser = _which("runuser")
    if runuser:
        return [runuser, "-u", _OS_USER, "--", *cmd]
    su = _which("su")
    if su is None:
        raise RuntimeError("running as root, and neither runuser nor su is there to run the "
                           "server as the 'postgres' user")
    import shlex

    return [su, _OS_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd: Sequence[str], what: str, timeout: float, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command; RuntimeError with the tail of its output if it fails."""
    try:
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                              cwd=cwd, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {tail}")
    return done


def _apt_install(package: str) -> float:
    """``apt-get install`` a Debian package (``apt-get update`` first if that fails).

    Returns
    -------
    float
        Seconds spent.

    Raises
    ------
    RuntimeError
        Without apt-get, without root (or password-less sudo), or when the package cannot
        be fetched (no network).
    """
    apt = _which("apt-get")
    if apt is None:
        raise RuntimeError(f"PostGIS is missing and there is no apt-get to install {package}")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if _which("sudo") is None:
            raise RuntimeError(f"PostGIS is missing; installing {package} needs root")
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", "--no-install-recommends",
               "-o", "DPkg::Lock::Timeout=300", package]
    start = time.perf_counter()
    try:
        _run(install, f"apt-get install {package}", 1800, env=env)
    except RuntimeError:
        # Stale or missing package lists: update them once and try again.
        try:
            _run([*prefix, apt, "update", "-q", "-o", "DPkg::Lock::Timeout=300"],
                 "apt-get update", 600, env=env)
            _run(install, f"apt-get install {package}", 1800, env=env)
        except RuntimeError as exc:
            raise RuntimeError(f"could not install PostGIS ({package}); no network or no "
                               f"such package? {exc}") from exc
    return time.perf_counter() - start


def _temp_base(owner_ids: tuple[int, int] | None) -> str:
    """The temporary directory, or /tmp if the ``postgres`` user could not reach it."""
    base = Path(tempfile.gettempdir()).resolve()
    if owner_ids is None:
        return str(base)
    for folder in (base, *base.parents):
        if not folder.stat().st_mode & 0o001:  # no search permission for others
            return "/tmp"
    return str(base)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(bin_dir: Path, data_dir: Path, tmp: Path) -> None:
    """Stop the server: fast, then immediate, then SIGKILL to the postmaster's pid."""
    if not (data_dir / "postmaster.pid").exists():
        return
    for mode in ("fast", "immediate"):
        try:
            _run(_as_owner([str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-m", mode,
                            "-w", "-t", "30"]), "pg_ctl stop", 60, cwd=tmp)
            return
        except RuntimeError:
            continue
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass


def _create_extension(conninfo: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


@contextmanager
def postgis_server(port: int | None = None, install: bool = True) -> Iterator[str]:
    """Start a private PostgreSQL + PostGIS server on 127.0.0.1 for the ``with`` block.

    A fresh cluster is made with ``initdb`` in a temporary directory (owned by the
    ``postgres`` OS user and run as it when we are root: PostgreSQL refuses to run as
    root), configured with :data:`SERVER_SETTINGS` and ``trust`` authentication, and
    started with ``pg_ctl``. The server is stopped and the directory removed on exit, also
    on errors. If ``CREATE EXTENSION postgis`` fails and ``install`` is true, Debian's
    ``postgresql-N-postgis-3`` (N: the server's major version) is installed with apt-get
    and the extension created again.

    Parameters
    ----------
    port
        TCP port to listen on; None picks a free one (and tries another if it is taken
        before the server binds it).
    install
        Install PostGIS with apt-get if it is missing.

    Yields
    ------
    str
        A libpq conninfo string (``host=127.0.0.1 port=... user=postgres
        dbname=postgres``) of a database with PostGIS, as a :class:`ServerConninfo` that
        also carries the setup timings.

    Raises
    ------
    RuntimeError
        If there is no PostgreSQL server, no ``postgres`` OS user while running as root,
        the cluster does not start, or PostGIS is missing and cannot be installed (no apt,
        no root, no network, or ``install=False``).
    """
    bin_dir, major = find_postgres()
    owner_ids: tuple[int, int] | None = None
    if os.geteuid() == 0:
        import pwd

        try:
            entry = pwd.getpwnam(_OS_USER)
        except KeyError as exc:
            raise RuntimeError("running as root, and there is no 'postgres' OS user to run "
                               "the server as") from exc
        owner_ids = (entry.pw_uid, entry.pw_gid)
    tmp = Path(tempfile.mkdtemp(prefix="landplan-postgis-", dir=_temp_base(owner_ids)))
    data_dir, log_path = tmp / "data", tmp / "server.log"
    timings: dict[str, float] = {"install": 0.0}
    try:
        if owner_ids is not None:
            os.chown(tmp, *owner_ids)
        start = time.perf_counter()
        _run(_as_owner([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", _OS_USER,
                        "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]),
             "initdb", 300, cwd=tmp)
        timings["initdb"] = time.perf_counter() - start
        conf = "".join(f"{key} = {value}\n" for key, value in SERVER_SETTINGS.items())
        conf += f"unix_socket_directories = '{tmp}'\n"
        with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write("\n# landplan benchmark (benchmarks/_postgis.py)\n" + conf)
        for attempt in range(3):
            use_port = port if port is not None else _free_port()
            start = time.perf_counter()
            try:
                _run(_as_owner([str(bin_dir / "pg_ctl"), "start", "-D", str(data_dir),
                                "-l", str(log_path), "-w", "-t", "120",
                                "-o", f"-p {use_port}"]), "pg_ctl start", 180, cwd=tmp)
                break
            except RuntimeError as exc:
                log = log_path.read_text(errors="replace") if log_path.exists() else ""
                if port is None and "could not bind" in log and attempt < 2:
                    continue
                raise RuntimeError(f"{exc}\nserver log:\n{log[-2000:]}") from exc
        timings["start"] = time.perf_counter() - start
        conninfo = ServerConninfo(
            f"host=127.0.0.1 port={use_port} user={_OS_USER} dbname=postgres")
        conninfo.timings, conninfo.data_dir = timings, data_dir
        conninfo.log_path, conninfo.bin_dir = log_path, bin_dir
        try:
            import psycopg

            start = time.perf_counter()
            try:
                _create_extension(conninfo)
            except psycopg.Error as exc:
                if not install:
                    raise RuntimeError(
                        f"PostGIS is not installed for PostgreSQL {major} ({exc}); install "
                        f"postgresql-{major}-postgis-3 or pass install=True") from exc
                timings["install"] = _apt_install(f"postgresql-{major}-postgis-3")
                start = time.perf_counter()
                try:
                    _create_extension(conninfo)
                except psycopg.Error as exc2:
                    raise RuntimeError(f"CREATE EXTENSION postgis failed after installing "
                                       f"postgresql-{major}-postgis-3: {exc2}") from exc2
            timings["extension"] = time.perf_counter() - start
            yield conninfo
        finally:
            _stop(bin_dir, data_dir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _copy_geometries(cur, table: str, geoms: np.ndarray) -> int:
    """Binary COPY of (position, WKB) rows into ``table``; None and empty are skipped.

    geometry_recv reads WKB, so the WKB goes as a bytea field of the binary COPY.
    """
    keep = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    wkb = shapely.to_wkb(geoms[keep])
    with cur.copy(f"COPY {table} (id, geom) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "bytea"])
        for row in zip(keep.tolist(), wkb.tolist(), strict=True):
            copy.write_row(row)
    return len(keep)


def postgis_overlay(conninfo: str, parcels: np.ndarray, zones: np.ndarray, *,
                    parallel_workers: int = 2) -> dict:
    """Load parcels and zones into PostGIS and time the zoning overlay there.

    The geometries go into tables ``parcels`` and ``zones`` (``id integer`` = position in
    the input array, ``geom geometry`` with SRID 0: the computation is planar in the
    projected CRS's metres, so the SRID changes nothing; tables of the same names are
    dropped first) by binary ``COPY`` of WKB, then get GiST indexes and ``ANALYZE``. The
    query is :data:`OVERLAY_SQL`, run with ``max_parallel_workers_per_gather =
    parallel_workers`` and :data:`PARALLEL_SETTINGS` (and the tables' ``parallel_workers``
    storage parameter) so that the planner chooses its parallel plan.

    Parameters
    ----------
    conninfo
        libpq conninfo of a database where PostGIS is installed or can be created (e.g.
        from :func:`postgis_server`).
    parcels, zones
        Arrays of polygonal shapely geometries (Polygon or MultiPolygon) in the same
        projected CRS in metres; None (or empty) matches nothing.
    parallel_workers
        Workers per Gather (0: a serial plan). The leader process works too, so 2 workers
        make 3 processes.

    Returns
    -------
    dict
        ``pairs``: DataFrame with columns ``parcel``, ``zone`` (positions in the input
        arrays, int64) and ``area_m2`` (float64, > 0), sorted by parcel then zone;
        ``load_s``: seconds of COPY + indexes + ANALYZE; ``query_s``: seconds of the
        overlay query including fetching its rows; ``plan``: the EXPLAIN text;
        ``gather``: whether the plan has a Gather node; ``workers_planned``: the Gather's
        planned workers (0 without); ``version``: PostGIS, GEOS and PostgreSQL versions.
    """
    import psycopg

    parcels = np.asarray(parcels, dtype=object)
    zones = np.asarray(zones, dtype=object)
    workers = int(parallel_workers)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute("DROP TABLE IF EXISTS parcels, zones")
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            for table, geoms in (("parcels", parcels), ("zones", zones)):
                cur.execute(f"CREATE TABLE {table} (id integer NOT NULL, geom geometry "
                            f"NOT NULL) WITH (parallel_workers = {workers})")
                _copy_geometries(cur, table, geoms)
                cur.execute(f"CREATE INDEX {table}_geom ON {table} USING gist (geom)")
        conn.execute("ANALYZE parcels, zones")
        load_s = time.perf_counter() - start

        conn.execute(f"SET max_parallel_workers_per_gather = {workers}")
        for key, value in PARALLEL_SETTINGS.items():
            conn.execute(f"SET {key} = {value}")
        plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + OVERLAY_SQL))
        with conn.cursor(binary=True) as cur:
            start = time.perf_counter()
            cur.execute(OVERLAY_SQL)
            rows = cur.fetchall()
            query_s = time.perf_counter() - start
        postgis, geos, server = conn.execute(
            "SELECT postgis_lib_version(), postgis_geos_version(),"
            " current_setting('server_version')").fetchone()
    found = re.search(r"Workers Planned:\s*(\d+)", plan)
    pairs = pd.DataFrame(rows, columns=["parcel", "zone", "area_m2"]) if rows else \
        pd.DataFrame({"parcel": [], "zone": [], "area_m2": []})
    pairs = pairs.astype({"parcel": np.int64, "zone": np.int64, "area_m2": np.float64})
    pairs = pairs[pairs["area_m2"] > 0].sort_values(["parcel", "zone"], kind="stable")
    return {
        "pairs": pairs.reset_index(drop=True),
        "load_s": load_s,
        "query_s": query_s,
        "plan": plan,
        "gather": "Gather" in plan,
        "workers_planned": int(found.group(1)) if found else 0,
        "version": f"PostGIS {postgis} (GEOS {geos.split('-')[0]}), PostgreSQL {server}",
    }


def same_pairs(ours: pd.DataFrame, theirs: pd.DataFrame, rtol: float = 1e-9) -> bool:
    """Same (parcel, zone) pairs, in the same order, with areas equal to ``rtol``."""
    if len(ours) != len(theirs):
        return False
    return bool(np.array_equal(ours["parcel"].to_numpy(), theirs["parcel"].to_numpy())
                and np.array_equal(ours["zone"].to_numpy(), theirs["zone"].to_numpy())
                and np.allclose(ours["area_m2"].to_numpy(), theirs["area_m2"].to_numpy(),
                                rtol=rtol, atol=0))
