"""The broker route for kernels (see :mod:`.broker`), and its set-up at extension load.

Routes (under ``<base_url>/globus-kit/broker/``), for kernels only::

    POST token   {"resource": <resource server | collection id | scope>, "rejected"?: <sha256>}
                 -> {resourceServer, accessToken, tokenType, expiresAt, scopes, source}
    POST status  {} -> the /globus-kit/status document (identity, token status, no token)

The handlers are plain tornado handlers, not Jupyter ones: Jupyter's cookie, token and
XSRF machinery is not consulted (the secret header replaces it), so being logged in to
JupyterLab gives a browser page nothing here. No frontend code calls these routes.
"""

from __future__ import annotations

import json
import os
from typing import Any, Awaitable, Callable, List, Optional, Tuple

import tornado.web
from jupyter_server.utils import url_path_join
from tornado.log import app_log

from .broker import BROKER_PATH, SECRET_VAR, URL_VAR, Broker, broker_url, new_secret, refusal
from .errors import GlobusKitError, to_document
from .validation import body_str, parse_json_object


class BrokerHandler(tornado.web.RequestHandler):
    """Base: refuses anything without the secret or from a browser, answers JSON."""

    def initialize(self, broker: Broker) -> None:
        self.broker = broker

    def check_xsrf_cookie(self) -> None:
        """The secret header is the check; Jupyter's XSRF cookie plays no part."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def prepare(self) -> None:
        why = refusal(self.request.headers, self.request.remote_ip, self.broker.secret)
        if why is not None:
            # The reason names what was wrong, never the header's value.
            app_log.warning("globus-kit token broker: refused %s %s from %s: %s",
                            self.request.method, self.request.path, self.request.remote_ip,
                            why)
            self.set_status(403)
            self.finish(json.dumps({
                "code": "FORBIDDEN",
                "message": "The token broker answers only kernels started by this server.",
            }))

    def get_current_user(self) -> None:
        return None  # never a Jupyter user: cookies and tokens are not looked at

    async def answer(self, work: Callable[[], Awaitable[Any]]) -> None:
        """Await ``work`` (a coroutine: what blocks, the file lock, Globus Auth and the hub,
        runs in the login manager's shared worker runs, never on the event loop); send its
        result or its typed error."""
        try:
            result = await work()
        except GlobusKitError as err:
            self.set_status(err.status)
            self.finish(json.dumps(to_document(err)))
            return
        except Exception as err:  # noqa: BLE001 - a typed answer, never a traceback page
            app_log.warning("globus-kit token broker: %s failed (%s)", self.request.path,
                            type(err).__name__)
            self.set_status(500)
            self.finish(json.dumps({
                "code": "BROKER_FAILED",
                "message": f"The token broker failed ({type(err).__name__}); see the server "
                "log and the Globus sidebar.",
            }))
            return
        self.finish(json.dumps(result))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"code": "FORBIDDEN" if status_code == 403 else "BAD_REQUEST",
                                "message": self._reason}))


class BrokerTokenHandler(BrokerHandler):
    body_fields = ("resource", "rejected")

    async def post(self) -> None:
        async def work() -> Any:
            body = parse_json_object(self.request.body)
            resource = body_str(body, "resource", required=True,
                                what="a resource server, a collection id or a scope")
            rejected = body_str(body, "rejected")
            return await self.broker.token(resource or "", rejected)

        await self.answer(work)


class BrokerStatusHandler(BrokerHandler):
    body_fields = ()

    async def post(self) -> None:
        await self.answer(self.broker.status)


def routes(base_url: str, broker: Broker) -> List[Tuple[str, Any, dict]]:
    """The broker's route table."""
    prefix = url_path_join(base_url, *BROKER_PATH)
    return [
        (url_path_join(prefix, "token"), BrokerTokenHandler, {"broker": broker}),
        (url_path_join(prefix, "status"), BrokerStatusHandler, {"broker": broker}),
    ]


def _kernel_url(server_app: Any) -> Optional[str]:
    return broker_url(
        str(getattr(server_app, "ip", "") or ""), int(getattr(server_app, "port", 0) or 0),
        server_app.web_app.settings.get("base_url", "/"),
        str(getattr(server_app, "sock", "") or ""),
        str(getattr(server_app, "certfile", "") or ""))


def install_broker(server_app: Any, state: Any, manager: Any) -> None:
    """Register the broker route and put its URL and a new secret into ``os.environ``,
    which every kernel this server starts inherits. The URL is set again once the server
    has its final port (a busy port makes it try the next ones after extensions load)."""
    secret = new_secret()
    broker = Broker(state, manager, secret)
    server_app.web_app.add_handlers(".*$", routes(server_app.web_app.settings["base_url"],
                                                  broker))
    os.environ[SECRET_VAR] = secret

    def publish() -> None:
        url = _kernel_url(server_app)
        if url is None:
            os.environ.pop(URL_VAR, None)
            os.environ.pop(SECRET_VAR, None)
            server_app.log.info(
                "jupyterlab_globus_kit: no token broker for kernels (the server does not "
                "listen on loopback TCP); kernels use their own credentials")
            return
        os.environ[URL_VAR] = url
        os.environ[SECRET_VAR] = secret

    publish()
    server_app.io_loop.add_callback(publish)
