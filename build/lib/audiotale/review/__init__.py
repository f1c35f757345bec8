"""`audiotale review`: a local page to hear, check and correct who says what.

  session.py   one book, its voices.toml and its corrections file: what the page reads and changes
  server.py    the HTTP server on 127.0.0.1: the token, the Host check, the routes
  static/      the page itself (index.html, review.js, review.css): no build step, no CDN
"""

from __future__ import annotations

from .server import ReviewServer, open_browser, should_open_browser
from .session import Review, ReviewError

__all__ = ["Review", "ReviewError", "ReviewServer", "open_browser", "should_open_browser"]
