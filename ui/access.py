"""The password gate: with --auth, every route of the app answers only a logged-in session, except the
login page and the files it is drawn with (PUBLIC, PUBLIC_PREFIXES, each with its reason).

Gradio checks the login on some of its routes only (the queue, uploads, files, /config); others answer
anyone: /gradio_api/cancel, /heartbeat, /stream/*, /reset, /startup-events, /openapi.json (the API
schema), /gradio_api/app_id, /gradio_api/token ... This ASGI middleware refuses (401) every request
without Gradio's session cookie before any route runs, so a route added later is covered too. A
program (the OpenAI-compatible /v1 routes' clients) may send `Authorization: Bearer <the --auth
password>` instead of logging in.
tests/test_security.py lists every route of the running app and calls each without a session.

>>> is_public("/"), is_public("/assets/index-abc.js"), is_public("/gradio_api/cancel"), is_public("/v1/models")
(True, True, False, False)
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

PUBLIC: dict[str, str] = {
    "/": "the page: without a session Gradio sends only the login form, no app config or data",
    "/login": "where the login form posts the user name and password",
    "/login/": "the same, with a trailing slash",
    "/theme.css": "the login page's colours (Gradio's theme, no app data)",
    "/favicon.ico": "the browser asks for it before anyone logs in",
    "/gradio_api/startup-events": "Gradio's launch() calls it, without a session, to start the app's queue; "
                                  "later calls do nothing and answer false",
}
PUBLIC_PREFIXES: dict[str, str] = {
    "/assets/": "Gradio's front-end bundle (JS, CSS, fonts) that draws the login form; no app data",
    "/static/": "Gradio's static images and fonts used by the login page; no app data",
}
REFUSAL = b'{"detail":{"error":"Not authenticated"}}'


def is_loopback(host: str) -> bool:
    """A host only this machine reaches (the app and the MCP server need no password there).

    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0")]
    [True, True, True, False]
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def is_public(path: str) -> bool:
    """Whether `path` is answered without a session (the login page and its files)."""
    return path in PUBLIC or any(path.startswith(prefix) for prefix in PUBLIC_PREFIXES)


def logged_in(app: Any, cookies: dict[str, str], authorization: str = "") -> bool:
    """Gradio's own test (gradio.routes get_current_user): a session cookie holding a token it issued;
    or a bearer token equal to a password of `app.auth` ({user: password}, as Gradio keeps it)."""
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    if token is not None and token in app.tokens:
        return True
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip() or not isinstance(app.auth, dict):
        return False
    import hmac

    # Every password is compared, so the time taken does not tell which one nearly matched.
    matches = [hmac.compare_digest(key.strip().encode(), str(password).encode()) for password in app.auth.values()]
    return any(matches)


def middleware():
    """The gate as FastAPI takes it (`FastAPI(middleware=[...])`, through Gradio's launch app_kwargs)."""
    from starlette.middleware import Middleware

    return Middleware(AccessGate)


class AccessGate:
    """ASGI middleware for the Gradio app, given to launch() in ui/app.py."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        gradio_app = scope.get("app")
        if scope["type"] not in ("http", "websocket") or getattr(gradio_app, "auth", None) is None:
            return await self.app(scope, receive, send)
        from starlette.requests import HTTPConnection

        connection = HTTPConnection(scope)
        if logged_in(gradio_app, connection.cookies, connection.headers.get("authorization", "")):
            return await self.app(scope, receive, send)
        if scope.get("path") == "/":
            return await self.app(scope, receive, _without_api_info(send))
        if is_public(scope.get("path", "")):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(REFUSAL)).encode()),
                                (b"www-authenticate", b'Cookie realm="login at /"')]})
        await send({"type": "http.response.body", "body": REFUSAL})


API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.S)


def _without_api_info(send):
    """The login page as Gradio sends it, less the description of every API endpoint it embeds
    (window.gradio_api_info: names, parameters, defaults), which /gradio_api/info keeps for a session."""
    start: dict = {}
    body: list[bytes] = []

    async def wrapped(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return None
        if message["type"] != "http.response.body":
            return await send(message)
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return None
        page = API_INFO.sub(b"window.gradio_api_info = {};</script>", b"".join(body))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": headers + [(b"content-length", str(len(page)).encode())]})
        return await send({"type": "http.response.body", "body": page})

    return wrapped
