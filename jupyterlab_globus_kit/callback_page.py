"""The small HTML page the two login callbacks (Globus's and the OIDC provider's) answer
when the browser comes back from the authorize page: a title and one message, escaped,
``no-store``, never a token.

A callback is a cookie-authenticated GET, so anyone can make the user's browser open one
with a code of their choosing. Both callbacks therefore need the ``state`` of a login this
server started, and a login is only used up once its code was accepted: a crafted link can
neither finish nor spoil the user's real login. Each page says what happened and what to do.

What the provider put in ``?error=`` is attacker-controlled (anyone can send the user a
callback link), so it is echoed only when it is an OAuth error code (letters, digits and
``_``, as RFC 6749 §4.1.2.1 defines them), and at most 64 characters of it.
"""

from __future__ import annotations

import html
from typing import Optional

from jupyter_server.base.handlers import JupyterHandler

#: What every failed callback page ends with.
START_AGAIN = "Start the login again from the sidebar."
#: The callback pages' texts for what went wrong (the Globus and the OIDC one say the same).
MISSING_STATE = ("This sign-in link is missing its state, so it cannot be matched to a login "
                 "you started; nothing was changed. " + START_AGAIN)
NO_CODE = "This sign-in link carries no authorization code; nothing was changed. " + START_AGAIN
NOT_WAITING = ("No login is waiting for this sign-in link: it was used already, is older than "
               "15 minutes, or was started from another server or browser. Nothing was "
               "changed. " + START_AGAIN)
MALFORMED = ("This sign-in link's code or state is not well formed; nothing was changed. "
             + START_AGAIN)


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
