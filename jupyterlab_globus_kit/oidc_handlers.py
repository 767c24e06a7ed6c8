"""Handlers of the provider and OIDC routes: parse, call :class:`~.oidc.OidcManager`,
answer JSON. No answer holds a token, a secret or the PKCE verifier.

Routes (under ``<base_url>/globus-kit/``)::

    GET  providers               [{id: "globus", …}, {id: "oidc", label, issuer, …}]
    GET  oidc/status             source, identity, token {expires_in, scopes, status}
    POST oidc/login              {redirect?: "callback"|"paste"} -> {url, state, redirectUri}
    GET  oidc/login/callback?code=&state=&iss=    the browser comes back here (HTML);
                                  state required, iss too when the provider says it sends it
    POST oidc/login/complete     {code, state?} -> {identity, source}
    POST oidc/logout             -> {revoked, failed, removed, source}
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, List, Optional, Tuple

import tornado.web
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join

from .callback_page import (
    MALFORMED, MISSING_STATE, NO_CODE, NOT_WAITING, START_AGAIN, answer_page, error_word,
)
from .errors import GlobusKitError, bad_input, to_document
from .oidc import OidcManager, file_error
from .token_store import TokenFileError
from .validation import body_choice, parse_json_object, query_arg

#: Longest authorization code or state accepted.
MAX_CODE_LENGTH = 2048


class ProviderHandler(APIHandler):
    """Base: holds the manager; typed errors become ``{code, message, …}`` answers."""

    #: The fields of the JSON body a POST reads (``()``: it reads none). Every handler with
    #: a POST declares it; the route fuzz test sends malformed bodies to those that read one.
    body_fields: Tuple[str, ...]

    def initialize(self, oidc: OidcManager, **extra: Any) -> None:
        self.oidc = oidc
        for key, value in extra.items():
            setattr(self, key, value)

    async def answer(self, work: Callable[[], Awaitable[Any]]) -> None:
        """Run ``work`` (validation included) and send its result or its typed error."""
        self.set_header("Cache-Control", "no-store")
        try:
            result = await work()
        except TokenFileError as err:
            self._error(file_error(err))
            return
        except GlobusKitError as err:
            self._error(err)
            return
        except (TypeError, AttributeError, KeyError, IndexError, ValueError):
            # Valid JSON of the wrong shape from a provider: a typed 502, not a traceback.
            self._error(GlobusKitError(
                "MALFORMED_RESPONSE", "The provider answered in an unexpected shape; try "
                "again later.", 502))
            return
        self.finish(json.dumps(result))

    def _error(self, err: GlobusKitError) -> None:
        self.set_status(err.status)
        self.finish(json.dumps(to_document(err)))

    def arg(self, name: str) -> Optional[str]:
        """A query argument exactly as sent (see :func:`.validation.query_arg`)."""
        return query_arg(self.request.query_arguments, name)


class ProvidersHandler(ProviderHandler):
    globus_configured: Callable[[], bool]

    @tornado.web.authenticated
    async def get(self) -> None:
        async def work() -> Any:
            return {"providers": [
                {"id": "globus", "label": "Globus", "configured": self.globus_configured()},
                self.oidc.provider_document(),
            ]}

        await self.answer(work)


class OidcStatusHandler(ProviderHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.oidc.status)


def _code_text(value: Any, name: str) -> str:
    """A code or state: printable ASCII (RFC 6749 Appendix A: VSCHAR, no space)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CODE_LENGTH \
            or any(not 0x21 <= ord(c) <= 0x7E for c in value.strip()):
        raise bad_input(f"'{name}' must be the code the provider showed")
    return value.strip()


class OidcLoginHandler(ProviderHandler):
    body_fields = ("redirect",)

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> Any:
            doc = parse_json_object(self.request.body)
            mode = body_choice(doc, "redirect", ("callback", "paste")) or "callback"
            config = self.oidc.require_config()
            if mode == "paste":
                redirect = config.paste_redirect_uri
            else:
                redirect = "{}://{}{}".format(
                    self.request.protocol, self.request.host,
                    url_path_join(self.settings["base_url"], "globus-kit", "oidc", "login",
                                  "callback"))
            return await self.oidc.start_login(redirect)

        await self.answer(work)


class OidcLoginCompleteHandler(ProviderHandler):
    body_fields = ("code", "state")

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> Any:
            doc = parse_json_object(self.request.body)
            code = _code_text(doc.get("code"), "code")
            state = doc.get("state")
            state = _code_text(state, "state") if state is not None else None
            return await self.oidc.complete_login(code, state)

        await self.answer(work)


class OidcLogoutHandler(ProviderHandler):
    body_fields = ()  # takes no body

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(self.oidc.logout)


class OidcLoginCallbackHandler(JupyterHandler):
    """The browser lands here after the provider: a small HTML page, never a token. A
    ``state`` is required: it names the waiting login, and only that one is used, once its
    code was accepted (see :mod:`.callback_page`)."""

    def initialize(self, oidc: OidcManager) -> None:
        self.oidc = oidc

    @tornado.web.authenticated
    async def get(self) -> None:
        error = self.get_query_argument("error", None)
        code = self.get_query_argument("code", None)
        state = self.get_query_argument("state", None)
        iss = self.get_query_argument("iss", None)
        if error:
            answer_page(self, "Login failed", f"The provider answered: {error_word(error)}. "
                        f"{START_AGAIN}", 400)
            return
        if not code:
            answer_page(self, "Login failed", NO_CODE, 400)
            return
        if not state:
            answer_page(self, "Login failed", MISSING_STATE, 400)
            return
        try:
            result = await self.oidc.complete_login(
                _code_text(code, "code"), _code_text(state, "state"), iss, callback=True)
        except TokenFileError as err:
            failure = file_error(err)
            answer_page(self, "Login failed", f"{failure.message} {START_AGAIN}",
                        failure.status)
            return
        except GlobusKitError as err:
            answer_page(self, "Login failed", _callback_text(err), err.status)
            return
        who = (result.get("identity") or {}).get("preferred_username") or "you"
        answer_page(self, "Logged in",
                    f"Logged in as {who}. You can close this tab and return to JupyterLab.")


def _callback_text(err: GlobusKitError) -> str:
    """What the callback page says for ``err`` (the provider's own words for a refusal)."""
    if err.code == "BAD_INPUT":
        return MALFORMED
    if err.code == "OIDC_NO_PENDING_LOGIN":
        return NOT_WAITING
    return f"{err.message} {START_AGAIN}"


def routes(base_url: str, oidc: OidcManager, globus_configured: Callable[[], bool]
           ) -> List[Tuple[str, Any, dict]]:
    """The provider and OIDC routes for ``web_app.add_handlers``."""
    join = lambda *p: url_path_join(base_url, "globus-kit", *p)  # noqa: E731
    args = {"oidc": oidc}
    return [
        (join("providers"), ProvidersHandler, {**args, "globus_configured": globus_configured}),
        (join("oidc", "status"), OidcStatusHandler, args),
        (join("oidc", "login"), OidcLoginHandler, args),
        (join("oidc", "login", "complete"), OidcLoginCompleteHandler, args),
        (join("oidc", "login", "callback"), OidcLoginCallbackHandler, args),
        (join("oidc", "logout"), OidcLogoutHandler, args),
    ]
