"""Hub mode: fresher ``auth_state`` from the JupyterHub user API.

``GLOBUS_DATA`` is frozen when the hub spawns the server; the hub's ``GET /user`` (with
the server's own ``JUPYTERHUB_API_TOKEN``) returns the current ``auth_state`` when the
token has the ``admin:auth_state`` scope (JupyterHub >= 2; configure it on the user role
or the server's ``oauth_client_allowed_scopes``/``Spawner.server_token_scopes``). Without
that scope, or when the hub is unreachable, the caller falls back to ``GLOBUS_DATA``.
"""

from __future__ import annotations

import json
import time
import urllib.error
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
    """``(data, None)`` with the hub's current auth_state, or ``(None, reason)`` when the hub
    is not configured, unreachable, or does not share auth_state (no token in the reason)."""
    if not hub_configured(environ):
        return None, "JUPYTERHUB_API_URL / JUPYTERHUB_API_TOKEN not set"
    url = environ["JUPYTERHUB_API_URL"].rstrip("/") + "/user"
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
        return None, f"the hub answered {err.code} to GET /user"
    except (urllib.error.URLError, OSError, ValueError) as err:
        return None, f"the hub user API is not reachable ({type(err).__name__})"
    if not isinstance(body, dict):
        return None, "the hub user API answered something other than a user model"
    auth_state = body.get("auth_state")
    if not isinstance(auth_state, dict):
        return None, ("the hub did not include auth_state (the server token needs the "
                      "admin:auth_state scope)")
    try:
        data = normalise(auth_state, time.time())
    except GlobusDataError as err:
        return None, f"the hub's auth_state is not usable ({err.code})"
    if not data.tokens:
        return None, "the hub's auth_state holds no tokens"
    return data, None
