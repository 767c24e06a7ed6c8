"""Handlers of the login routes: parse, call :class:`~.login.LoginManager`, answer JSON.

Routes (under ``<base_url>/globus-kit/``)::

    GET  login                  source in use, whether login is possible, problems
    POST login                  {scopes?, addScopes?, redirect?: "callback"|"paste",
                                 authorizationParameters?: {session_required_*?,
                                 session_message?, prompt?}} -> {url, state, scopes, redirectUri}
    GET  login/callback?code=&state=&iss?   the browser comes back here (HTML answer);
                                 state required
    POST login/complete         {code, state?} -> {identity, resourceServers}
    POST logout                 -> {revoked, failed, removed, source}

No answer ever holds a token or the PKCE verifier.
"""

from __future__ import annotations

import ipaddress
import json
import os
import urllib.parse
from typing import Any, Callable, List, Tuple

import tornado.web
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop

from .callback_page import (
    MISSING_STATE, NO_CODE, NOT_WAITING, START_AGAIN, answer_page, error_word,
)
from .errors import GlobusKitError, to_document
from .login import LoginManager
from .token_store import TokenFileError
from .validation import (
    body_authorization_parameters, body_choice, body_str, body_str_list, parse_json_object,
)

_STATUS = {
    "NO_CLIENT_ID": 400, "LOGIN_FAILED": 400, "NO_PENDING_LOGIN": 409,
    "LOGIN_REQUIRED": 401, "TOKEN_FILE_LOCKED": 409, "TOKEN_FILE_CORRUPT": 500,
    "TOKEN_FILE_FOREIGN": 500, "TOKEN_FILE_UNSUPPORTED": 500,
}


class LoginBase(APIHandler):
    """Holds the manager; turns :class:`TokenFileError` and :class:`GlobusKitError` (a bad
    request body) into ``{code, message}``."""

    #: The fields of the JSON body a POST reads (``()``: it reads none). Every handler with
    #: a POST declares it; the route fuzz test sends malformed bodies to those that read one.
    body_fields: Tuple[str, ...]

    def initialize(self, manager: LoginManager) -> None:
        self.manager = manager

    async def run(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` (body validation included) in a worker thread; send its result or its
        typed error."""
        self.set_header("Cache-Control", "no-store")
        try:
            result = await IOLoop.current().run_in_executor(None, fn)
        except TokenFileError as err:
            self.set_status(_STATUS.get(err.code, 400))
            self.finish(json.dumps({"code": err.code, "message": str(err),
                                    "remedy": err.remedy}))
            return
        except GlobusKitError as err:
            self.set_status(err.status)
            self.finish(json.dumps(to_document(err)))
            return
        self.finish(json.dumps(result))


class LoginHandler(LoginBase):
    body_fields = ("scopes", "addScopes", "redirect", "authorizationParameters")

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.run(self.manager.summary)

    @tornado.web.authenticated
    async def post(self) -> None:
        def work() -> Any:
            doc = parse_json_object(self.request.body)
            scopes = body_str_list(doc, "scopes")
            add = body_str_list(doc, "addScopes")
            params = body_authorization_parameters(doc)
            redirect = body_choice(doc, "redirect", ("callback", "paste")) \
                or default_redirect_mode(self.manager.auth_base)
            callback = None
            if redirect == "callback":
                callback = "{}://{}{}".format(
                    self.request.protocol, self.request.host,
                    url_path_join(self.settings["base_url"], "globus-kit", "login", "callback"))
            return self.manager.start(scopes, add, callback, params)

        await self.run(work)


class LoginCompleteHandler(LoginBase):
    body_fields = ("code", "state")

    @tornado.web.authenticated
    async def post(self) -> None:
        def work() -> Any:
            doc = parse_json_object(self.request.body)
            code = body_str(doc, "code", required=True, what="the code Globus showed")
            state = body_str(doc, "state", max_length=512)
            return self.manager.complete(code or "", state)

        await self.run(work)


class LoginCallbackHandler(JupyterHandler):
    """The browser lands here after Auth; answer a small HTML page (not JSON, hence not an
    APIHandler), never a token. A ``state`` is required: it names the waiting login, and
    only that one is used, once Auth has accepted the code (see :mod:`.callback_page`)."""

    def initialize(self, manager: LoginManager) -> None:
        self.manager = manager

    @tornado.web.authenticated
    async def get(self) -> None:
        error = self.get_query_argument("error", None)
        code = self.get_query_argument("code", None)
        state = self.get_query_argument("state", None)
        iss = self.get_query_argument("iss", None)
        if error:
            answer_page(self, "Login failed", f"Globus answered: {error_word(error)}. "
                        f"{START_AGAIN}", 400)
            return
        if not code:
            answer_page(self, "Login failed", NO_CODE, 400)
            return
        if not state:
            answer_page(self, "Login failed", MISSING_STATE, 400)
            return
        try:
            result = await IOLoop.current().run_in_executor(
                None, lambda: self.manager.complete(code, state, iss))
        except TokenFileError as err:
            answer_page(self, "Login failed", _callback_text(err), _STATUS.get(err.code, 400))
            return
        who = (result.get("identity") or {}).get("preferred_username") or "you"
        answer_page(self, "Logged in with Globus",
                    f"Logged in as {who}. You can close this tab and return to JupyterLab.")


def _callback_text(err: TokenFileError) -> str:
    """What the callback page says for ``err``: the paste box's remedy does not fit."""
    if err.code == "NO_PENDING_LOGIN":
        return NOT_WAITING
    text = str(err)
    if text.endswith(err.remedy):
        text = text[: len(text) - len(err.remedy)].rstrip()
    return f"{text} {START_AGAIN}"


class LogoutHandler(LoginBase):
    body_fields = ()  # takes no body

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.run(self.manager.logout)


def default_redirect_mode(auth_base: str) -> str:
    """``GLOBUS_KIT_LOGIN_REDIRECT`` (``callback``/``paste``), else ``callback`` when Auth is
    on a loopback address (the emulator accepts any loopback redirect, RFC 8252 §7.3) and
    ``paste`` for a real Auth, where only the native-app code page is registered."""
    explicit = os.environ.get("GLOBUS_KIT_LOGIN_REDIRECT")
    if explicit in ("callback", "paste"):
        return explicit
    host = urllib.parse.urlsplit(auth_base).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return "callback" if loopback else "paste"


def routes(base_url: str, manager: LoginManager) -> List[Tuple[str, Any, dict]]:
    """The login routes for ``web_app.add_handlers``."""
    join = lambda *p: url_path_join(base_url, "globus-kit", *p)  # noqa: E731
    args = {"manager": manager}
    return [
        (join("login"), LoginHandler, args),
        (join("login", "complete"), LoginCompleteHandler, args),
        (join("login", "callback"), LoginCallbackHandler, args),
        (join("logout"), LogoutHandler, args),
    ]
