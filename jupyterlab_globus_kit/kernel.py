"""Globus credentials in a Python kernel started by JupyterLab, from the server's broker.

::

    from jupyterlab_globus_kit.kernel import access_token, authorizer, headers, tokens

    tokens()                                          # who, and each token's status (redacted)
    tc = globus_sdk.TransferClient(authorizer=authorizer("transfer.api.globus.org"))
    requests.get(url, headers=headers(collection_id))  # a collection's HTTPS token
    access_token("urn:globus:auth:scope:transfer.api.globus.org:all")

The server extension owns the user's live credentials (``GLOBUS_DATA``, the hub's current
``auth_state``, the sidebar's login, renewal, consent, logout). A kernel it starts inherits
``GLOBUS_KIT_TOKEN_BROKER_URL`` and ``GLOBUS_KIT_TOKEN_BROKER_SECRET`` and asks it for
access tokens (never refresh tokens), so a login, consent or logout done in the sidebar
applies to the kernel's next call. Standard library only.

The authorizer follows globus-sdk's authorizer protocol (``get_authorization_header()``
and ``handle_missing_authorization()``; see
https://globus-sdk-python.readthedocs.io/en/stable/authorization/globus_authorizers.html).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    "BrokerAuthorizer", "BrokerUnavailableError", "GlobusKitError", "TokenStatus",
    "access_token", "authorizer", "headers", "https_url", "tokens", "web_app_url",
]

URL_VAR = "GLOBUS_KIT_TOKEN_BROKER_URL"
SECRET_VAR = "GLOBUS_KIT_TOKEN_BROKER_SECRET"
SECRET_HEADER = "X-Globus-Kit-Broker-Secret"
#: Seconds to wait for the broker.
TIMEOUT = 30.0

NOT_UNDER_SERVER = (
    "This kernel was not started by a Jupyter server with jupyterlab-globus-kit, so there is "
    "no token broker to ask ({missing} not set). Open the notebook in JupyterLab with the "
    "extension installed (and restart the kernel), or use globus-sdk's own login "
    "(globus_sdk.UserApp) outside JupyterLab."
)


class GlobusKitError(Exception):
    """The broker refused: ``code`` is stable (``NO_CREDENTIALS``, ``CONSENT_REQUIRED``,
    ``TOKEN_EXPIRED``, ``BAD_INPUT``, ``FORBIDDEN``…), ``consent_url``/``required_scopes``
    for a missing consent, ``remedy`` for an expired token. Never carries a token."""

    def __init__(self, code: str, message: str, facts: Optional[Mapping[str, Any]] = None
                 ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        facts = dict(facts or {})
        self.consent_url: Optional[str] = facts.get("consentUrl")
        self.required_scopes: List[str] = list(facts.get("requiredScopes") or [])
        self.remedy: Optional[str] = facts.get("remedy")
        self.resource_server: Optional[str] = facts.get("resourceServer")

    def _repr_html_(self) -> str:
        from html import escape

        link = (f' <a href="{escape(self.consent_url)}" target="_blank" rel="noopener">'
                "Grant consent</a>" if self.consent_url else "")
        return f"<b>{escape(self.code)}</b>: {escape(self.message)}{link}"


class BrokerUnavailableError(GlobusKitError):
    """No broker: the kernel was not started by a server with the extension."""


def _endpoint() -> "tuple[str, str]":
    url = os.environ.get(URL_VAR, "").strip()
    secret = os.environ.get(SECRET_VAR, "").strip()
    missing = [n for n, v in ((URL_VAR, url), (SECRET_VAR, secret)) if not v]
    if missing:
        raise BrokerUnavailableError("BROKER_UNAVAILABLE",
                                     NOT_UNDER_SERVER.format(missing=" and ".join(missing)))
    return url.rstrip("/"), secret


def _ask(operation: str, body: Mapping[str, Any]) -> Dict[str, Any]:
    base, secret = _endpoint()
    req = urllib.request.Request(
        f"{base}/{operation}", data=json.dumps(dict(body)).encode("utf-8"), method="POST",
        headers={SECRET_HEADER: secret, "Content-Type": "application/json",
                 "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as res:  # noqa: S310 - our server
            text = res.read(1024 * 1024).decode("utf-8")
    except urllib.error.HTTPError as err:
        try:
            doc = json.loads(err.read(64 * 1024).decode("utf-8"))
        except ValueError:
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        raise GlobusKitError(str(doc.get("code") or f"HTTP_{err.code}"),
                             str(doc.get("message") or f"the token broker answered {err.code}"),
                             doc) from None
    except (urllib.error.URLError, OSError) as err:
        raise BrokerUnavailableError(
            "BROKER_UNAVAILABLE",
            f"The Jupyter server's token broker is not reachable ({type(err).__name__}); "
            "if the server was restarted, restart this kernel.") from None
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise GlobusKitError("MALFORMED_RESPONSE", "The token broker answered no JSON object.")
    return doc


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_doc(resource_server_or_scope: str, rejected: Optional[str] = None) -> Dict[str, Any]:
    if not isinstance(resource_server_or_scope, str) or not resource_server_or_scope.strip():
        raise GlobusKitError("BAD_INPUT", "Pass a resource server (transfer.api.globus.org), "
                             "a collection id or a scope.")
    body: Dict[str, Any] = {"resource": resource_server_or_scope.strip()}
    if rejected:
        body["rejected"] = rejected
    doc = _ask("token", body)
    if not isinstance(doc.get("accessToken"), str) or not doc["accessToken"]:
        raise GlobusKitError("MALFORMED_RESPONSE", "The token broker answered without a token.")
    return doc


def access_token(resource_server_or_scope: str) -> str:
    """The current access token for a resource server (``transfer.api.globus.org``), a
    collection id (its HTTPS token) or a scope, asked from the server each time.

    :raises GlobusKitError: ``NO_CREDENTIALS``, ``CONSENT_REQUIRED`` (``consent_url``),
        ``TOKEN_EXPIRED`` (``remedy``); :class:`BrokerUnavailableError` outside JupyterLab
    """
    return str(_token_doc(resource_server_or_scope)["accessToken"])


def headers(resource_server_or_scope: str) -> Dict[str, str]:
    """``{"Authorization": "Bearer …"}`` for ``requests``/``urllib`` calls."""
    doc = _token_doc(resource_server_or_scope)
    return {"Authorization": f"{doc.get('tokenType') or 'Bearer'} {doc['accessToken']}"}


class TokenStatus:
    """Who is logged in and each token's status, without any token.

    ``identity`` (dict or None), ``source`` (``GLOBUS_DATA``, ``hub-api``, ``stored-login``,
    ``none``), ``tokens`` (one dict per resource server: scopes, expiry, status),
    ``problem`` (what to fix, or None).
    """

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.source: str = str(doc.get("source") or "none")
        identity = doc.get("identity")
        self.identity: Optional[Dict[str, Any]] = dict(identity) if isinstance(identity, dict) \
            else None
        self.tokens: List[Dict[str, Any]] = [dict(t) for t in doc.get("tokens") or []
                                             if isinstance(t, dict)]
        problem = doc.get("problem")
        self.problem: Optional[Dict[str, Any]] = dict(problem) if isinstance(problem, dict) \
            else None

    @property
    def username(self) -> Optional[str]:
        ident = self.identity or {}
        return ident.get("preferred_username") or ident.get("username") or ident.get("sub")

    def __repr__(self) -> str:
        lines = [f"Globus login of {self.username or 'nobody'} (from {self.source})"]
        for t in self.tokens:
            exp = t.get("expiresAt")
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(exp)) \
                if isinstance(exp, (int, float)) else "unknown expiry"
            lines.append(f"  {t.get('resourceServer')}: {t.get('status')}, {when}, "
                         f"scopes {' '.join(t.get('scopes') or [])}")
        if self.problem:
            lines.append(f"  problem: {self.problem.get('message')}")
        return "\n".join(lines)


def tokens() -> TokenStatus:
    """Identity and per-token status from the server (no token in it, nor in its repr)."""
    return TokenStatus(_ask("status", {}))


class BrokerAuthorizer:
    """A globus-sdk authorizer backed by the broker: ``get_authorization_header()``, which
    globus-sdk calls before every request, hands out the server's current token (one
    loopback request), so a login, consent or logout in the sidebar applies to the next
    request; ``handle_missing_authorization()``, which globus-sdk calls after a 401, asks
    again saying which token was refused, and is True when a different token came back.
    """

    def __init__(self, resource_server_or_scope: str) -> None:
        self.resource = resource_server_or_scope
        self._token: Optional[str] = None
        self._type = "Bearer"
        self._expires_at: Optional[float] = None

    def _load(self, rejected: Optional[str] = None) -> None:
        doc = _token_doc(self.resource, rejected)
        self._token = str(doc["accessToken"])
        self._type = str(doc.get("tokenType") or "Bearer")
        exp = doc.get("expiresAt")
        self._expires_at = float(exp) if isinstance(exp, (int, float)) else None

    def get_authorization_header(self) -> Optional[str]:
        """``Bearer <token>``: the server's current token (it renews within a minute of
        expiry)."""
        self._load()
        return f"{self._type} {self._token}"

    def handle_missing_authorization(self) -> bool:
        """After a 401: ask the server again (it renews the refused token when it can).
        True when a different token is now in use.

        :raises GlobusKitError: when the server has no token to give any more (logged out:
            ``NO_CREDENTIALS``; not renewable: ``TOKEN_EXPIRED``), so the failing call says
            why instead of a bare 401
        """
        old = self._token
        self._load(_fingerprint(old) if old else None)
        return self._token != old

    def __repr__(self) -> str:
        state = "no token yet" if self._token is None else "token held (redacted)"
        return f"BrokerAuthorizer({self.resource!r}, {state})"


def authorizer(resource_server_or_scope: str) -> BrokerAuthorizer:
    """A globus-sdk authorizer with the user's live token for a resource server or scope:
    ``globus_sdk.TransferClient(authorizer=authorizer("transfer.api.globus.org"))``."""
    return BrokerAuthorizer(resource_server_or_scope)


#: Production Transfer, when ``GLOBUS_SDK_SERVICE_URL_TRANSFER`` is not set.
PRODUCTION_TRANSFER = "https://transfer.api.globus.org"
#: The Globus web app's file manager.
WEB_APP_FILE_MANAGER = "https://app.globus.org/file-manager"
_https_servers: Dict[str, str] = {}


def _collection_path(collection_id: str, path: str) -> None:
    if not isinstance(collection_id, str) or not collection_id.strip():
        raise GlobusKitError("BAD_INPUT", "Pass the collection id.")
    if not isinstance(path, str) or not path.startswith("/"):
        raise GlobusKitError("BAD_INPUT", f"A collection path must start with '/' (got {path!r}).")


def https_url(collection_id: str, path: str) -> str:
    """The HTTPS URL of a path on a collection: the collection's ``https_server`` (asked
    from Transfer once per collection, with the user's Transfer token) and the path,
    percent-encoded. Pair it with ``access_token(collection_id)``.

    :raises GlobusKitError: ``NO_HTTPS`` when the collection has no HTTPS server
    """
    _collection_path(collection_id, path)
    server = _https_servers.get(collection_id)
    if server is None:
        base = (os.environ.get("GLOBUS_SDK_SERVICE_URL_TRANSFER") or PRODUCTION_TRANSFER)
        url = f"{base.rstrip('/')}/v0.10/endpoint/{urllib.parse.quote(collection_id, safe='')}"
        req = urllib.request.Request(url, headers={
            **headers("transfer.api.globus.org"), "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as res:  # noqa: S310
                doc = json.loads(res.read(4 * 1024 * 1024).decode("utf-8"))
        except urllib.error.HTTPError as err:
            raise GlobusKitError(
                f"HTTP_{err.code}",
                f"Transfer answered {err.code} for collection {collection_id}.") from None
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise GlobusKitError(
                "NETWORK_ERROR",
                f"Transfer is not reachable ({type(err).__name__}); try again.") from None
        found = doc.get("https_server") if isinstance(doc, dict) else None
        if not isinstance(found, str) or not found.startswith(("https://", "http://")):
            raise GlobusKitError("NO_HTTPS",
                                 f"Collection {collection_id} has no HTTPS server; move the "
                                 "data with a Globus transfer instead.")
        server = _https_servers[collection_id] = found.rstrip("/")
    return server + urllib.parse.quote(path, safe="/~")


def web_app_url(collection_id: str, path: str) -> str:
    """The Globus web app's file manager at a path's folder (a file's own folder)."""
    _collection_path(collection_id, path)
    folder = path if path.endswith("/") else path[:path.rfind("/") + 1] or "/"
    return WEB_APP_FILE_MANAGER + "?" + urllib.parse.urlencode(
        {"origin_id": collection_id, "origin_path": folder})
