"""``landplan serve``: its options and its run (FastAPI and uvicorn load only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._cli_text import cli_language
from ._labels import labels
from .errors import LandplanError


def add_serve_command(sub: argparse._SubParsersAction, parents: list, lang: str = "vi") -> None:
    """Add ``landplan serve`` to the command line's subcommands, its help in ``lang``."""
    h = labels("help.serve", lang)
    s = sub.add_parser("serve", help=h["command"], description=h["command"], parents=parents)
    s.add_argument("--plan", action="append", metavar="PATH[@DATE]", help=h["plan"])
    s.add_argument("--demo", action="store_true", help=h["demo"])
    s.add_argument("--parcels", type=Path, metavar="PATH", help=h["parcels"])
    s.add_argument("--decisions", type=Path, metavar="PATH", help=h["decisions"])
    s.add_argument("--projects", type=Path, metavar="PATH", help=h["projects"])
    s.add_argument("--corridors", type=Path, metavar="PATH", help=h["corridors"])
    s.add_argument("--config", type=Path, metavar="FILE", help=h["config"])
    s.add_argument("--public", action="store_true", help=h["public"])
    s.add_argument("--tokens", type=Path, metavar="FILE", help=h["tokens"])
    s.add_argument("--new-token", action="store_true", help=h["new_token"])
    s.add_argument("--host", default="127.0.0.1", metavar="HOST", help=h["host"])
    s.add_argument("--port", type=int, default=8000, metavar="PORT", help=h["port"])
    s.add_argument("--lang", choices=("vi", "en"), help=h["lang"])
    s.add_argument("--jobs-dir", type=Path, metavar="DIR", help=h["jobs_dir"])
    s.add_argument("--job-ttl", type=float, default=24.0, metavar="HOURS", help=h["job_ttl"])
    s.add_argument("--max-upload-mb", type=float, default=200.0, metavar="MB",
                   help=h["max_upload_mb"])
    s.set_defaults(func=run_serve)


def check_bind(host: str, *, public: bool, tokens: object) -> None:
    """Refuse to serve the internal API off loopback without tokens."""
    from ._serve_access import is_loopback

    if not (public or tokens or is_loopback(host)):
        raise LandplanError.of("serve.bind", host=host)


def job_settings(args: argparse.Namespace) -> dict:
    """Return the batch jobs' settings of the options (refused when not positive)."""
    for option, value in (("--job-ttl", args.job_ttl), ("--max-upload-mb", args.max_upload_mb)):
        if not value > 0:
            raise LandplanError.of("serve.positive", option=option, value=f"{value:g}")
    return {"jobs_dir": args.jobs_dir, "ttl": args.job_ttl * 3600.0,
            "max_upload_mb": args.max_upload_mb}


def run_serve(args: argparse.Namespace) -> int:
    """Run ``landplan serve`` (or print a new token)."""
    from ._serve_access import new_token

    if args.new_token:
        token, digest = new_token()
        words = labels("help.serve", _lang(args))
        print(words["token_printed"].format(token=token))
        print(words["token_line"].format(digest=digest))
        return 0
    check_bind(args.host, public=args.public, tokens=args.tokens)
    if not args.demo and not args.plan:
        raise LandplanError.of("serve.no_plan")
    try:
        import uvicorn

        from .serve import demo_app, load_app
    except ImportError as exc:
        raise LandplanError.of("serve.missing", error=str(exc)) from exc
    jobs = job_settings(args)
    if args.demo:
        app = demo_app(public=args.public, tokens=args.tokens, lang=_lang(args), jobs=jobs)
    else:
        app = load_app(args.plan, parcels=args.parcels, projects=args.projects,
                       corridors=args.corridors, decisions=args.decisions,
                       config=args.config, public=args.public, tokens=args.tokens,
                       lang=_lang(args), jobs=jobs)
    if not args.public:
        app.state.jobs.warm()  # the batch worker starts with the server
    uvicorn.run(app, host=args.host, port=args.port,
                log_level="warning" if args.quiet else "info")
    return 0


def _lang(args: argparse.Namespace) -> str:
    """Return the language of the answers: --lang, else LANDPLAN_LANG, else vi."""
    return args.lang or cli_language([])
