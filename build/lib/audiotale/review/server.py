"""The review page's HTTP server: the standard library's ThreadingHTTPServer on 127.0.0.1.

Safe by construction: it binds the loopback address only, every URL starts with a random token
(`http://127.0.0.1:PORT/TOKEN/`), and a request without that token or with a Host header other
than this server's own (a DNS-rebinding page) is refused with 403. It serves the page's three
files, the API of one `Review`, and the clips that API handed out; nothing else of the disk.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import sys
import webbrowser
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import parse_qs, urlsplit

from ..errors import AudiotaleError
from .session import Review

log = logging.getLogger(__name__)

STATIC = {"index.html": "text/html; charset=utf-8", "review.js": "text/javascript; charset=utf-8",
          "review.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}
MAX_BODY = 64 * 1024  # bytes: every request the page sends is a few hundred
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; media-src 'self'; style-src 'self'; script-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token never leaves in a Referer
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class ReviewServer(ThreadingHTTPServer):
    """Serves one Review at a random-token URL on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, review: Review, port: int = 0, host: str = "127.0.0.1") -> None:
        self.review = review
        self.token = secrets.token_urlsafe(18)
        super().__init__((host, port), _Handler)
        self.port = self.server_address[1]
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.token}/"


def should_open_browser() -> bool:
    """A browser can be shown: not in CI, and a display exists (always on macOS and Windows)."""
    if os.environ.get("CI"):
        return False
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_browser(url: str) -> bool:
    """Open `url` in the user's browser; False when none could be started."""
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # the stdlib's names
        log.debug("%s %s", self.address_string(), format % args)

    # -- the gate -------------------------------------------------------------------------------------------

    def _route(self) -> tuple[str, dict[str, list[str]]] | None:
        """The path after the token, and the query; None (after a 403) for a foreign Host or a wrong token."""
        host = (self.headers.get("Host") or "").lower()
        parts = urlsplit(self.path)
        token, _, rest = parts.path.lstrip("/").partition("/")
        if host not in self.server.hosts or not hmac.compare_digest(token.encode(), self.server.token.encode()):
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: open the URL audiotale review printed.\n", "text/plain")
            return None
        if not parts.path.startswith(f"/{token}/"):  # /TOKEN -> /TOKEN/, so relative URLs resolve under it
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", f"/{token}/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return rest, parse_qs(parts.query)

    # -- methods ----------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        route = self._route()
        if route is None:
            return
        path, query = route
        review = self.server.review
        name = path or "index.html"
        if name in STATIC:
            body = files(__package__).joinpath("static", name).read_bytes()
            self._send(HTTPStatus.OK, body, STATIC[name])
        elif path == "api/book":
            self._answer(review.book)
        elif path == "api/chapter":
            self._answer(lambda: review.chapter(_int(query.get("n", ["1"])[0])))
        elif path == "api/voices":
            self._answer(review.voices)
        elif path.startswith("clip/") and path.endswith(".wav"):
            self._clip(path[5:-4])
        else:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain")

    def do_POST(self) -> None:
        route = self._route()
        if route is None:
            return
        path, _ = route
        declared = (self.headers.get("Content-Length") or "0").strip()
        length = int(declared) if declared.isdigit() else MAX_BODY + 1
        if length > MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"Too large\n", "text/plain")
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise TypeError("not an object")
        except (ValueError, TypeError):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the request is not a JSON object"})
            return
        review = self.server.review
        actions: dict[str, Callable[[], object]] = {
            "api/speaker": lambda: review.set_speaker(str(body["id"]), body.get("speaker"),
                                                      bool(body.get("automatic"))),
            "api/voice": lambda: review.set_voice(str(body["role"]), dict(body.get("changes") or {})),
            "api/merge": lambda: review.merge(str(body["name"]), str(body["into"])),
            "api/rename": lambda: review.rename(str(body["name"]), str(body["to"])),
            "api/play": lambda: {"clips": review.play(_int(body["chapter"]), _int(body["index"]))},
            "api/sample": lambda: {"clips": review.sample(str(body["role"]))},
        }
        action = actions.get(path)
        if action is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain")
            return
        self._answer(lambda: action() or {"ok": True, "version": review.version})

    def do_PUT(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"Method not allowed\n", "text/plain")

    do_DELETE = do_PATCH = do_PUT

    # -- answers ----------------------------------------------------------------------------------------------

    def _answer(self, compute) -> None:
        try:
            self._json(HTTPStatus.OK, compute())
        except (KeyError, ValueError, TypeError) as e:
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"bad request: {e}"})
        except AudiotaleError as e:
            self._json(HTTPStatus.CONFLICT, {"error": str(e)})
        except OSError as e:  # a full disk, a read-only folder: the file is left as it was
            where = f"{e.filename}: " if e.filename else ""
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR,
                       {"error": f"{where}{e.strerror or e}; nothing was changed (check the folder and free space)"})
        except Exception as e:  # a bug: the page shows one line, the log has the traceback
            log.exception("review: %s failed", self.path.split("/", 2)[-1])
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error ({type(e).__name__}: {e})"})

    def _clip(self, key: str) -> None:
        try:
            wav = self.server.review.clip(key)
        except AudiotaleError as e:  # the engine failed on this line: the page shows the reason
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"{e}\n".encode(), "text/plain; charset=utf-8")
            return
        except Exception as e:
            log.exception("review: clip %s failed", key)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(e).__name__}: {e})\n".encode(),
                       "text/plain; charset=utf-8")
            return
        if wav is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain")
        else:
            self._send(HTTPStatus.OK, wav, "audio/wav")

    def _json(self, status: HTTPStatus, data: object) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in HEADERS.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _int(text: object) -> int:
    try:
        return int(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
