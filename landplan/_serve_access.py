"""Access to the internal web service: bearer tokens, stored hashed.

A tokens file holds one SHA-256 hex digest per line (``#`` comments and blank lines are
ignored); ``landplan serve --new-token`` prints a fresh token and the line to add. With
tokens, every request needs ``Authorization: Bearer <token>``: its digest is compared with
each stored one by :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from ._serve_errors import ApiError, request_lang
from .errors import InputError

_HEX = re.compile(r"^[0-9a-f]{64}$")


def token_hash(token: str) -> str:
    """Return the line a tokens file stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """Return a fresh random token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def read_tokens(path: str | Path) -> list[str]:
    """Return the hashes of a tokens file.

    Refused when a line is no SHA-256 hex digest, or when there is none.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read the tokens file {path}: {exc}.") from exc
    hashes, bad = [], []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip().lower()
        if not text:
            continue
        (hashes if _HEX.match(text) else bad).append(text if _HEX.match(text) else number)
    if bad:
        raise InputError(f"{path}: line(s) {', '.join(map(str, bad))} are not SHA-256 hex "
                         "digests. Each line holds the hash that `landplan serve --new-token` "
                         "prints, never the token itself.")
    if not hashes:
        raise InputError(f"{path} holds no token hash. Add one: landplan serve --new-token.")
    return hashes


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed(header: str | None, hashes: list[str]) -> bool:
    """Whether an ``Authorization`` header carries one of the tokens."""
    if not header or header[:7].lower() != "bearer ":
        return False
    digest = token_hash(header[7:].strip())
    ok = False
    for stored in hashes:  # every hash compared: the time does not tell which one matched
        ok |= hmac.compare_digest(digest, stored)
    return ok


class TokenMiddleware:
    """Refuse (401, the JSON error body) every request without a valid bearer token."""

    def __init__(self, app: ASGIApp, hashes: list[str]) -> None:
        self.app, self.hashes = app, list(hashes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        request = Request(scope)
        if allowed(request.headers.get("authorization"), self.hashes):
            await self.app(scope, receive, send)
            return
        from fastapi.responses import JSONResponse

        body = ApiError("unauthorized").body(_lang(request))
        response = JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


def _lang(request: object) -> str:
    try:
        return request_lang(request)
    except Exception:
        return "vi"
