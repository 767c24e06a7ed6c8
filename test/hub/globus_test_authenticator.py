"""A Globus authenticator for the JupyterHub of the hub tests, against the emulator.

oauthenticator (the home of ``GlobusOAuthenticator``) cannot be installed where these tests
run: no oauthenticator release is reachable from the test machines, and Debian ships none.
This class follows what ``oauthenticator/globus.py`` of release 16 and later (up to 17.4.0,
the newest read) hands to JupyterHub and to the single-user server, on the hub's own Python
with the standard library, tornado and jupyterhub only:

- ``authenticate``: a real OAuth 2 authorization-code exchange with the hub's confidential
  client (HTTP Basic) at ``POST /v2/oauth2/token``, then ``GET /v2/oauth2/userinfo``. The
  user name is ``preferred_username`` up to the ``@`` (``globus.py`` 17.4.0
  ``user_info_to_username``).
- ``auth_state`` (``build_auth_state_dict``, 17.4.0 L249-272; ``update_auth_model`` L349):
  ``client_id``, ``tokens`` (``{resource_server: {expires_in, resource_server, scope,
  token_type, refresh_token, access_token}}`` from the top-level token and
  ``other_tokens``, without ``exclude_tokens``: Auth and Groups by default since 14.1.0),
  ``token_response`` (the unfiltered token response), ``globus_user`` (userinfo) and
  ``globus_groups`` (``[]``: no group settings).
- ``pre_spawn_start`` (17.4.0 L211-221): ``GLOBUS_LOCAL_ENDPOINT`` always (possibly
  ``''``), ``GLOBUS_DATA`` = ``base64(pickle.dumps(auth_state)).decode()`` when there is an
  auth_state.
- logout with ``revoke_tokens_on_logout`` (``GlobusLogoutHandler`` /
  ``revoke_service_tokens``): every access and refresh token in ``tokens`` is revoked at
  ``POST /v2/oauth2/token/revoke`` and ``tokens`` becomes ``{}``.
- ``refresh_user`` (17.2+, PR #579): the Auth access token of ``token_response`` is checked
  at userinfo. Where oauthenticator then gives up (its auth_state has no top-level
  ``refresh_token``, so Globus tokens are never renewed), this one renews every token with
  its own refresh token (``grant_type=refresh_token``; the emulator rotates refresh
  tokens, so the new ones are kept). That is the renewal issue 19 asks the hub to do, with
  ``extra_authorize_params = {"access_type": "offline"}`` as docs/install.md advises.

Test-only: the OAuth ``state`` is kept in a signed cookie of the hub, the scopes are the
emulator's, and no identity-provider restriction applies. Never logs a token.
"""

import asyncio
import base64
import hmac
import json
import pickle
import secrets
from urllib.parse import urlencode

from jupyterhub.auth import Authenticator
from jupyterhub.handlers import BaseHandler, LogoutHandler
from jupyterhub.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.web import HTTPError
from traitlets import Bool, Dict, List, Unicode

STATE_COOKIE = "globus-test-oauthstate"


class GlobusTestLoginHandler(BaseHandler):
    """``/hub/oauth_login``: remember a random ``state`` and go to Globus Auth's authorize page."""

    def get(self):
        auth = self.authenticator
        state = secrets.token_urlsafe(24)
        cookie = json.dumps({"state": state, "next": self.get_argument("next", "")})
        self.set_secure_cookie(STATE_COOKIE, cookie, expires_days=None, httponly=True,
                               path=self.hub.base_url)
        params = {
            "client_id": auth.client_id,
            "redirect_uri": auth.oauth_callback_url,
            "response_type": "code",
            "scope": " ".join(auth.scope),
            "state": state,
        }
        params.update(auth.extra_authorize_params)
        self.redirect(auth.auth_url + "/v2/oauth2/authorize?" + urlencode(params))


