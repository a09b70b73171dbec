"""``landplan serve``: the library as a web service (FastAPI on uvicorn).

For the one-stop desk (pre-check an application before the decision is signed) and the
public (plan lookup). The layers are loaded and indexed once (:mod:`landplan._serve_index`);
requests query the indexes and, for a pre-check, run :func:`landplan.check` itself on the
layers near the parcel (:mod:`landplan._serve_precheck`). The app object is importable for
other deployments::

    from landplan.serve import load_app
    app = load_app(["plan.gpkg@2020-12-31", "plan_2023.gpkg@2023-07-01"],
                   parcels="cadastre.gpkg")
    # uvicorn module:app --host 127.0.0.1 --port 8000

API (prefix ``/api/v1``): ``GET /parcels``, ``GET|POST /lookup``, ``POST /precheck``
(internal mode only), ``GET /health``, ``GET /version``; the OpenAPI schema at
``/openapi.json``, its pages at ``/docs``. ``public=True`` serves the plan lookup only and
drops every personal column at load time; ``tokens`` (SHA-256 hex digests) make every
request need ``Authorization: Bearer <token>``. See ``docs/serve.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
from fastapi import FastAPI

from ._serve_access import TokenMiddleware, read_tokens
from ._serve_errors import LANGS, install_handlers
from ._serve_index import ServeData
from ._serve_jobs import install_jobs
from ._serve_page import page, plan_api
from ._serve_routes import internal, lookup, meta
from .config import CheckConfig
from .errors import ConfigError, LandplanError

__all__ = ["create_app", "demo_app", "load_app"]


def create_app(plan: gpd.GeoDataFrame, *, parcels: gpd.GeoDataFrame | None = None,
               projects: gpd.GeoDataFrame | None = None,
               corridors: gpd.GeoDataFrame | None = None, config: CheckConfig | None = None,
               public: bool = False, tokens: Iterable[str] | None = None, lang: str = "vi",
               decisions: gpd.GeoDataFrame | None = None, jobs: dict | None = None) -> FastAPI:
    """Build the web app on loaded layers.

    Parameters
    ----------
    plan
        The plan zones, all versions stacked (:func:`landplan.plan_versions`), raw or
        normalised.
    parcels
        The cadastre (:func:`landplan.load_decisions` reads it): lookups by sheet and parcel
        number, and the parcels at a point.
    projects, corridors
        Annual-plan projects and restriction corridors (optional).
    config
        The check's configuration (tolerances, plan period, rule settings).
    public
        Plan lookup only: no pre-check, no decisions, no personal column in any answer.
    tokens
        SHA-256 hex digests of the access tokens (:func:`landplan._serve_access.read_tokens`);
        with them every request needs one.
    lang
        The answers' language when a request asks for none (``?lang=``, ``Accept-Language``).
    decisions
        Decisions already issued (internal mode): a pre-check finds the overlapping ones
        (``double-allocation``).
    jobs
        Batch jobs' settings (internal mode): ``jobs_dir`` (default a temporary folder),
        ``ttl`` (seconds, default 24 h), ``max_upload_mb`` (default 200); see
        :mod:`landplan._serve_jobs`.
    """
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}.")
    from . import __version__

    data = ServeData(plan, parcels=parcels, decisions=decisions, projects=projects,
                     corridors=corridors, config=config, public=public)
    app = FastAPI(title="landplan", version=__version__,
                  description="Land-use plan lookup" + ("" if public else " and pre-check")
                  + " (landplan). Errors: {\"error\": {\"code\", \"message\", \"fix\"}}.")
    app.state.data, app.state.lang = data, lang
    install_handlers(app)
    app.include_router(meta)
    app.include_router(lookup)
    app.include_router(plan_api)
    app.include_router(page)  # the web page at / and its files at /static/
    if not public:
        app.include_router(internal)
        install_jobs(app, plan=plan, projects=projects, corridors=corridors, config=config,
                     settings=jobs)
    if tokens is not None:
        hashes = list(tokens)
        if not hashes:
            raise ConfigError("tokens is empty: give at least one token hash.")
        app.add_middleware(TokenMiddleware, hashes=hashes)
    return app


def load_app(plans: Sequence[str | Path | tuple[str | Path, str | None]], *,
             parcels: str | Path | None = None, projects: str | Path | None = None,
             corridors: str | Path | None = None, decisions: str | Path | None = None,
             config: CheckConfig | str | Path | None = None, public: bool = False,
             tokens: str | Path | Iterable[str] | None = None, lang: str = "vi",
             jobs: dict | None = None) -> FastAPI:
    """Read the layers from files and build the app (:func:`create_app`).

    ``plans`` are ``"PATH"``, ``"PATH@DATE"`` or ``(path, date)``; several versions need
    their approval dates. ``tokens`` is a tokens file (one SHA-256 hex digest a line) or
    the digests themselves.
    """
    from .config import load_config
    from .io import load_corridors, load_decisions, load_plan, load_projects
    from .schema import plan_versions

    hashes = read_tokens(tokens) if isinstance(tokens, (str, Path)) else tokens  # before loading
    pairs = [p if isinstance(p, tuple) else _plan_arg(str(p)) for p in plans]
    if not pairs:
        raise LandplanError("Give the plan: --plan PATH[@DATE].")
    if len(pairs) == 1 and pairs[0][1] is None:
        plan = load_plan(pairs[0][0])
    else:
        if any(date is None for _, date in pairs):
            raise LandplanError("With several --plan versions, give each its approval date: "
                                "--plan plan.gpkg@2020-12-31 --plan adjustment.gpkg@2023-07-01")
        plan = plan_versions({date: load_plan(path) for path, date in pairs})
    if config is not None and not isinstance(config, CheckConfig):
        config = load_config(config)
    return create_app(
        plan, parcels=load_decisions(parcels) if parcels else None,
        projects=load_projects(projects) if projects else None,
        corridors=load_corridors(corridors) if corridors else None,
        decisions=load_decisions(decisions) if decisions and not public else None,
        config=config, public=public, lang=lang,
        tokens=hashes, jobs=jobs)


def _plan_arg(value: str) -> tuple[Path, str | None]:
    """``"plan.gpkg@2023-07-01"`` -> (path, date); a plain (or existing) path -> (path, None).

    The date is read as the command line reads it (day first); refused when not a date.
    """
    from ._dates import DATE_FORMS, parse_date

    head, sep, tail = value.rpartition("@")
    if not (sep and head) or Path(value).exists():
        return Path(value), None
    try:
        return Path(head), parse_date(tail).strftime("%Y-%m-%d")
    except ValueError as why:
        raise LandplanError(f"--plan {value}: '{tail}' is not an approval date ({why}). "
                            f"Write it as {DATE_FORMS}.") from why


def demo_app(*, public: bool = False, tokens: str | Path | Iterable[str] | None = None,
             lang: str = "vi", jobs: dict | None = None) -> FastAPI:
    """Return the app on the bundled sample district (``landplan serve --demo``).

    Its decisions layer stands for the cadastre (``parcels``: sheet, parcel number, owner);
    no decisions layer is loaded (a pre-check of a demo parcel would meet its own decision).
    """
    from ._sample import sample_inputs

    inputs, config = sample_inputs()
    return load_app(inputs.plans, parcels=inputs.decisions, projects=inputs.projects,
                    corridors=inputs.corridors[0] if inputs.corridors else None,
                    config=config, public=public, lang=lang, tokens=tokens, jobs=jobs)
