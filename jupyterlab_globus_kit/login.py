"""Standalone login on the server side: the native-app PKCE flow, the server's own token
file (``server/tokens.json``, pending logins next to it; see :mod:`.token_store`) and its
refresh rules, plus the choice of credential source. Kernels get these tokens through the
token broker (:mod:`.broker`), never from the file.

Source order: the hub user API (fresher auth_state) when ``JUPYTERHUB_API_*`` are set and
the hub shares it, then ``GLOBUS_DATA``, then the stored login. The result is written
into :class:`~.status.GlobusState` (``data`` and ``source``), which the other routes use.

HTTP to Globus Auth and the hub here is synchronous ``urllib`` with short time limits,
and the token file is locked with a polling wait: none of it may run on the server's event
loop. The routes get tokens through :meth:`LoginManager.token_async` (a worker thread,
shared by concurrent routes, when a renewal or re-check is due) and the login routes run
these calls in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import math
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from .globus_data import GlobusData, TokenInfo, finite_number
from .hub import fetch_hub_auth_state, hub_configured
from .scopes import parse_scopes
from .token_store import (
    REFRESH_WINDOW, RELOGIN_REMEDY, TokenFile, TokenFileError, expiry_of, import_shared_login,
    renewed_elsewhere, shared_token_file_path, token_file_path, update_pending_logins,
    with_renewed,
)
from .validation import AUTHORIZATION_PARAMETERS

PRODUCTION_AUTH = "https://auth.globus.org"
DEFAULT_LOGIN_SCOPES = (
    "openid", "profile", "email",
    "urn:globus:auth:scope:auth.globus.org:view_identity_set",
    "urn:globus:auth:scope:transfer.api.globus.org:all",
)
AUTH_TIMEOUT = 15.0
#: Re-ask the hub at most this often, seconds (the routes' tokens).
HUB_RECHECK = 300.0
#: The status route re-asks the hub once its last answer is older than this, seconds: the
#: sidebar's refresh shows what the hub holds now (tokens it renewed, or none after a hub
#: logout), at most one hub request per this many seconds (issue 19).
HUB_STATUS_RECHECK = 5.0


# ---------------------------------------------------------------------- PKCE and OAuth

def make_pkce_pair() -> "tuple[str, str]":
    """A PKCE verifier (43 base64url chars) and its S256 challenge."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    """``base64url(sha256(verifier))`` without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(auth_base: str, client_id: str, redirect_uri: str, scopes: Sequence[str],
                  state: str, challenge: str, parameters: Optional[Mapping[str, Any]] = None
                  ) -> str:
    """The native-app authorize URL (PKCE S256, ``access_type=offline``)."""
    q: Dict[str, str] = {
        "client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(scopes),
        "state": state, "response_type": "code", "code_challenge": challenge,
        "code_challenge_method": "S256", "access_type": "offline",
    }
    for key, value in (parameters or {}).items():
        # Only a GARE's step-up parameters: the ones above are the login's own.
        if key not in AUTHORIZATION_PARAMETERS or value is None:
            continue
        if isinstance(value, bool):
            q[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            if value:
                q[key] = ",".join(str(v) for v in value)
        else:
            q[key] = str(value)
    return f"{auth_base.rstrip('/')}/v2/oauth2/authorize?{urllib.parse.urlencode(q)}"


def _token_call(auth_base: str, form: Mapping[str, str], refused: TokenFileError
                ) -> Dict[str, Any]:
    req = urllib.request.Request(
        f"{auth_base.rstrip('/')}/v2/oauth2/token",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=AUTH_TIMEOUT) as res:  # noqa: S310
            doc = json.loads(res.read(1024 * 1024).decode("utf-8"))
    except urllib.error.HTTPError as err:
        # 400 (RFC 6749) or 401 (the SDK's fixtures) with invalid_grant: the grant is dead.
        if err.code in (400, 401):
            raise refused from None
        raise TokenFileError("LOGIN_FAILED", f"Globus Auth answered {err.code}.",
                             "Try again later.") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise TokenFileError("LOGIN_FAILED",
                             f"Globus Auth is not reachable ({type(err).__name__}).",
                             "Check the network and try again.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("access_token"), str):
        raise TokenFileError("LOGIN_FAILED", "Globus Auth returned no access token.",
                             "Try again later.")
    return doc


def stored_tokens_of(response: Mapping[str, Any], now: Optional[float] = None
                     ) -> List[Dict[str, Any]]:
    """Every token of a token response as stored-token dicts."""
    now = time.time() if now is None else now
    out = []
    for t in [response, *(response.get("other_tokens") or [])]:
        expires_in = finite_number(t.get("expires_in"))
        expires_at = now + expires_in if expires_in is not None else None
        out.append({
            "resource_server": t["resource_server"],
            "access_token": t["access_token"],
            "refresh_token": t.get("refresh_token") or None,
            "scope": t.get("scope") or "",
            "expires_at_seconds": int(expires_at) if expires_at is not None
            and math.isfinite(expires_at) else None,
            "token_type": t.get("token_type") or "Bearer",
        })
    return out


def _identity_of(id_token: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
        return None
    keys = ("sub", "preferred_username", "name", "email", "organization",
            "identity_provider_display_name")
    return {k: claims[k] for k in keys if isinstance(claims.get(k), str)}


def stored_to_globus_data(doc: Mapping[str, Any], log: Optional[logging.Logger] = None
                          ) -> GlobusData:
    """The token file as the :class:`GlobusData` the other routes use (``log``: where a
    dropped identity field is reported)."""
    tokens = {}
    for rs, t in doc["tokens"].items():
        expires_at = expiry_of(t)
        tokens[rs] = TokenInfo(
            resource_server=rs, scopes=tuple(t["scope"].split()),
            expires_at=expires_at,
            expires_at_source="absolute" if expires_at is not None else "unknown",
            origin="tokens", token_type=t.get("token_type") or "Bearer",
            access_token=t["access_token"], refresh_token=t.get("refresh_token"))
    return GlobusData(shape="stored-login", client_id=doc.get("client_id"),
                      identity=stored_identity(doc.get("identity"), log), tokens=tokens,
                      groups=[])


#: The identity fields the token file may carry (all strings), as the status shows them.
IDENTITY_KEYS = ("sub", "preferred_username", "name", "email", "organization",
                 "identity_provider", "identity_provider_display_name")


def stored_identity(value: Any, log: Optional[logging.Logger] = None
                    ) -> Optional[Dict[str, str]]:
    """The token file's ``identity`` with only string fields: any other value (a number, a
    list, an object; written by hand or by another program) is dropped with a log line
    naming the field, never passed on to ``/globus-kit/status`` and the sidebar."""
    log = log or logging.getLogger("jupyterlab_globus_kit")
    if value is None:
        return None
    if not isinstance(value, dict):
        log.warning("jupyterlab_globus_kit: the token file's identity is a %s, not an "
                    "object; it was not used", type(value).__name__)
        return None
    out: Dict[str, str] = {}
    for key in IDENTITY_KEYS:
        field = value.get(key)
        if isinstance(field, str):
            out[key] = field
        elif field is not None:
            log.warning("jupyterlab_globus_kit: the token file's identity.%s is a %s, not a "
                        "string; it was dropped", key, type(field).__name__)
    return out or None


# ---------------------------------------------------------------------- the manager

class LoginManager:
    """Owns the credential source of this server and the standalone login.

    :param state: the server's :class:`~.status.GlobusState` (``data``/``source`` are set here).
    :param environ: environment (default ``os.environ``).
    """

    def __init__(self, state: Any, environ: Optional[Mapping[str, str]] = None,
                 log: Optional[logging.Logger] = None) -> None:
        env = os.environ if environ is None else environ
        self.state = state
        self.log = log or logging.getLogger("jupyterlab_globus_kit")
        self.environ = env
        self.token_path = token_file_path(env)
        self.file = TokenFile(self.token_path, log=self.log)
        self.pending_path = os.path.join(os.path.dirname(self.token_path), "pending-logins.json")
        try:
            # Only at the default place: a file the admin named is theirs to fill.
            if not env.get("GLOBUS_KIT_SERVER_TOKEN_FILE"):
                import_shared_login(self.file, shared_token_file_path(env), self.log)
        except (OSError, TokenFileError) as err:
            self.log.warning("jupyterlab_globus_kit: the login stored by an earlier version "
                             "could not be imported (%s); log in from the sidebar",
                             getattr(err, "code", type(err).__name__))
        self.client_id = env.get("GLOBUS_KIT_CLIENT_ID") or None
        self.auth_base = (env.get("GLOBUS_SDK_SERVICE_URL_AUTH") or PRODUCTION_AUTH).rstrip("/")
        self.hub_note: Optional[str] = None
        self.problem: Optional[Dict[str, str]] = None
        self._hub_checked = 0.0
        self._frozen = state.data  # GLOBUS_DATA as decoded at start
        #: Whether GLOBUS_DATA holds tokens; when it holds none (the hub revoked them at a
        #: logout, or gave none) a stored login is used, and the token file watched.
        self._frozen_tokens = bool(state.data is not None and state.data.tokens)
        self._lock = threading.Lock()
        self._stamp = (0, 0)
        #: key → the :meth:`_shared` run in a worker thread (touched on the event loop only).
        self._in_flight: Dict[str, "asyncio.Future[Any]"] = {}
        #: The hub's current auth_state holds no tokens (revoked at a hub logout), and that
        #: auth_state, for the status when no stored login takes over.
        self._hub_revoked = False
        self._hub_empty: Optional[GlobusData] = None
        self.select_source()

    # -- source selection

    def select_source(self, force_hub: bool = True) -> str:
        """Pick hub API → GLOBUS_DATA → stored login, and publish it into the state."""
        if hub_configured(self.environ):
            if force_hub or time.time() - self._hub_checked > HUB_RECHECK:
                self._hub_checked = time.time()
                data, why = fetch_hub_auth_state(self.environ)
                if why and why != self.hub_note:
                    self.log.warning("jupyterlab_globus_kit: the hub's auth_state is not used: "
                                     "%s; falling back to %s", why,
                                     "GLOBUS_DATA" if self._frozen_tokens
                                     else "the stored login")
                self.hub_note = why
                self._hub_revoked = data is not None and not data.tokens
                if data is not None and data.tokens:
                    return self._publish("hub-api", data)
                if self._hub_revoked:
                    self._hub_empty = data
            elif self._hub_has_tokens():
                return "hub-api"
        if self._frozen_tokens and not self._hub_revoked:
            return self._publish("GLOBUS_DATA", self._frozen)
        self.problem = None
        # The stamp is taken before the read (a change during it is seen next time) and kept
        # only once the file's tokens are published: a route on the event loop that sees the
        # new stamp must also see the new tokens, never the ones from before the change.
        stamp = self._file_stamp()
        try:
            doc = self.file.read()
        except TokenFileError as err:
            self.problem = {"code": err.code, "message": str(err)}
            doc = None
        source = self._publish_file(doc)
        self._stamp = stamp
        return source

    def _publish_file(self, doc: Optional[Dict[str, Any]]) -> str:
        """Publish the token file's login ``doc`` (None: unreadable or absent), or what
        stands when it holds none; the source."""
        if doc and doc.get("tokens"):
            return self._publish("stored-login", stored_to_globus_data(doc, self.log))
        if self._hub_revoked and self._hub_empty is not None:
            # The hub's current auth_state holds no tokens (revoked at a hub logout) and
            # there is no stored login: the status says the hub gave none, not the frozen
            # GLOBUS_DATA's revoked tokens.
            return self._publish("hub-api", self._hub_empty)
        if self._frozen is not None:
            # GLOBUS_DATA without tokens and no stored login: the status says the hub gave
            # none (status.NO_HUB_TOKENS), with what to do.
            return self._publish("GLOBUS_DATA", self._frozen)
        self.state.data = None
        self.state.source = "none"
        return "none"

    def _hub_has_tokens(self) -> bool:
        """Whether the source is the hub's auth_state and it holds tokens."""
        return self.state.source == "hub-api" and bool(self.state.data and
                                                        self.state.data.tokens)

    def _file_stamp(self) -> "tuple[int, int]":
        try:
            st = os.stat(self.token_path)
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_ino)

    def _publish(self, source: str, data: GlobusData) -> str:
        self.state.data = data
        self.state.source = source
        return source

    def token(self, resource_server: str) -> Optional[TokenInfo]:
        """The token for ``resource_server`` from the current source; a stored-login token
        that expires within a minute is renewed first (under the shared file lock).

        Blocks (hub API, token-file lock, Globus Auth): the routes call
        :meth:`token_async`, which runs this off the server's event loop."""
        self._refresh_source()
        data = self.state.data
        token = data.tokens.get(resource_server) if data else None
        if self._needs_renewal(token):
            assert token is not None
            try:
                self.refresh(resource_server, token.access_token)
            except TokenFileError as err:
                self.problem = {"code": err.code, "message": str(err)}
                return token  # the call will fail with 401 and the sidebar shows the problem
            data = self.state.data
            token = data.tokens.get(resource_server) if data else None
        return token

    async def token_async(self, resource_server: str) -> Optional[TokenInfo]:
        """:meth:`token` without blocking the event loop that serves every route, kernel
        websocket and ``/api/status``: when the token is at hand it is returned at once;
        when a hub re-check, a changed token file or a renewal is due, :meth:`token` runs
        in a worker thread, and concurrent callers for the same resource server share that
        one run (one request to Auth, not one per route)."""
        if not self._source_stale():
            data = self.state.data
            token = data.tokens.get(resource_server) if data else None
            if not self._needs_renewal(token):
                return token
        return await self._shared(resource_server, lambda: self.token(resource_server))

    async def refresh_source_async(self) -> None:
        """Re-pick the source, off the event loop, when the token file changed (the kernel
        logged in, renewed or logged out) or the hub's last answer is older than
        ``HUB_STATUS_RECHECK``: the status route calls this so it never shows a source the
        file no longer holds, nor tokens the hub has since renewed or revoked."""
        if self._source_stale(HUB_STATUS_RECHECK):
            await self._shared("", lambda: self._refresh_source(HUB_STATUS_RECHECK))

    async def _shared(self, key: str, work: Callable[[], Any]) -> Any:
        """``work()`` in a worker thread; callers with the same ``key`` while it runs share
        that one run."""
        running = self._in_flight.get(key)
        if running is None:
            running = asyncio.get_running_loop().run_in_executor(None, work)
            self._in_flight[key] = running

            def forget(done: "asyncio.Future[Any]") -> None:
                if self._in_flight.get(key) is done:
                    del self._in_flight[key]

            running.add_done_callback(forget)
        # shield: a caller that goes away (the browser closed the request) does not cancel
        # the run the other callers wait for.
        return await asyncio.shield(running)

    def _hub_path(self) -> bool:
        """Whether the hub API is (or may become) the source, so it is re-asked now and then."""
        return self.state.source == "hub-api" or (
            not self._frozen_tokens and hub_configured(self.environ))

    def _refresh_source(self, hub_max_age: float = HUB_RECHECK) -> None:
        """Re-pick the source when the hub may have fresher tokens (its last answer is older
        than ``hub_max_age`` seconds) or the file changed."""
        if self._hub_path():
            self.select_source(force_hub=time.time() - self._hub_checked > hub_max_age)
        elif ((not self._frozen_tokens or self._hub_revoked)
              and self._file_stamp() != self._stamp):
            # Another server process of this user logged in, renewed or logged out.
            self.select_source(force_hub=False)

    def _source_stale(self, hub_max_age: float = HUB_RECHECK) -> bool:
        """Whether :meth:`_refresh_source` would do more than look: a hub re-check is due
        (HTTP), or the token file changed (a read)."""
        if self._hub_path():
            if time.time() - self._hub_checked > hub_max_age:
                return True
            if self._hub_has_tokens():
                return False
        return ((not self._frozen_tokens or self._hub_revoked)
                and self._file_stamp() != self._stamp)

    def _needs_renewal(self, token: Optional[TokenInfo]) -> bool:
        """Whether ``token`` is a stored-login token to renew before use (within a minute
        of its expiry, with a refresh token)."""
        return (self.state.source == "stored-login" and token is not None
                and bool(token.refresh_token) and token.expires_at is not None
                and token.expires_at - time.time() <= REFRESH_WINDOW)

    # -- refresh

    def renew_after_401(self, resource_server: str, stale_access_token: str) -> bool:
        """Globus answered 401 to ``stale_access_token``: take the hub's current tokens
        (the hub may have renewed them since it was last asked), or renew it from the stored
        refresh token (or adopt one another process renewed). True when a different token is
        now in use; False when there is nothing newer (the hub holds the same token, no
        refresh token, refresh refused — then ``problem`` says why and the 401 stands)."""
        if self.state.source == "hub-api":
            self.select_source(force_hub=True)
            data = self.state.data
            fresh = data.tokens.get(resource_server) if data else None
            return fresh is not None and fresh.access_token != stale_access_token
        if self.state.source != "stored-login":
            return False
        data = self.state.data
        token = data.tokens.get(resource_server) if data else None
        if token is None or not token.refresh_token:
            return False
        try:
            self.refresh(resource_server, stale_access_token)
        except TokenFileError as err:
            self.problem = {"code": err.code, "message": str(err)}
            return False
        data = self.state.data
        fresh = data.tokens.get(resource_server) if data else None
        return fresh is not None and fresh.access_token != stale_access_token

    async def renew_after_401_async(self, resource_server: str, stale_access_token: str
                                    ) -> bool:
        """:meth:`renew_after_401` in a worker thread; concurrent callers that report the
        same refused token share one run (one request to Auth)."""
        key = f"401 {resource_server} {hashlib.sha256(stale_access_token.encode()).hexdigest()}"
        return bool(await self._shared(
            key, lambda: self.renew_after_401(resource_server, stale_access_token)))

    def refresh(self, resource_server: str, stale_access_token: str) -> None:
        """Renew one stored token (adopting one another process already renewed)."""
        def change(doc: Optional[Dict[str, Any]]) -> Any:
            entry = (doc or {}).get("tokens", {}).get(resource_server)
            if not doc or not entry:
                raise TokenFileError(
                    "LOGIN_REQUIRED",
                    f"The stored Globus login has no token for {resource_server} any more.",
                    RELOGIN_REMEDY)
            if renewed_elsewhere(entry, stale_access_token):
                return None
            if not entry.get("refresh_token"):
                raise TokenFileError(
                    "LOGIN_REQUIRED",
                    f"The token for {resource_server} has expired and the login holds no "
                    "refresh token.", RELOGIN_REMEDY)
            refused = TokenFileError(
                "LOGIN_REQUIRED",
                f"Globus Auth refused the stored refresh token for {resource_server} "
                "(revoked, expired, or consent withdrawn).", RELOGIN_REMEDY)
            response = _token_call(doc["auth_base_url"], {
                "grant_type": "refresh_token", "refresh_token": entry["refresh_token"],
                "client_id": doc["client_id"]}, refused)
            renewed = next((t for t in stored_tokens_of(response)
                            if t["resource_server"] == resource_server), None)
            if renewed is None:
                raise refused
            return with_renewed(doc, resource_server, renewed, entry)

        with self._lock:
            self.file.update(change)
            self.select_source(force_hub=False)

    # -- login

    def start(self, scopes: Optional[Sequence[str]] = None,
              add_scopes: Optional[Sequence[str]] = None,
              redirect_uri: Optional[str] = None,
              parameters: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Start a login: remember the PKCE verifier next to the server's token file, return
        the URL."""
        if not self.client_id:
            raise TokenFileError(
                "NO_CLIENT_ID", "No Globus native-app client id is configured for logins.",
                "Set GLOBUS_KIT_CLIENT_ID for the Jupyter server (a native app registered "
                "at app.globus.org, or the emulator's).")
        wanted = self._scopes_to_ask(scopes, add_scopes)
        redirect = redirect_uri or f"{self.auth_base}/v2/web/auth-code"
        verifier, challenge = make_pkce_pair()
        state = secrets.token_urlsafe(12)
        self._pending_update(lambda pending: {**pending, state: {
            "state": state, "code_verifier": verifier, "scopes": wanted,
            "redirect_uri": redirect, "client_id": self.client_id,
            "auth_base_url": self.auth_base, "created_at": time.time()}})
        url = authorize_url(self.auth_base, self.client_id, redirect, wanted, state, challenge,
                            parameters)
        return {"url": url, "state": state, "scopes": wanted, "redirectUri": redirect}

    def complete(self, code: str, state: Optional[str] = None,
                 iss: Optional[str] = None) -> Dict[str, Any]:
        """Exchange a pasted code (or the whole code-page URL) and store the tokens.

        Without ``state`` the newest waiting Globus login is meant (the paste box: Globus's
        code page shows only the code). The waiting login is only read here; it is
        dropped once Auth has accepted the code, so a wrong code, a code from someone
        else's link or a refused exchange leaves it waiting for the right one.

        :param iss: the ``iss`` of a redirect back (RFC 9207), checked before anything
            else when given.
        """
        code, state = _parse_code(code, state)
        if iss is not None and iss.rstrip("/") != self.auth_base:
            raise TokenFileError(
                "LOGIN_FAILED", "The sign-in answer came from another issuer than this "
                "server's Globus Auth; nothing was changed.", "Start the login again.")
        chosen: Dict[str, Any] = {}

        def find(pending: Dict[str, Any]) -> Dict[str, Any]:
            # Only a Globus login: OIDC logins share this file, and a state names one.
            ours = [p for p in pending.values() if p.get("auth_base_url") == self.auth_base]
            found = next((p for p in ours if p.get("state") == state), None) if state else (
                max(ours, key=lambda p: p["created_at"]) if ours else None)
            chosen.update(found or {})
            return pending

        self._pending_update(find)
        if not chosen:
            raise TokenFileError(
                "NO_PENDING_LOGIN",
                "No login is waiting for this code: it was used already, is older than 15 "
                "minutes, or was started elsewhere." if state else
                "There is no login waiting for a code (none was started, or it is older "
                "than 15 minutes).", "Start the login again and paste the new code.")
        refused = TokenFileError(
            "LOGIN_FAILED",
            "Globus Auth did not accept the authorization code (it is single-use and "
            "short-lived, and must come from the latest login link).",
            "Start the login again and paste the new code.")
        response = _token_call(chosen["auth_base_url"], {
            "grant_type": "authorization_code", "code": code,
            "code_verifier": chosen["code_verifier"], "redirect_uri": chosen["redirect_uri"],
            "client_id": chosen["client_id"]}, refused)
        self._pending_update(lambda pending: {
            k: v for k, v in pending.items() if k != chosen["state"]})
        doc = self.store_response(response, chosen["client_id"], chosen["auth_base_url"])
        self.select_source()
        return {"identity": (doc or {}).get("identity"),
                "resourceServers": sorted((doc or {}).get("tokens", {}))}

    def store_response(self, response: Mapping[str, Any], client_id: str, auth_base: str
                       ) -> Optional[Dict[str, Any]]:
        """Merge a token response into the token file (kernel-helpers' storeTokenResponse)."""
        fresh = stored_tokens_of(response)
        identity = _identity_of(response.get("id_token"))

        def change(current: Optional[Dict[str, Any]]) -> Dict[str, Any]:
            same = bool(current) and current["client_id"] == client_id \
                and current["auth_base_url"] == auth_base
            tokens = dict(current["tokens"]) if same else {}
            for t in fresh:
                tokens[t["resource_server"]] = t
            return {
                "client_id": client_id, "auth_base_url": auth_base,
                "identity": identity or (current.get("identity") if same else None),
                "id_token": response.get("id_token") or (current.get("id_token") if same
                                                          else None),
                "tokens": tokens,
            }

        return self.file.update(change)

    def logout(self) -> Dict[str, Any]:
        """Revoke every stored token Auth takes, delete the file, forget pending Globus logins."""
        try:
            doc = self.file.read()
        except TokenFileError as err:
            if err.code == "TOKEN_FILE_UNSUPPORTED":
                raise
            doc = None
        revoked = failed = 0
        for t in (doc or {}).get("tokens", {}).values():
            for secret in (t.get("refresh_token"), t.get("access_token")):
                if not secret:
                    continue
                if _revoke(doc["auth_base_url"], doc["client_id"], secret):
                    revoked += 1
                else:
                    failed += 1
        self.file.remove()
        # Globus logins only: an OIDC provider's waiting logins share the file and stay.
        self._pending_update(lambda pending: {
            k: v for k, v in pending.items() if v.get("auth_base_url") != self.auth_base})
        self.select_source()
        return {"revoked": revoked, "failed": failed, "removed": doc is not None,
                "source": self.state.source}

    def summary(self) -> Dict[str, Any]:
        """What the sidebar shows: source, whether logins are possible, problems (no tokens)."""
        if not self._frozen_tokens and self._file_stamp() != self._stamp:
            self.select_source(force_hub=False)
        return {
            "source": self.state.source,
            "loginAvailable": bool(self.client_id),
            "tokenFile": self.token_path,
            "hubNote": self.hub_note,
            "problem": self.problem,
        }

    # -- internals

    def _scopes_to_ask(self, scopes: Optional[Sequence[str]],
                       add_scopes: Optional[Sequence[str]]) -> List[str]:
        if scopes:
            base = list(scopes)
        else:
            base = []
            if add_scopes and self.state.data is not None and self.state.source == "stored-login":
                for t in self.state.data.tokens.values():
                    base.extend(t.scopes)
            base = base or list(DEFAULT_LOGIN_SCOPES)
        by_name: Dict[str, str] = {}
        for scope in [*base, *(add_scopes or [])]:
            name = scope
            try:
                parsed = parse_scopes(scope)
                if len(parsed) == 1:
                    name = parsed[0].name
            except Exception:  # noqa: BLE001 - keep as given; Auth will judge it
                pass
            by_name.pop(name, None)
            by_name[name] = scope
        return list(by_name.values())

    def _pending_update(self, change: Any) -> None:
        update_pending_logins(self.pending_path, change)


def _parse_code(code: Any, state: Optional[str]) -> "tuple[str, Optional[str]]":
    text = str(code or "").strip()
    if text.startswith(("http://", "https://")):
        # The whole address of the code page: its code is checked like a pasted one.
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(text).query)
        if q.get("code"):
            text, state = q["code"][0], state or (q.get("state") or [None])[0]
    if not text or len(text) > 512 or not all(c.isalnum() or c in "._~-" for c in text):
        raise TokenFileError("LOGIN_FAILED", "That does not look like an authorization code.",
                             "Copy the code shown on the Globus page after you log in.")
    return text, state


def _revoke(auth_base: str, client_id: str, token: str) -> bool:
    req = urllib.request.Request(
        f"{auth_base.rstrip('/')}/v2/oauth2/token/revoke",
        data=urllib.parse.urlencode({"token": token, "client_id": client_id}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=AUTH_TIMEOUT) as res:  # noqa: S310
            return 200 <= res.status < 300
    except (urllib.error.URLError, OSError):
        return False
