"""The token broker: kernels ask this server for the user's live access tokens.

The server extension owns live credentials (``GLOBUS_DATA``, the hub's ``auth_state``, the
standalone login, renewal, consent, logout). A kernel started by this server inherits two
variables, set when the extension loads:

- ``GLOBUS_KIT_TOKEN_BROKER_URL``: the broker's base URL on this server, loopback only
  (``http://127.0.0.1:<port><base_url>globus-kit/broker``);
- ``GLOBUS_KIT_TOKEN_BROKER_SECRET``: random, new at every server start.

The broker answers only requests that carry the secret in :data:`SECRET_HEADER`; it never
looks at Jupyter's cookies or tokens (a browser page, which never sees the secret, cannot
use it), and refuses anything that looks like a browser or another origin (an ``Origin``
or ``Sec-Fetch-*`` header, a non-loopback ``Host`` or peer). It hands out an access token
with its expiry and scopes for a resource server or a scope, never a refresh token and
never a token of another provider (OIDC tokens stay in the OIDC manager).

:func:`live_token` is the one place that asks the rest of the extension for credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .errors import RENEW_ON_HUB, GlobusKitError, bad_input
from .globus_data import TokenInfo
from .scopes import consent_url, parse_scopes, resource_server_of
from .token_store import RELOGIN_REMEDY

#: The environment variables kernels inherit.
URL_VAR = "GLOBUS_KIT_TOKEN_BROKER_URL"
SECRET_VAR = "GLOBUS_KIT_TOKEN_BROKER_SECRET"
#: The request header carrying the secret.
SECRET_HEADER = "X-Globus-Kit-Broker-Secret"
#: The path of the broker under the server's base URL.
BROKER_PATH = ("globus-kit", "broker")

#: The scope to grant when a fixed service's token is missing (kernel-helpers' SCOPE_FOR).
SCOPE_FOR = {
    "auth.globus.org": "openid profile email urn:globus:auth:scope:auth.globus.org:view_identities",
    "transfer.api.globus.org": "urn:globus:auth:scope:transfer.api.globus.org:all",
    "groups.api.globus.org":
        "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships",
}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")
#: A resource server is a dotted name (``transfer.api.globus.org``) or a collection id.
_RESOURCE_SERVER = re.compile(r"^[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63}){1,8}$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
_LOOPBACK_NAMES = ("localhost",)


def new_secret() -> str:
    """A fresh broker secret (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def fingerprint(access_token: str) -> str:
    """SHA-256 of a token, hex: what a kernel sends to say "this one was refused" (the
    token itself never travels back)."""
    return hashlib.sha256(access_token.encode("utf-8")).hexdigest()


def secret_matches(sent: Optional[str], expected: str) -> bool:
    """Constant-time comparison of the header value with the secret."""
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


def is_loopback_host(host: Optional[str]) -> bool:
    """Whether a ``Host`` header names this machine's loopback (``127.0.0.1:8888``,
    ``localhost``, ``[::1]:8888``). A DNS-rebound page sends its own host name."""
    if not host:
        return False
    name = host.strip()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else ""
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_ip(ip: Optional[str]) -> bool:
    """Whether a peer address is loopback (IPv4-mapped IPv6 included)."""
    try:
        addr = ipaddress.ip_address((ip or "").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return addr.is_loopback or bool(mapped and mapped.is_loopback)


def refusal(headers: Mapping[str, str], remote_ip: Optional[str], secret: str
            ) -> Optional[str]:
    """Why a request must be refused (for the log line: never the secret), or None.

    :param headers: the request headers (case-insensitive mapping)
    :param remote_ip: the peer address
    :param secret: this server's broker secret
    """
    if headers.get("Origin") is not None:
        return "a cross-origin request (Origin header)"
    if any(headers.get(h) is not None for h in ("Sec-Fetch-Site", "Sec-Fetch-Mode")):
        return "a browser request (Sec-Fetch headers)"
    if not is_loopback_host(headers.get("Host")):
        return "a non-loopback Host header"
    if not is_loopback_ip(remote_ip):
        return "a non-loopback peer"
    sent = headers.get(SECRET_HEADER)
    if not sent:
        return "no broker secret"
    if not secret_matches(sent, secret):
        return "a wrong broker secret"
    return None


def broker_url(ip: str, port: int, base_url: str, sock: str = "",
               certfile: str = "") -> Optional[str]:
    """The URL a kernel on this machine reaches the broker at, or None when it cannot
    (a Unix socket, or a server bound to a non-loopback address only).

    :param ip: the server's ``ip`` setting
    :param port: the port it listens on
    :param base_url: the server's base URL (``/`` or ``/user/<name>/``)
    :param sock: the Unix socket it listens on instead, if any
    :param certfile: set when it serves HTTPS
    """
    if sock or not port:
        return None
    host: Optional[str]
    if ip in ("", "0.0.0.0", "localhost") or is_loopback_host(ip):  # noqa: S104
        host = "127.0.0.1"
    elif ip in ("::", "::1", "[::1]"):
        host = "[::1]"
    else:
        host = None
    if host is None:
        return None
    scheme = "https" if certfile else "http"
    base = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    return f"{scheme}://{host}:{port}{base}{'/'.join(BROKER_PATH)}"


# ---------------------------------------------------------------------- credentials
# The adapter: the only two calls from the broker into the rest of the extension. Both are
# coroutines that never block the server's event loop: a hub re-check, the token-file lock
# or a renewal at Globus Auth runs in a worker thread, shared by concurrent callers.

async def sync_source(manager: Any) -> None:
    """Pick up a login, renewal or logout another server process (or route) made, or the
    hub's current tokens, so that ``manager.state`` describes the current credentials (as
    ``/globus-kit/status`` does before it answers)."""
    await manager.refresh_source_async()


async def live_token(manager: Any, resource_server: str, rejected: Optional[str] = None
                     ) -> Optional[TokenInfo]:
    """THE adapter to the rest of the extension: the current token for
    ``resource_server`` (renewed when about to expire, as the ``/globus-kit/*`` routes get
    it: :meth:`~.login.LoginManager.token_async`, so concurrent kernels asking during a
    renewal share one request to Auth), or None. With ``rejected`` (the fingerprint of a
    token a service refused with 401) and that token still current, it is renewed first
    (or another process's renewal adopted), as the routes do after a 401.
    """
    token = await manager.token_async(resource_server)
    if rejected and token is not None and token.access_token \
            and hmac.compare_digest(fingerprint(token.access_token), rejected):
        if await manager.renew_after_401_async(resource_server, token.access_token):
            token = await manager.token_async(resource_server)
    return token


class Broker:
    """What the broker route answers, as plain functions of the server's credentials.

    :param state: the server's :class:`~.status.GlobusState` (source, data, service URLs)
    :param manager: the :class:`~.login.LoginManager` (passed to :func:`live_token`)
    :param secret: this server start's secret
    """

    def __init__(self, state: Any, manager: Any, secret: str) -> None:
        self.state = state
        self.manager = manager
        self.secret = secret

    async def status(self) -> Dict[str, Any]:
        """Identity and per-token status (no token): the ``/globus-kit/status`` document."""
        await sync_source(self.manager)
        return self.state.status()

    async def token(self, wanted: str, rejected: Optional[str] = None) -> Dict[str, Any]:
        """The access token for a resource server or a scope.

        :param wanted: ``transfer.api.globus.org``, a collection id, or a scope string
        :param rejected: fingerprint of the token a service just refused (401)
        :raises GlobusKitError: ``BAD_INPUT``, ``NO_CREDENTIALS``, ``CONSENT_REQUIRED``
            (with ``consentUrl``), ``TOKEN_EXPIRED`` (with ``remedy``)
        """
        if rejected is not None and not _FINGERPRINT.match(rejected):
            raise bad_input("'rejected' must be the SHA-256 (64 hex digits) of the refused token")
        resource_server, scope = await self._resolve(wanted)
        token = (await live_token(self.manager, resource_server, rejected)
                 if resource_server else None)
        if token is None or not token.access_token:
            raise self._missing(wanted, resource_server, scope)
        refused = rejected is not None and hmac.compare_digest(
            fingerprint(token.access_token), rejected)
        expired = token.expires_at is not None and token.expires_at <= time.time()
        if refused or expired:
            remedy = self._remedy()
            when = (f" at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(token.expires_at))}"
                    if expired and token.expires_at is not None else "")
            why = f"expired{when}" if expired else "was refused by Globus and could not be renewed"
            raise GlobusKitError(
                "TOKEN_EXPIRED", f"The token for {token.resource_server} {why}. {remedy}",
                401, resourceServer=token.resource_server, remedy=remedy)
        return {
            "resourceServer": token.resource_server,
            "accessToken": token.access_token,
            "tokenType": token.token_type or "Bearer",
            "expiresAt": token.expires_at,
            "scopes": list(token.scopes),
            "source": self.state.source or "GLOBUS_DATA",
        }

    # -- internals

    def _tokens(self) -> Dict[str, TokenInfo]:
        data = self.state.data
        return dict(data.tokens) if data is not None else {}

    async def _resolve(self, wanted: str) -> Tuple[Optional[str], Optional[str]]:
        """``(resource server, scope)`` for a request: a resource server as such, a scope
        through the token that holds it (else the resource server its form names)."""
        if not isinstance(wanted, str) or not wanted.strip() or len(wanted) > 2000:
            raise bad_input("'resource' must be a resource server, a collection id or a scope")
        wanted = wanted.strip()
        if _RESOURCE_SERVER.match(wanted) or _UUID.match(wanted):
            return (wanted.lower() if _UUID.match(wanted) else wanted), None
        names: List[str] = [s.name for s in parse_scopes(wanted)]
        if len(names) != 1:
            raise bad_input("'resource' must name one scope (dependencies in brackets allowed)")
        name = names[0]
        await sync_source(self.manager)
        for rs, token in sorted(self._tokens().items()):
            if name in token.scopes:
                return rs, wanted
        return resource_server_of(name), wanted

    def _missing(self, wanted: str, resource_server: Optional[str], scope: Optional[str]
                 ) -> GlobusKitError:
        if self.state.data is None:
            return GlobusKitError(
                "NO_CREDENTIALS",
                "This server holds no Globus tokens: log in with Globus from the Globus "
                "sidebar (or, on JupyterHub, ask the admin to pass GLOBUS_DATA), then run "
                "the cell again.", 401, resourceServer=resource_server)
        if scope is None and resource_server is not None:
            if resource_server in SCOPE_FOR:
                scope = SCOPE_FOR[resource_server]
            elif _UUID.match(resource_server):
                scope = f"https://auth.globus.org/scopes/{resource_server}/https"
        if scope is None:
            return GlobusKitError(
                "NO_CREDENTIALS",
                f"No token for {wanted} in this server's Globus login, and no scope is "
                "known to ask for it: pass the scope instead.", 401,
                resourceServer=resource_server)
        scopes = scope.split()
        url = consent_url(scopes, auth_base=self.state.service_urls.get("auth"),
                          client_id=self.state.data.client_id,
                          parameters={"prompt": "login"})
        return GlobusKitError(
            "CONSENT_REQUIRED",
            f"No token for {resource_server or wanted}: consent to {scope} is missing. "
            "Grant it from the Globus sidebar (or open the consent link), then run the cell "
            "again.", 403, requiredScopes=scopes, consentUrl=url,
            resourceServer=resource_server)

    def _remedy(self) -> str:
        return RELOGIN_REMEDY if self.state.source == "stored-login" else RENEW_ON_HUB
