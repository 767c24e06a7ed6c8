"""The ``/globus-kit/status`` answer, built from the environment without touching HTTP.

Kept apart from the handler so it can be tested as a plain function.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Mapping, Optional

from .globus_data import GlobusData, GlobusDataError, load

#: Environment variables naming the Globus service base URLs (same names as the SDKs').
SERVICE_URL_VARS = {
    "auth": "GLOBUS_SDK_SERVICE_URL_AUTH",
    "transfer": "GLOBUS_SDK_SERVICE_URL_TRANSFER",
    "groups": "GLOBUS_SDK_SERVICE_URL_GROUPS",
}

NO_DATA_MESSAGE = (
    "GLOBUS_DATA is not set, so this server holds no Globus tokens. On a Globus-enabled "
    "JupyterHub, ask the admin to enable auth_state (enable_auth_state and "
    "JUPYTERHUB_CRYPT_KEY) and restart your server; locally, start JupyterLab with "
    "GLOBUS_DATA set (for example through `npm run demo`)."
)


#: ``problem.code`` when the hub's auth_state holds no tokens (``tokens: {}`` or ``''``, as
#: JupyterHub's Globus authenticator leaves it after a logout that revokes them).
NO_HUB_TOKENS = "no-hub-tokens"


def no_hub_tokens_message(login_available: bool) -> str:
    """What the status, the routes and kernel-helpers say when the hub gave no tokens: only
    what is known (not why: revoked at a logout, or never given), and what to do."""
    return ("The hub gave this server no Globus tokens. Log out of the hub and log in again"
            + (", or log in with Globus from the sidebar." if login_available else "."))


class GlobusState:
    """Decodes ``GLOBUS_DATA`` once per server process and remembers the outcome.

    The variable is frozen when the hub spawns the server, so decoding once is enough.
    Tokens stay in this object; only :meth:`status` leaves the process.
    """

    def __init__(self, environ: Optional[Mapping[str, str]] = None,
                 reference_time: Optional[float] = None) -> None:
        env = os.environ if environ is None else environ
        self.reference_time = time.time() if reference_time is None else reference_time
        self.data: Optional[GlobusData] = None
        self.error: Optional[GlobusDataError] = None
        self.present = bool(env.get("GLOBUS_DATA", "").strip())
        self.service_urls = {k: env.get(v) or None for k, v in SERVICE_URL_VARS.items()}
        #: Whether a standalone login is possible (a native client id is configured).
        self.login_available = bool(env.get("GLOBUS_KIT_CLIENT_ID"))
        #: Set by :class:`~.login.LoginManager`: ``hub-api``, ``GLOBUS_DATA``,
        #: ``stored-login`` or ``none``; None until a manager decides (then GLOBUS_DATA rules).
        self.source: Optional[str] = None
        if self.present:
            try:
                self.data = load(env["GLOBUS_DATA"], self.reference_time)
            except GlobusDataError as err:
                self.error = err

    def status(self, now: Optional[float] = None) -> Dict[str, Any]:
        """The JSON-able status document: identity, tokens (no secrets), and problems."""
        now = time.time() if now is None else now
        doc: Dict[str, Any] = {
            "serverTime": now,
            "source": "GLOBUS_DATA" if self.present else "none",
            "available": self.data is not None,
            "serviceUrls": {k: v for k, v in self.service_urls.items() if v},
            "shape": None,
            "clientId": None,
            "identity": None,
            "tokens": [],
            "groups": [],
            "problem": None,
        }
        if self.source in ("hub-api", "stored-login") and self.data is not None:
            doc["source"] = self.source
            doc["available"] = True
            doc.update(self.data.public_status(now))
            if self.source == "hub-api" and not self.data.tokens:
                # the hub's current auth_state holds none: revoked at a hub logout
                doc["problem"] = {"code": NO_HUB_TOKENS,
                                  "message": no_hub_tokens_message(self.login_available)}
        elif not self.present:
            doc["problem"] = {"code": "no-globus-data", "message": NO_DATA_MESSAGE}
        elif self.error is not None:
            doc["problem"] = {
                "code": f"globus-data-{self.error.code}",
                "message": f"{self.error} (GLOBUS_DATA could not be decoded; nothing was "
                "executed). Ask the hub admin to check the authenticator version.",
            }
        else:
            assert self.data is not None
            doc.update(self.data.public_status(now))
            if not self.data.tokens:
                doc["problem"] = {"code": NO_HUB_TOKENS,
                                  "message": no_hub_tokens_message(self.login_available)}
        return doc