class GlobusTestCallbackHandler(BaseHandler):
    """``/hub/oauth_callback``: check ``state``, exchange the code, log the user in."""

    async def get(self):
        raw = self.get_secure_cookie(STATE_COOKIE, max_age_days=1)
        self.clear_cookie(STATE_COOKIE, path=self.hub.base_url)
        error = self.get_argument("error", "")
        if error:
            raise HTTPError(403, "Globus Auth answered error=%s" % error[:64])
        try:
            saved = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            saved = {}
        state = self.get_argument("state", "")
        if not saved.get("state") or not hmac.compare_digest(saved["state"], state):
            raise HTTPError(400, "OAuth state missing or not the one this login started")
        user = await self.login_user()
        if user is None:
            raise HTTPError(403, "Globus login refused")
        # Not get_next_url(): it would carry this request's query (the code) along.
        next_url = saved.get("next") or ""
        safe = (next_url.startswith(self.base_url) and not next_url.startswith("//")
                and "\\" not in next_url)
        self.redirect(next_url if safe else url_path_join(self.hub.base_url, "home"))


class GlobusTestLogoutHandler(LogoutHandler):
    """``/hub/logout``: the hub's logout, revoking the Globus tokens first when configured."""

    async def get(self):
        # Before the hub's own logout: that forgets the current user.
        user = self.current_user
        if user and self.authenticator.revoke_tokens_on_logout:
            state = await user.get_auth_state()
            if state:
                revoked = await self.authenticator.revoke_service_tokens(state.get("tokens"))
                self.log.info("Logout: revoked %d Globus token(s) of %s", revoked, user.name)
                state["tokens"] = {}
                await user.save_auth_state(state)
        await super().get()


