"""A generic OIDC provider on the server side (issue #9): discovery, client credentials,
PKCE login from the sidebar, refresh and userinfo, for the ``/globus-kit/oidc/*`` and
``/globus-kit/workspaces*`` routes.

Configuration comes from the same environment variables as kernel-helpers'
``connectOidc()``, so a login in the sidebar and a session in a kernel share one token file:

- ``GLOBUS_KIT_OIDC_ISSUER``, ``GLOBUS_KIT_OIDC_CLIENT_ID`` (both needed),
  ``GLOBUS_KIT_OIDC_CLIENT_SECRET`` (a confidential client: client credentials),
  ``GLOBUS_KIT_OIDC_SCOPES`` (space-separated), ``GLOBUS_KIT_PLATFORM_URL``,
  ``GLOBUS_KIT_OIDC_REDIRECT_URI`` (the code page of a pasted-code login);
- the stored login: ``GLOBUS_KIT_OIDC_TOKEN_FILE``, else
  ``<jupyter data dir>/globus-kit/oidc-<first 16 hex of sha256(issuer + "\\n" + client id)>.json``,
  the format and lock protocol of :mod:`.token_store` with one token under ``tokens.oidc``.

Credential source: a stored login (a person logged in) wins; else client credentials when a
secret is configured; else none. Tokens stay in this process and the token file; no answer,
error or log line carries one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import os
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from jupyter_core.paths import jupyter_data_dir

from .errors import GlobusKitError
from .globus_data import finite_number
from .login import make_pkce_pair
from .oidc_http import checked_url, fetch_json
from .token_store import (
    DELETE, REFRESH_WINDOW, TokenFile, TokenFileError, fresh, renewed_elsewhere,
    update_pending_logins, with_renewed,
)

#: Scopes asked for when ``GLOBUS_KIT_OIDC_SCOPES`` is not set (kernel-helpers' default).
DEFAULT_OIDC_SCOPES = ("openid", "profile", "email", "offline_access", "platform")
#: The token file's key (and ``resource_server``) of the provider's token.
OIDC_RESOURCE_SERVER = "oidc"
#: How long discovered metadata is reused, seconds.
METADATA_TTL = 600.0
#: Most logins waiting at once (older ones are dropped).
MAX_PENDING = 20

RELOGIN_REMEDY = (
    "Log in again: choose the provider in the Globus sidebar and click \"Log in\", or run "
    "`await oidc.login()` in a cell."
)

_IDENTITY_KEYS = ("sub", "preferred_username", "name", "email")


@dataclass
class OidcConfig:
    """The provider this server talks to (from the environment)."""

    issuer: str
    client_id: str
    client_secret: Optional[str] = field(default=None, repr=False)
    scopes: Tuple[str, ...] = DEFAULT_OIDC_SCOPES
    platform_url: Optional[str] = None
    token_file: str = ""
    #: Where the provider shows the code to paste (``GLOBUS_KIT_OIDC_REDIRECT_URI``, else
    #: Keycloak's ``{issuer}/protocol/openid-connect/oob``), as the kernel's default.
    paste_redirect_uri: str = ""

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["OidcConfig"]:
        """The configuration, or None when the issuer or the client id is not set."""
        env = os.environ if environ is None else environ
        issuer = (env.get("GLOBUS_KIT_OIDC_ISSUER") or "").strip()
        client_id = (env.get("GLOBUS_KIT_OIDC_CLIENT_ID") or "").strip()
        if not issuer or not client_id:
            return None
        scopes = tuple((env.get("GLOBUS_KIT_OIDC_SCOPES") or "").split()) or DEFAULT_OIDC_SCOPES
        return cls(
            issuer=issuer, client_id=client_id,
            client_secret=env.get("GLOBUS_KIT_OIDC_CLIENT_SECRET") or None,
            scopes=scopes,
            platform_url=(env.get("GLOBUS_KIT_PLATFORM_URL") or "").strip() or None,
            token_file=oidc_token_file_path(issuer, client_id, env),
            paste_redirect_uri=(env.get("GLOBUS_KIT_OIDC_REDIRECT_URI") or "").strip()
            or issuer.rstrip("/") + "/protocol/openid-connect/oob",
        )

    @property
    def label(self) -> str:
        """What the sidebar calls the provider: the issuer's host (and port)."""
        return urllib.parse.urlsplit(self.issuer).netloc or self.issuer


