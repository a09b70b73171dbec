"""``landplan serve``: its options and its run (FastAPI and uvicorn load only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import LandplanError


def add_serve_command(sub: argparse._SubParsersAction, parents: list) -> None:
    """Add ``landplan serve`` to the command line's subcommands."""
    s = sub.add_parser("serve", help="web service: plan lookup and pre-check (FastAPI)",
                       parents=parents)
    s.add_argument("--plan", action="append", metavar="PATH[@DATE]",
                   help="plan layer with its approval date after @ (repeat for adjustments)")
    s.add_argument("--demo", action="store_true", help="serve the bundled sample district")
    s.add_argument("--parcels", type=Path, help="cadastral parcels (sheet, number, unit)")
    s.add_argument("--decisions", type=Path,
                   help="decisions already issued (pre-check: double allocation)")
    s.add_argument("--projects", type=Path, help="annual land-use plan projects layer")
    s.add_argument("--corridors", type=Path, help="restriction corridor layer")
    s.add_argument("--config", type=Path, help="landplan.toml (tolerances, plan period)")
    s.add_argument("--public", action="store_true",
                   help="plan lookup only, no personal data (may bind any address)")
    s.add_argument("--tokens", type=Path, metavar="FILE",
                   help="access token hashes (one SHA-256 hex a line); required off loopback")
    s.add_argument("--new-token", action="store_true",
                   help="print a new random token and the line to add to the tokens file")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--lang", choices=("vi", "en"), default="vi",
                   help="answers' language when a request asks for none")
    s.add_argument("--jobs-dir", type=Path, metavar="DIR",
                   help="folder of the batch jobs (default: a temporary folder)")
    s.add_argument("--job-ttl", type=float, default=24.0, metavar="HOURS",
                   help="remove batch jobs and their files this long after (default 24)")
    s.add_argument("--max-upload-mb", type=float, default=200.0, metavar="MB",
                   help="largest batch upload (default 200)")
    s.set_defaults(func=run_serve)


def check_bind(host: str, *, public: bool, tokens: object) -> None:
    """Refuse to serve the internal API off loopback without tokens."""
    from ._serve_access import is_loopback

    if not (public or tokens or is_loopback(host)):
        raise LandplanError(
            f"--host {host} would serve the internal API (pre-check, owners' names) beyond "
            "this machine without access control. Give --tokens FILE (create a token with "
            "`landplan serve --new-token`), or serve the plan lookup only with --public, or "
            "bind 127.0.0.1 behind a reverse proxy.")


def job_settings(args: argparse.Namespace) -> dict:
    """Return the batch jobs' settings of the options (refused when not positive)."""
    for option, value in (("--job-ttl", args.job_ttl), ("--max-upload-mb", args.max_upload_mb)):
        if not value > 0:
            raise LandplanError(f"{option} must be more than 0, not {value:g}.")
    return {"jobs_dir": args.jobs_dir, "ttl": args.job_ttl * 3600.0,
            "max_upload_mb": args.max_upload_mb}


def run_serve(args: argparse.Namespace) -> int:
    """Run ``landplan serve`` (or print a new token)."""
    from ._serve_access import new_token

    if args.new_token:
        token, digest = new_token()
        print(f"token (give it to the user; it is not stored): {token}")
        print(f"line to add to the tokens file: {digest}")
        return 0
    check_bind(args.host, public=args.public, tokens=args.tokens)
    if not args.demo and not args.plan:
        raise LandplanError("Give the plan (--plan PATH[@DATE], repeatable) or --demo.")
    try:
        import uvicorn

        from .serve import demo_app, load_app
    except ImportError as exc:
        raise LandplanError(f"landplan serve needs FastAPI and uvicorn ({exc}): "
                            "pip install 'landplan[serve]'.") from exc
    jobs = job_settings(args)
    if args.demo:
        app = demo_app(public=args.public, tokens=args.tokens, lang=args.lang, jobs=jobs)
    else:
        app = load_app(args.plan, parcels=args.parcels, projects=args.projects,
                       corridors=args.corridors, decisions=args.decisions,
                       config=args.config, public=args.public, tokens=args.tokens,
                       lang=args.lang, jobs=jobs)
    if not args.public:
        app.state.jobs.warm()  # the batch worker starts with the server
    uvicorn.run(app, host=args.host, port=args.port,
                log_level="warning" if args.quiet else "info")
    return 0
