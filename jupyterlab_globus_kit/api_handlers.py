"""Handlers of the collection, file and consent routes: parse and validate the request,
call :class:`~.globus_api.GlobusApi`, answer JSON. No Globus logic lives here. The task
routes are in :mod:`.task_handlers`.

Routes (under ``<base_url>/globus-kit/``)::

    GET  collections?q=&filter_scope=&limit=&offset=   endpoint_search
    GET  collections/<id>                              collection document
    GET  collections/<id>/ls?path=&limit=&offset=&show_hidden=
    POST collections/<id>/mkdir   {"path"}
    POST collections/<id>/rename  {"old_path", "new_path"}
    GET  consents?scope=…&scope=…                       required scopes: granted / missing

Errors answer ``{code, message, …}`` with a status from :mod:`.errors`.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Dict, List, Optional, Tuple, Union

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .errors import GlobusKitError, bad_input, strict_json, to_document
from .globus_api import GlobusApi
from .validation import (
    body_str, parse_filter_scope, parse_int, parse_json_object, parse_path, parse_query,
    parse_uuid, query_arg,
)


class GlobusApiHandler(APIHandler):
    """Base: holds the :class:`GlobusApi` and turns typed errors into JSON answers."""

    def initialize(self, api: GlobusApi) -> None:
        self.api = api

    async def answer(self, work: Awaitable[Any]) -> None:
        """Await ``work`` and send its result, or the typed error it raised."""
        self.set_header("Cache-Control", "no-store")
        try:
            text = strict_json(await work)
        except GlobusKitError as err:
            self.set_status(err.status)
            self.finish(json.dumps(to_document(err)))
            return
        except (TypeError, AttributeError, KeyError, IndexError, ValueError):
            # Valid JSON of the wrong shape from Globus (or a proxy), or a NaN / Infinity
            # in it (Python's JSON reader takes them, the browser's does not): a typed 502,
            # not a 500 with a traceback; the details are not sent (they may quote it).
            err = GlobusKitError(
                "MALFORMED_RESPONSE",
                "Globus answered in an unexpected shape; try again later.",
                502,
            )
            self.set_status(err.status)
            self.finish(json.dumps(to_document(err)))
            return
        self.finish(text)

    #: The fields of the JSON body a POST (PUT, PATCH, DELETE) reads (``()``: it reads none),
    #: or a dict of them per method name. Every handler with such a method declares it; the
    #: route fuzz test sends malformed bodies to those that read one.
    body_fields: "Union[Tuple[str, ...], Dict[str, Tuple[str, ...]]]"

    def body_json(self) -> dict:
        return parse_json_object(self.request.body)

    def arg(self, name: str) -> Optional[str]:
        """A query argument exactly as sent (see :func:`.validation.query_arg`)."""
        return query_arg(self.request.query_arguments, name)


async def _failed(err: GlobusKitError) -> Any:
    raise err


def _guard(build: Any) -> Awaitable[Any]:
    """Run the synchronous validation in ``build``; a bad parameter becomes an awaitable
    that raises, so every handler answers through the same path."""
    try:
        return build()
    except GlobusKitError as err:
        return _failed(err)


class CollectionSearchHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(_guard(lambda: self.api.search_collections(
            parse_query(self.get_argument("q", None)),
            parse_filter_scope(self.get_argument("filter_scope", None)),
            parse_int(self.get_argument("limit", None), "limit", 25, 1, 100),
            parse_int(self.get_argument("offset", None), "offset", 0, 0, 999),
        )))


class CollectionHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self, collection_id: str) -> None:
        await self.answer(_guard(lambda: self.api.get_collection(
            parse_uuid(collection_id, "collection_id"))))


class LsHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self, collection_id: str) -> None:
        def build() -> Awaitable[Any]:
            hidden = self.get_argument("show_hidden", "false")
            if hidden not in ("true", "false", "1", "0"):
                raise bad_input("'show_hidden' must be true or false")
            return self.api.ls(
                parse_uuid(collection_id, "collection_id"),
                parse_path(self.arg("path"), default="/~/"),
                parse_int(self.get_argument("limit", None), "limit", 1000, 1, 100000),
                parse_int(self.get_argument("offset", None), "offset", 0, 0, 10_000_000),
                hidden in ("true", "1"),
            )

        await self.answer(_guard(build))


def _body_path(body: dict, name: str) -> str:
    return parse_path(body_str(body, name, required=True, what="an absolute path"), name)


class MkdirHandler(GlobusApiHandler):
    body_fields = ("path",)

    @tornado.web.authenticated
    async def post(self, collection_id: str) -> None:
        await self.answer(_guard(lambda: self.api.mkdir(
            parse_uuid(collection_id, "collection_id"),
            _body_path(self.body_json(), "path"),
        )))


class RenameHandler(GlobusApiHandler):
    body_fields = ("old_path", "new_path")

    @tornado.web.authenticated
    async def post(self, collection_id: str) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            return self.api.rename(
                parse_uuid(collection_id, "collection_id"),
                _body_path(body, "old_path"),
                _body_path(body, "new_path"),
            )

        await self.answer(_guard(build))


class ConsentsHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        def build() -> Awaitable[Any]:
            scopes = self.get_arguments("scope")
            if len(scopes) > 50:
                raise bad_input("at most 50 'scope' parameters")
            return self.api.consents(scopes)

        await self.answer(_guard(build))


def routes(base_url: str, api: GlobusApi) -> List[Tuple[str, Any, dict]]:
    """The route table of this module, for ``web_app.add_handlers``."""
    prefix = url_path_join(base_url, "globus-kit")
    one = r"([^/]+)"  # any segment: the handler validates it and answers a typed 400
    table = [
        ("collections", CollectionSearchHandler),
        (f"collections/{one}", CollectionHandler),
        (f"collections/{one}/ls", LsHandler),
        (f"collections/{one}/mkdir", MkdirHandler),
        (f"collections/{one}/rename", RenameHandler),
        ("consents", ConsentsHandler),
    ]
    return [(url_path_join(prefix, path), handler, {"api": api}) for path, handler in table]
