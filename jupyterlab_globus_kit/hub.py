"""Hub mode: fresher ``auth_state`` from the JupyterHub user API.

``GLOBUS_DATA`` is frozen when the hub spawns the server; the hub's
``GET /users/{JUPYTERHUB_USER}`` (with the server's own ``JUPYTERHUB_API_TOKEN``) returns
the current ``auth_state`` when the token has the ``admin:auth_state`` scope (JupyterHub
>= 2; configure it on the user role or the server's ``oauth_client_allowed_scopes``/
``Spawner.server_token_scopes``). ``GET /user`` is not asked: it answers
``"auth_state": null`` even when the token holds the scope (jupyterhub/jupyterhub#5103,
seen on 3.0 and 5.3.0). Without the scope, without ``JUPYTERHUB_USER``, or when the hub is
unreachable, the caller falls back to ``GLOBUS_DATA``; the reason names the request and
what its answer lacked.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Optional, Tuple

from .globus_data import GlobusData, GlobusDataError, normalise

#: Seconds to wait for the hub.
HUB_TIMEOUT = 5.0


def hub_configured(environ: Mapping[str, str]) -> bool:
    """Whether the hub's API URL and token are both present."""
    return bool(environ.get("JUPYTERHUB_API_URL") and environ.get("JUPYTERHUB_API_TOKEN"))


def fetch_hub_auth_state(environ: Mapping[str, str], timeout: float = HUB_TIMEOUT
                         ) -> Tuple[Optional[GlobusData], Optional[str]]:
    """``(data, None)`` with the hub's current auth_state (its ``tokens`` may be empty: the
    hub revoked them), or ``(None, reason)`` when the hub is not configured, unreachable, or
    does not share auth_state. The reason names the
    request and what its answer lacked (never a token)."""
    if not hub_configured(environ):
        return None, "JUPYTERHUB_API_URL / JUPYTERHUB_API_TOKEN not set"
    user = environ.get("JUPYTERHUB_USER") or ""
    if not user:
        return None, ("JUPYTERHUB_USER is not set, so the hub's auth_state was not asked "
                      "(GET /users/{name}; GET /user never carries it, "
                      "jupyterhub/jupyterhub#5103)")
    request = f"GET /users/{urllib.parse.quote(user, safe='')}"
    url = environ["JUPYTERHUB_API_URL"].rstrip("/") + request[4:]
    if not url.startswith(("http://", "https://")):
        return None, "JUPYTERHUB_API_URL is not http(s)"
    req = urllib.request.Request(url, headers={
        "Authorization": "token " + environ["JUPYTERHUB_API_TOKEN"],
        "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310 - http(s) checked
            body: Any = json.loads(res.read(4 * 1024 * 1024).decode("utf-8"))
    except urllib.error.HTTPError as err:
        return None, f"the hub answered {err.code} to {request}"
    except (urllib.error.URLError, OSError, ValueError) as err:
        return None, f"the hub user API is not reachable ({type(err).__name__}) for {request}"
    if not isinstance(body, dict):
        return None, f"the hub's answer to {request} is not a user model"
    auth_state = body.get("auth_state")
    if not isinstance(auth_state, dict):
        return None, (f"the hub's answer to {request} has no auth_state (the server token "
                      "needs the admin:auth_state scope, or the hub keeps no auth_state)")
    try:
        data = normalise(auth_state, time.time())
    except GlobusDataError as err:
        return None, f"the auth_state in the hub's answer to {request} is not usable ({err.code})"
    # An auth_state without tokens is still the hub's current word: its Globus authenticator
    # leaves `tokens: {}` after a logout that revoked them, so the GLOBUS_DATA copy is dead
    # too. The caller says so (status no-hub-tokens) instead of falling back to it.
    return data, None