class GlobusTestAuthenticator(Authenticator):
    """GlobusOAuthenticator's behaviour (16+) against a Globus Auth at ``auth_url``."""

    login_service = "Globus"

    auth_url = Unicode("https://auth.globus.org", config=True,
                       help="Globus Auth's origin (the emulator's in the tests).")
    client_id = Unicode(config=True, help="The hub's confidential client id.")
    client_secret = Unicode(config=True, help="The hub's client secret.")
    oauth_callback_url = Unicode(config=True, help="This hub's /hub/oauth_callback URL.")
    scope = List(Unicode(), [
        "openid", "profile", "urn:globus:auth:scope:transfer.api.globus.org:all"
    ], config=True)
    extra_authorize_params = Dict(config=True)
    exclude_tokens = List(Unicode(), ["auth.globus.org", "groups.api.globus.org"],
                          config=True)
    globus_local_endpoint = Unicode("", config=True)
    revoke_tokens_on_logout = Bool(False, config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        #: One renewal at a time per user: Globus Auth rotates refresh tokens, so a second
        #: concurrent renewal with the same refresh token would be refused.
        self._renewing = {}

    def login_url(self, base_url):
        return url_path_join(base_url, "oauth_login")

    def logout_url(self, base_url):
        return url_path_join(base_url, "logout")

    def get_handlers(self, app):
        return [
            (r"/oauth_login", GlobusTestLoginHandler),
            (r"/oauth_callback", GlobusTestCallbackHandler),
            (r"/logout", GlobusTestLogoutHandler),
        ]

    # -- Globus Auth calls

    def _basic(self):
        pair = ("%s:%s" % (self.client_id, self.client_secret)).encode("utf-8")
        return "Basic " + base64.b64encode(pair).decode("ascii")

    async def _token_call(self, fields):
        """POST the token endpoint; the JSON answer, or None when Auth refused (no body kept)."""
        req = HTTPRequest(self.auth_url + "/v2/oauth2/token", method="POST",
                          headers={"Authorization": self._basic(),
                                   "Content-Type": "application/x-www-form-urlencoded",
                                   "Accept": "application/json"},
                          body=urlencode(fields), request_timeout=15)
        try:
            res = await AsyncHTTPClient().fetch(req)
        except HTTPClientError as err:
            self.log.warning("Globus Auth token endpoint answered %s", err.code)
            return None
        return json.loads(res.body.decode("utf-8"))

    async def _userinfo(self, access_token):
        """userinfo for ``access_token``, or None when Auth answers 401 (expired, revoked)."""
        req = HTTPRequest(self.auth_url + "/v2/oauth2/userinfo",
                          headers={"Authorization": "Bearer " + access_token,
                                   "Accept": "application/json"}, request_timeout=15)
        try:
            res = await AsyncHTTPClient().fetch(req)
        except HTTPClientError as err:
            if err.code == 401:
                return None
            raise
        return json.loads(res.body.decode("utf-8"))

    async def revoke_service_tokens(self, services):
        """Revoke every access and refresh token of ``tokens``; how many were sent."""
        count = 0
        for entry in (services or {}).values():
            for key in ("access_token", "refresh_token"):
                secret = entry.get(key)
                if not secret:
                    continue
                req = HTTPRequest(self.auth_url + "/v2/oauth2/token/revoke", method="POST",
                                  headers={"Authorization": self._basic(),
                                           "Content-Type": "application/x-www-form-urlencoded"},
                                  body=urlencode({"token": secret}), request_timeout=15)
                await AsyncHTTPClient().fetch(req, raise_error=False)
                count += 1
        return count

    # -- the auth model

    def _tokens_of(self, token_response):
        tokens = {}
        for t in [token_response] + list(token_response.get("other_tokens") or []):
            rs = t.get("resource_server")
            if not rs or rs in self.exclude_tokens:
                continue
            tokens[rs] = {key: t.get(key) for key in (
                "expires_in", "resource_server", "scope", "token_type", "refresh_token",
                "access_token")}
        return tokens

    async def authenticate(self, handler, data=None):
        code = handler.get_argument("code", "")
        if not code:
            raise HTTPError(400, "the callback has no code")
        token_response = await self._token_call({
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": self.oauth_callback_url})
        if token_response is None:
            raise HTTPError(403, "Globus Auth refused the code")
        user_info = await self._userinfo(token_response["access_token"])
        if user_info is None:
            raise HTTPError(403, "Globus Auth refused the new token at userinfo")
        username = str(user_info.get("preferred_username") or "").split("@", 1)[0]
        if not username:
            raise HTTPError(403, "userinfo has no preferred_username")
        return {
            "name": username,
            "auth_state": {
                "client_id": self.client_id,
                "tokens": self._tokens_of(token_response),
                "token_response": token_response,
                "globus_user": user_info,
                "globus_groups": [],
            },
        }

    async def pre_spawn_start(self, user, spawner):
        spawner.environment["GLOBUS_LOCAL_ENDPOINT"] = self.globus_local_endpoint
        state = await user.get_auth_state()
        if state:
            spawner.environment["GLOBUS_DATA"] = base64.b64encode(
                pickle.dumps(state)).decode("utf-8")

    async def refresh_user(self, user, handler=None):
        """True while the Auth token is good; renewed tokens once it is not; False (log in
        again) when a renewal is refused. After a logout that revoked them, ``tokens`` is
        ``{}`` and nothing is renewed: the hub keeps answering that there are none."""
        lock = self._renewing.setdefault(user.name, asyncio.Lock())
        async with lock:
            return await self._refresh_user(user)

    async def _refresh_user(self, user):
        state = await user.get_auth_state()
        if not state or not state.get("tokens"):
            return True
        response = state.get("token_response") or {}
        if response.get("access_token") and await self._userinfo(response["access_token"]):
            return True
        renewed = {}
        for t in [response] + list(response.get("other_tokens") or []):
            rs, refresh = t.get("resource_server"), t.get("refresh_token")
            if not rs or not refresh:
                continue
            answer = await self._token_call({"grant_type": "refresh_token",
                                             "refresh_token": refresh})
            if answer is None:
                self.log.warning("Globus Auth refused to renew %s for %s", rs, user.name)
                return False
            renewed[rs] = answer
        if not renewed:
            self.log.warning("the Globus tokens of %s expired and none can be renewed",
                             user.name)
            return False
        fields = ("access_token", "refresh_token", "expires_in", "scope", "token_type")
        for t in [response] + list(response.get("other_tokens") or []):
            fresh = renewed.get(t.get("resource_server"))
            if fresh:
                t.update({k: fresh[k] for k in fields if fresh.get(k) is not None})
        if renewed.get(response.get("resource_server"), {}).get("id_token"):
            response["id_token"] = renewed[response["resource_server"]]["id_token"]
        state["token_response"] = response
        state["tokens"] = self._tokens_of(response)
        # Saved here, inside the lock, so that a renewal waiting for it sees the new tokens
        # (the hub saves what is returned once more).
        await user.save_auth_state(state)
        self.log.info("renewed %d Globus token(s) of %s", len(renewed), user.name)
        return {"name": user.name, "auth_state": state}
