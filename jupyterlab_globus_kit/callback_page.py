"""The small HTML page the two login callbacks (Globus's and the OIDC provider's) answer
when the browser comes back from the authorize page: a title and one message, escaped,
``no-store``, never a token.

What the provider put in ``?error=`` is attacker-controlled (anyone can send the user a
callback link), so it is echoed only when it is an OAuth error code (letters, digits and
``_``, as RFC 6749 §4.1.2.1 defines them), and at most 64 characters of it.
"""

from __future__ import annotations

import html
from typing import Optional

from jupyter_server.base.handlers import JupyterHandler


def error_word(error: Optional[str]) -> str:
    """The ``error`` a callback received, fit to show: an OAuth error code, else ``no code``."""
    if error and error.replace("_", "").isalnum() and error.isascii():
        return error[:64]
    return "no code"


def answer_page(handler: JupyterHandler, title: str, text: str, status: int = 200) -> None:
    """Finish ``handler`` with the page."""
    handler.set_header("Cache-Control", "no-store")
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.set_status(status)
    handler.finish(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title></head><body><h1>{html.escape(title)}</h1><p id='message'>"
        f"{html.escape(text)}</p></body></html>")