def oidc_token_file_path(issuer: str, client_id: str,
                         environ: Optional[Mapping[str, str]] = None) -> str:
    """The stored login's path: the same rule as kernel-helpers' ``oidcTokenFilePath``."""
    env = os.environ if environ is None else environ
    explicit = env.get("GLOBUS_KIT_OIDC_TOKEN_FILE")
    if explicit:
        return explicit
    digest = hashlib.sha256(f"{issuer}\n{client_id}".encode("utf-8")).hexdigest()[:16]
    data_dir = env.get("JUPYTER_DATA_DIR") if environ is not None else None
    return os.path.join(data_dir or jupyter_data_dir(), "globus-kit", f"oidc-{digest}.json")


def _oauth_error(doc: Any) -> str:
    """The provider's RFC 6749 ``error`` code when it is a plain word (nothing else of the
    body is repeated: a description could quote a request)."""
    code = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(code, str) and code.replace("_", "").isalnum() and len(code) < 64:
        return code
    return ""


def _jwt_claims(token: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def identity_of(doc: Any) -> Optional[Dict[str, Any]]:
    """The identity fields the sidebar shows, from userinfo or id_token claims."""
    if not isinstance(doc, dict) or not isinstance(doc.get("sub"), str):
        return None
    return {k: doc.get(k) if isinstance(doc.get(k), str) else None for k in _IDENTITY_KEYS}


@dataclass
class Bearer:
    """An access token for the platform calls, and whose it is (for per-user caches)."""

    access_token: str = field(repr=False)
    source: str
    owner: str
    expires_at: Optional[float]
    scopes: List[str]


class OidcManager:
    """Credentials of the OIDC provider for the routes; one per server process."""

    def __init__(self, config: Optional[OidcConfig]) -> None:
        self.config = config
        self._metadata: Optional[Dict[str, Any]] = None
        self._metadata_at = 0.0
        self._app_token: Optional[Dict[str, Any]] = None
        self._userinfo: Dict[str, Dict[str, Any]] = {}
        #: Started logins wait in the kernel's ``pending-logins.json`` next to the token
        #: file, so a login started in a cell can be finished here and vice versa.
        self.pending_path = os.path.join(os.path.dirname(config.token_file),
                                         "pending-logins.json") if config else ""
        self._renewing = asyncio.Lock()
        self.file = TokenFile(config.token_file) if config else None
        #: Bumped on every login and logout: caches keyed by it (STS credentials) go stale.
        self.generation = 0

    # ------------------------------------------------------------------ configuration

    @property
    def configured(self) -> bool:
        return self.config is not None

    def require_config(self) -> OidcConfig:
        if self.config is None:
            raise GlobusKitError(
                "OIDC_NOT_CONFIGURED",
                "No OIDC provider is configured for this server. Set GLOBUS_KIT_OIDC_ISSUER "
                "and GLOBUS_KIT_OIDC_CLIENT_ID (and GLOBUS_KIT_OIDC_CLIENT_SECRET for an "
                "application) for the Jupyter server.", 404)
        return self.config

    def provider_document(self) -> Dict[str, Any]:
        """The OIDC entry of ``GET providers``."""
        if self.config is None:
            return {"id": "oidc", "label": "OIDC", "issuer": None, "configured": False}
        return {"id": "oidc", "label": self.config.label, "issuer": self.config.issuer,
                "configured": True, "platform": bool(self.config.platform_url)}

    async def metadata(self) -> Dict[str, Any]:
        """The provider's discovery document (checked, cached for 10 minutes).

        See https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
        """
        config = self.require_config()
        if self._metadata is not None and time.time() - self._metadata_at < METADATA_TTL:
            return self._metadata
        issuer = checked_url(config.issuer, "OIDC issuer")
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        res = await fetch_json(url, service="OIDC provider", operation="discovery")
        doc = res.doc
        if res.status != 200 or not isinstance(doc, dict):
            raise GlobusKitError(
                "OIDC_DISCOVERY_FAILED",
                f"OIDC discovery at {config.label} failed ({res.status}). Check "
                "GLOBUS_KIT_OIDC_ISSUER and that the provider is up.", 502)
        # Discovery §4.3: the document must name exactly the issuer it was fetched for.
        if str(doc.get("issuer", "")).rstrip("/") != config.issuer.rstrip("/"):
            raise GlobusKitError(
                "OIDC_DISCOVERY_FAILED",
                f"The OIDC provider at {config.label} names another issuer in its discovery "
                "document; GLOBUS_KIT_OIDC_ISSUER must be the exact issuer URL.", 502)
        for key in ("token_endpoint", "authorization_endpoint"):
            checked_url(doc.get(key), f"provider's {key}", "OIDC_DISCOVERY_FAILED")
        self._metadata, self._metadata_at = doc, time.time()
        return doc

    # ------------------------------------------------------------------ tokens

    async def _token_request(self, form: Dict[str, str], failure: GlobusKitError
                             ) -> Dict[str, Any]:
        """POST the token endpoint with this client's authentication (RFC 6749 §2.3.1:
        HTTP Basic with form-encoded id and secret, or ``client_id`` for a public client).
        An error answer raises ``failure`` (with the provider's ``error`` code added)."""
        config = self.require_config()
        meta = await self.metadata()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        form = dict(form)
        if config.client_secret:
            pair = (f"{urllib.parse.quote(config.client_id, safe='')}:"
                    f"{urllib.parse.quote(config.client_secret, safe='')}")
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = config.client_id
        res = await fetch_json(meta["token_endpoint"], service="OIDC provider",
                               operation="token", method="POST", headers=headers,
                               body=urllib.parse.urlencode(form))
        doc = res.doc
        if res.status >= 300 or not isinstance(doc, dict) \
                or not isinstance(doc.get("access_token"), str):
            oauth = _oauth_error(doc)
            failure.facts.update(providerStatus=res.status, **({"oauthError": oauth}
                                                               if oauth else {}))
            raise failure
        return doc

    async def _client_credentials(self) -> Dict[str, Any]:
        config = self.require_config()
        token = self._app_token
        if token is not None and fresh(token):
            return token
        async with self._renewing:
            token = self._app_token
            if token is not None and fresh(token):
                return token
            failure = GlobusKitError(
                "OIDC_TOKEN_FAILED",
                f"The OIDC provider at {config.label} refused the client credentials of "
                f"'{config.client_id}'. Check GLOBUS_KIT_OIDC_CLIENT_ID and "
                "GLOBUS_KIT_OIDC_CLIENT_SECRET.", 502)
            doc = await self._token_request(
                {"grant_type": "client_credentials", "scope": " ".join(config.scopes)}, failure)
            self._app_token = _stored_token(doc)
            return self._app_token

    def _stored(self) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        """The token-file document and its OIDC token (None, None without a login)."""
        assert self.file is not None
        doc = self.file.read()
        token = (doc or {}).get("tokens", {}).get(OIDC_RESOURCE_SERVER)
        if not doc or not token:
            return None, None
        if doc.get("auth_base_url") != self.require_config().issuer:
            return None, None  # written for another issuer (an explicit shared path)
        return doc, token

    async def _stored_token(self) -> Optional[Dict[str, Any]]:
        """The stored login's token, renewed first when it expires within a minute."""
        _doc, token = self._stored()
        if token is None:
            return None
        if not fresh(token):
            token = await self.refresh(token["access_token"])
        return token

    async def refresh(self, stale_access_token: str) -> Dict[str, Any]:
        """Renew the stored login's token with its refresh token, under the token file's
        lock: a kernel that renewed it first is adopted instead of spending the (rotated,
        hence dead) refresh token twice.

        :raises GlobusKitError: ``OIDC_LOGIN_REQUIRED`` when there is nothing to renew
            with or the provider refused the refresh token.
        """
        config = self.require_config()
        assert self.file is not None
        loop = asyncio.get_running_loop()
        limit = 60.0

        def change(doc: Optional[Dict[str, Any]]) -> Any:
            entry = (doc or {}).get("tokens", {}).get(OIDC_RESOURCE_SERVER)
            if not doc or not entry or doc.get("auth_base_url") != config.issuer:
                raise TokenFileError("OIDC_LOGIN_REQUIRED",
                                     f"There is no stored login at {config.label}.",
                                     RELOGIN_REMEDY)
            if renewed_elsewhere(entry, stale_access_token):
                return None
            if not entry.get("refresh_token"):
                raise TokenFileError(
                    "OIDC_LOGIN_REQUIRED",
                    f"The login at {config.label} has expired and holds no refresh token.",
                    RELOGIN_REMEDY)
            failure = GlobusKitError(
                "OIDC_LOGIN_REQUIRED",
                f"The OIDC provider at {config.label} refused the stored refresh token "
                f"(expired or revoked). {RELOGIN_REMEDY}", 401)
            # This runs in a worker thread holding the file lock; the HTTP call runs on
            # the server's loop (free meanwhile: it awaits this thread).
            response = asyncio.run_coroutine_threadsafe(self._token_request(
                {"grant_type": "refresh_token", "refresh_token": entry["refresh_token"]},
                failure), loop).result(limit)
            new = with_renewed(doc, OIDC_RESOURCE_SERVER, _stored_token(response), entry)
            if isinstance(response.get("id_token"), str):
                new["id_token"] = response["id_token"]
            return new

        async with self._renewing:
            try:
                doc = await loop.run_in_executor(None, self.file.update, change)
            except TokenFileError as err:
                raise file_error(err) from None
            except (TimeoutError, asyncio.TimeoutError):
                raise GlobusKitError("TIMEOUT", f"Renewing the login at {config.label} "
                                     "took too long. Try again later.", 504) from None
        token = (doc or {}).get("tokens", {}).get(OIDC_RESOURCE_SERVER)
        if not token:
            raise GlobusKitError("OIDC_LOGIN_REQUIRED",
                                 f"There is no stored login at {config.label}. "
                                 f"{RELOGIN_REMEDY}", 401)
        return token

    def source(self) -> str:
        """``stored-login``, ``client-credentials`` or ``none``."""
        if self.config is None:
            return "none"
        try:
            _doc, token = self._stored()
        except TokenFileError:
            token = None
        if token is not None:
            return "stored-login"
        return "client-credentials" if self.config.client_secret else "none"

    async def bearer(self, stale: Optional[str] = None) -> Bearer:
        """The access token for the platform API. With ``stale`` (a token the API refused
        with 401) a renewed one is fetched first.

        :raises GlobusKitError: ``OIDC_NOT_CONFIGURED``, ``OIDC_LOGIN_REQUIRED``, …
        """
        config = self.require_config()
        try:
            _doc, stored = self._stored()
        except TokenFileError as err:
            raise file_error(err) from None
        if stored is not None:
            token = await (self.refresh(stale) if stale else self._stored_token())
            assert token is not None
            doc, _t = self._stored()
            owner = ((doc or {}).get("identity") or {}).get("sub") or "stored-login"
            return Bearer(token["access_token"], "stored-login", f"login:{owner}",
                          token.get("expires_at_seconds"), token.get("scope", "").split())
        if config.client_secret:
            if stale and self._app_token and self._app_token["access_token"] == stale:
                self._app_token = None
            token = await self._client_credentials()
            return Bearer(token["access_token"], "client-credentials",
                          f"app:{config.client_id}", token["expires_at_seconds"],
                          token["scope"].split())
        raise GlobusKitError(
            "OIDC_LOGIN_REQUIRED",
            f"Not logged in at {config.label}. {RELOGIN_REMEDY}", 401)

    async def userinfo(self, bearer: Bearer) -> Optional[Dict[str, Any]]:
        """The identity from the userinfo endpoint (cached per access token).

        See https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
        """
        key = hashlib.sha256(bearer.access_token.encode()).hexdigest()
        if key in self._userinfo:
            return self._userinfo[key]
        meta = await self.metadata()
        endpoint = meta.get("userinfo_endpoint")
        if not endpoint:
            return None
        checked_url(endpoint, "provider's userinfo_endpoint", "OIDC_DISCOVERY_FAILED")
        res = await fetch_json(endpoint, service="OIDC provider", operation="userinfo",
                               headers={"Authorization": f"Bearer {bearer.access_token}"})
        identity = identity_of(res.doc) if res.status == 200 else None
        if identity is None:
            raise GlobusKitError(
                "OIDC_USERINFO_FAILED",
                f"The OIDC provider's userinfo answered {res.status}.", 502,
                providerStatus=res.status)
        if len(self._userinfo) > 64:
            self._userinfo.clear()
        self._userinfo[key] = identity
        return identity

    # ------------------------------------------------------------------ status

    async def status(self) -> Dict[str, Any]:
        """``GET oidc/status``: source, identity and token status; never a token.

        A provider that cannot be reached or refuses a renewal does not fail the route: the
        answer carries a ``problem`` the sidebar shows.
        """
        doc: Dict[str, Any] = {
            "configured": self.configured, "issuer": None, "label": None,
            "source": "none", "identity": None, "token": None, "problem": None,
            "loginAvailable": False, "platform": False, "serverTime": time.time(),
        }
        if self.config is None:
            return doc
        doc.update(issuer=self.config.issuer, label=self.config.label,
                   platform=bool(self.config.platform_url), loginAvailable=True)
        source = self.source()
        doc["source"] = source
        if source == "none":
            return doc
        try:
            stored_doc = self._stored()[0] if source == "stored-login" else None
            if stored_doc is not None:
                doc["identity"] = identity_of(stored_doc.get("identity"))
            bearer = await self.bearer()
            doc["token"] = token_status(bearer.expires_at, bearer.scopes)
            if doc["identity"] is None:
                doc["identity"] = await self.userinfo(bearer)
        except (GlobusKitError, TokenFileError) as err:
            doc["problem"] = {"code": err.code, "message": str(err)}
            if source == "stored-login":
                try:
                    _d, token = self._stored()
                except TokenFileError:
                    token = None
                if token:
                    doc["token"] = token_status(token.get("expires_at_seconds"),
                                                token.get("scope", "").split())
        return doc

    # ------------------------------------------------------------------ login

    async def start_login(self, redirect_uri: str) -> Dict[str, Any]:
        """Start a PKCE (S256) login: remember the verifier here, return the authorize URL.

        See https://www.rfc-editor.org/rfc/rfc7636 and OIDC Core §3.1.2.1.
        """
        config = self.require_config()
        meta = await self.metadata()
        verifier, challenge = make_pkce_pair()
        state = secrets.token_urlsafe(16)
        nonce = secrets.token_urlsafe(16)
        entry = {"state": state, "code_verifier": verifier, "scopes": list(config.scopes),
                 "redirect_uri": redirect_uri, "client_id": config.client_id,
                 "auth_base_url": config.issuer, "created_at": time.time(), "nonce": nonce}

        def add(pending: Dict[str, Any]) -> Dict[str, Any]:
            pending[state] = entry
            while len(pending) > MAX_PENDING:
                pending.pop(min(pending, key=lambda k: pending[k]["created_at"]))
            return pending

        await self._pending_update(add)
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": config.client_id,
            "redirect_uri": redirect_uri, "scope": " ".join(config.scopes), "state": state,
            "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256",
        })
        endpoint = meta["authorization_endpoint"]
        sep = "&" if "?" in endpoint else "?"
        return {"url": f"{endpoint}{sep}{query}", "state": state, "redirectUri": redirect_uri,
                "scopes": list(config.scopes)}

    async def complete_login(self, code: str, state: Optional[str],
                             iss: Optional[str] = None, callback: bool = False
                             ) -> Dict[str, Any]:
        """Exchange the code (with the PKCE verifier), check the id_token's claims, store
        the login in the token file.

        Without ``state`` the newest waiting login of this client is meant (the paste box).
        The waiting login is only read here and dropped once the code was exchanged and its
        id_token checked, so a wrong code or a code from someone else's link leaves it
        waiting for the right one.

        :param iss: the ``iss`` of the redirect back (RFC 9207), checked before anything
            else; with ``callback`` it is required when the provider advertises
            ``authorization_response_iss_parameter_supported``.
        :raises GlobusKitError: ``OIDC_NO_PENDING_LOGIN``, ``OIDC_LOGIN_FAILED``,
            ``OIDC_ID_TOKEN_INVALID``.
        """
        config = self.require_config()
        if callback and iss is None \
                and (await self.metadata()).get("authorization_response_iss_parameter_supported") \
                is True:
            raise GlobusKitError(
                "OIDC_LOGIN_FAILED", "The sign-in answer does not name its issuer, though "
                f"{config.label} always does (RFC 9207); nothing was changed.", 400)
        # RFC 9207: when the provider names itself, it must be the one the login went to.
        if iss is not None and iss.rstrip("/") != config.issuer.rstrip("/"):
            raise GlobusKitError(
                "OIDC_LOGIN_FAILED", f"The sign-in answer came from another issuer than "
                f"{config.label}; nothing was changed.", 400)
        found: Dict[str, Any] = {}

        def find(pending: Dict[str, Any]) -> Dict[str, Any]:
            ours = {k: v for k, v in pending.items()
                    if v.get("client_id") == config.client_id
                    and v.get("auth_base_url") == config.issuer}
            key = state if state else (max(ours, key=lambda k: ours[k]["created_at"])
                                       if ours else None)
            if key in ours:
                found.update(ours[key])
            return pending

        await self._pending_update(find)
        pending = found or None
        if pending is None or not isinstance(pending.get("code_verifier"), str) \
                or not isinstance(pending.get("redirect_uri"), str):
            raise GlobusKitError(
                "OIDC_NO_PENDING_LOGIN",
                "There is no login waiting for this code (none was started, it was used "
                "already, or it is older than 15 minutes). Start the login again.", 409)
        failure = GlobusKitError(
            "OIDC_LOGIN_FAILED",
            f"The OIDC provider at {config.label} did not accept the authorization code (it "
            "is single-use and short-lived). Start the login again.", 400)
        response = await self._token_request({
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": pending["redirect_uri"], "code_verifier": pending["code_verifier"],
        }, failure)
        claims = _jwt_claims(response.get("id_token")) if response.get("id_token") else None
        if response.get("id_token"):
            # The id_token came straight from the token endpoint over the back channel, so
            # (OIDC Core §3.1.3.7, item 6) the server's TLS identity stands in for its
            # signature; the claims are still checked.
            _check_id_token(claims, config, pending.get("nonce"))
        taken = pending["state"]
        await self._pending_update(lambda waiting: {
            k: v for k, v in waiting.items() if k != taken})
        token = _stored_token(response)
        bearer = Bearer(token["access_token"], "stored-login", "new",
                        token["expires_at_seconds"], token["scope"].split())
        try:
            identity = await self.userinfo(bearer)
        except GlobusKitError:
            identity = identity_of(claims)

        def change(_current: Optional[Dict[str, Any]]) -> Dict[str, Any]:
            return {"client_id": config.client_id, "auth_base_url": config.issuer,
                    "identity": identity, "id_token": response.get("id_token"),
                    "tokens": {OIDC_RESOURCE_SERVER: token}}

        assert self.file is not None
        await asyncio.get_running_loop().run_in_executor(None, self.file.update, change)
        self.generation += 1
        return {"identity": identity, "source": "stored-login"}

    async def logout(self) -> Dict[str, Any]:
        """Revoke the stored tokens (RFC 7009, when the provider offers it), delete the
        token file and forget logins waiting for a code."""
        config = self.require_config()
        assert self.file is not None
        try:
            doc = self.file.read()
        except TokenFileError:
            doc = None
        revoked = failed = 0
        token = (doc or {}).get("tokens", {}).get(OIDC_RESOURCE_SERVER) \
            if doc and doc.get("auth_base_url") == config.issuer else None
        endpoint = None
        if token:
            try:
                endpoint = (await self.metadata()).get("revocation_endpoint")
            except GlobusKitError:
                endpoint = None
        for kind in ("refresh_token", "access_token"):
            secret = (token or {}).get(kind)
            if not secret or not endpoint:
                continue
            if await self._revoke(endpoint, secret, kind):
                revoked += 1
            else:
                failed += 1
        await asyncio.get_running_loop().run_in_executor(
            None, self.file.update, lambda _d: DELETE)
        await self._pending_update(lambda pending: {
            k: v for k, v in pending.items()
            if v.get("client_id") != config.client_id or v.get("auth_base_url") != config.issuer})
        self._userinfo.clear()
        self.generation += 1
        return {"revoked": revoked, "failed": failed, "removed": doc is not None,
                "source": self.source()}

    async def _pending_update(self, change: Any) -> None:
        """:func:`~.token_store.update_pending_logins` in a worker thread: the lock may
        wait."""
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, update_pending_logins, self.pending_path, change)
        except TokenFileError as err:
            raise file_error(err) from None

    async def _revoke(self, endpoint: str, secret: str, kind: str) -> bool:
        config = self.require_config()
        try:
            checked_url(endpoint, "provider's revocation_endpoint", "OIDC_DISCOVERY_FAILED")
            form = {"token": secret, "token_type_hint": kind}
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if config.client_secret:
                pair = (f"{urllib.parse.quote(config.client_id, safe='')}:"
                        f"{urllib.parse.quote(config.client_secret, safe='')}")
                headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
            else:
                form["client_id"] = config.client_id
            res = await fetch_json(endpoint, service="OIDC provider", operation="revoke",
                                   method="POST", headers=headers,
                                   body=urllib.parse.urlencode(form))
        except GlobusKitError:
            return False
        return 200 <= res.status < 300


