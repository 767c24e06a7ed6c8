"""HTTP handlers of the ``/globus-kit/*`` routes: parse, call a plain function, answer."""

from __future__ import annotations

import logging
from typing import Any, List, Optional, Tuple

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .api_handlers import routes as api_routes
from .errors import GlobusKitError, strict_json, to_document
from .globus_api import GlobusApi
from .lab_transfer_handlers import routes as lab_transfer_routes
from .login import LoginManager
from .login_handlers import routes as login_routes
from .manager_handlers import routes as manager_routes
from .oidc import OidcConfig, OidcManager
from .oidc_handlers import routes as oidc_routes
from .status import GlobusState
from .task_handlers import routes as task_routes
from .workspaces import WorkspaceService
from .workspaces_handlers import routes as workspace_routes


class StatusHandler(APIHandler):
    """``GET /globus-kit/status``: identity and per-resource-server token status, never a token."""

    def initialize(self, state: GlobusState, manager: LoginManager) -> None:
        self.state = state
        self.manager = manager

    @tornado.web.authenticated
    async def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        await self.manager.refresh_source_async()
        try:
            text = strict_json(self.state.status())
        except ValueError:
            # A non-finite number slipped into the status: a typed error the sidebar shows,
            # never a body the browser cannot parse (and so loses the whole status over).
            self.log.error("jupyterlab_globus_kit: the status held a value JSON cannot "
                           "carry (NaN or infinity); answered STATUS_NOT_JSON")
            err = GlobusKitError("STATUS_NOT_JSON", "The Globus status could not be written "
                                 "as JSON; see the server log.", 500)
            self.set_status(err.status)
            text = strict_json(to_document(err))
        self.finish(text)


def setup_handlers(web_app: Any, state: GlobusState, log: Optional[logging.Logger] = None
                   ) -> LoginManager:
    """Register the routes under the server's base URL (``log``: the server's log); returns
    the login manager (the token broker for kernels takes its tokens from it)."""
    base_url = web_app.settings["base_url"]
    # The login manager picks the credential source (hub API, GLOBUS_DATA, stored login)
    # and renews stored-login tokens; the API routes take their tokens from it.
    manager = LoginManager(state, log=log)
    routes: List[Tuple[str, Any, dict]] = [
        (url_path_join(base_url, "globus-kit", "status"), StatusHandler,
         {"state": state, "manager": manager}),
    ]
    routes += login_routes(base_url, manager)
    api = GlobusApi(state, token_source=manager.token_async,
                    on_unauthorized=manager.renew_after_401)
    routes += api_routes(base_url, api)
    routes += task_routes(base_url, api)
    routes += manager_routes(base_url, api)  # issue #16: delete tasks and bookmarks
    routes += lab_transfer_routes(base_url, api)  # issue #16: copies to/from the contents root
    # Issue #9: a generic OIDC provider and its platform's S3 workspaces (off unless
    # GLOBUS_KIT_OIDC_ISSUER and GLOBUS_KIT_OIDC_CLIENT_ID are set).
    oidc = OidcManager(OidcConfig.from_env())
    routes += oidc_routes(base_url, oidc, lambda: state.present or state.data is not None
                          or bool(manager.client_id))
    routes += workspace_routes(base_url, WorkspaceService(oidc))
    web_app.add_handlers(".*$", routes)
    return manager