def file_error(err: TokenFileError) -> GlobusKitError:
    """A token-file problem as a route error: ``OIDC_LOGIN_REQUIRED`` is 401, a locked
    file 409, a corrupt, foreign or newer file 500 (the message says where it went)."""
    status = 401 if err.code.startswith("OIDC_") else 409 if err.code == "TOKEN_FILE_LOCKED" \
        else 500
    return GlobusKitError(err.code, str(err), status)


def token_status(expires_at: Optional[float], scopes: List[str],
                 now: Optional[float] = None) -> Dict[str, Any]:
    """``{expires_in, expires_at, scopes, status}``: ``expired`` past expiry, ``expiring``
    inside the renewal window, else ``ok``."""
    now = time.time() if now is None else now
    expires_at = finite_number(expires_at)  # NaN / Infinity: an unknown expiry
    if expires_at is None:
        return {"expires_in": None, "expires_at": None, "scopes": scopes, "status": "ok"}
    left = int(expires_at - now)
    status = "expired" if left <= 0 else "expiring" if left <= REFRESH_WINDOW else "ok"
    return {"expires_in": max(left, 0), "expires_at": expires_at, "scopes": scopes,
            "status": status}


def _stored_token(response: Mapping[str, Any], now: Optional[float] = None) -> Dict[str, Any]:
    """A token response as the token file's entry."""
    now = time.time() if now is None else now
    expires_in = finite_number(response.get("expires_in"))
    expires_at = now + expires_in if expires_in is not None else None
    return {
        "resource_server": OIDC_RESOURCE_SERVER,
        "access_token": response["access_token"],
        "refresh_token": response.get("refresh_token") or None,
        "scope": response.get("scope") or "",
        "expires_at_seconds": int(expires_at) if expires_at is not None
        and math.isfinite(expires_at) else None,
        "token_type": response.get("token_type") or "Bearer",
    }


def _check_id_token(claims: Optional[Dict[str, Any]], config: OidcConfig,
                    nonce: Optional[str]) -> None:
    def bad(why: str) -> GlobusKitError:
        return GlobusKitError("OIDC_ID_TOKEN_INVALID",
                              f"The id_token from {config.label} is not valid ({why}). "
                              "Start the login again.", 502)

    if claims is None:
        raise bad("not a JWT")
    if str(claims.get("iss", "")).rstrip("/") != config.issuer.rstrip("/"):
        raise bad("another issuer")
    aud = claims.get("aud")
    if config.client_id not in (aud if isinstance(aud, list) else [aud]):
        raise bad("another audience")
    if nonce is not None and claims.get("nonce") != nonce:  # a kernel login sends none
        raise bad("nonce mismatch")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp < time.time() - 60:
        raise bad("expired")
