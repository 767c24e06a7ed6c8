"""Handlers of the file manager's routes (delete tasks, bookmarks): parse and validate,
call :mod:`.manager_api`, answer JSON. Auth, XSRF and error answers are the base class's.

Routes (under ``<base_url>/globus-kit/``)::

    POST   collections/<id>/delete  {"paths": [...], "recursive"?, "label"?}  delete task
    GET    bookmarks                                      the caller's bookmarks
    POST   bookmarks                {"name", "collection", "path"}
    PUT    bookmarks/<id>           {"name"}              rename
    DELETE bookmarks/<id>

A delete answers ``{taskId, submissionId, code}``; follow it with ``GET tasks/<taskId>``.
"""

from __future__ import annotations

from typing import Any, Awaitable, List, Optional, Tuple

import tornado.web
from jupyter_server.utils import url_path_join

from . import manager_api
from .api_handlers import GlobusApiHandler, _guard
from .errors import bad_input
from .globus_api import GlobusApi
from .validation import parse_path, parse_uuid

#: Longest bookmark name Transfer accepts.
MAX_BOOKMARK_NAME = 128
#: Longest task label Transfer accepts.
MAX_LABEL = 128


def parse_bookmark_name(value: Any) -> str:
    """A bookmark name: 1–128 characters after trimming, no control characters."""
    if not isinstance(value, str) or not value.strip():
        raise bad_input("'name' is required (the bookmark's name, 1 to 128 characters)")
    name = value.strip()
    if len(name) > MAX_BOOKMARK_NAME:
        raise bad_input(f"'name' is longer than {MAX_BOOKMARK_NAME} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise bad_input("'name' must not contain control characters")
    return name


def parse_label(value: Any) -> Optional[str]:
    """An optional task label: at most 128 characters, no control characters, trimmed."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_input("'label' must be a string")
    label = value.strip()
    if len(label) > MAX_LABEL or any(ord(c) < 0x20 or ord(c) == 0x7F for c in label):
        raise bad_input(f"'label' must be at most {MAX_LABEL} characters without control "
                        "characters")
    return label or None


def parse_delete_paths(value: Any) -> List[str]:
    """1 to :data:`.manager_api.MAX_DELETE_ITEMS` absolute paths, none a collection root,
    no repeats."""
    if not isinstance(value, list) or not value:
        raise bad_input("'paths' must be a non-empty list of absolute paths")
    if len(value) > manager_api.MAX_DELETE_ITEMS:
        raise bad_input(f"at most {manager_api.MAX_DELETE_ITEMS} paths per delete")
    paths: List[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise bad_input(f"'paths[{i}]' must be a string")
        path = parse_path(item, f"paths[{i}]")
        if path not in paths:
            paths.append(path)
    manager_api.check_deletable(paths)
    return paths


class DeleteHandler(GlobusApiHandler):
    body_fields = ("paths", "recursive", "label")

    @tornado.web.authenticated
    async def post(self, collection_id: str) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            recursive = body.get("recursive", True)
            if not isinstance(recursive, bool):
                raise bad_input("'recursive' must be true or false")
            return manager_api.submit_delete(
                self.api, parse_uuid(collection_id, "collection_id"),
                parse_delete_paths(body.get("paths")), recursive,
                parse_label(body.get("label")))

        await self.answer(_guard(build))


class BookmarksHandler(GlobusApiHandler):
    body_fields = ("path", "name", "collection")  # POST

    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(_guard(lambda: manager_api.bookmark_list(self.api)))

    @tornado.web.authenticated
    async def post(self) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            path = body.get("path")
            if not isinstance(path, str):
                raise bad_input("'path' is required (an absolute folder path)")
            folder = parse_path(path)
            if not folder.endswith("/"):
                folder += "/"  # Transfer bookmarks a folder, written with its slash
            return manager_api.bookmark_create(
                self.api, parse_bookmark_name(body.get("name")),
                parse_uuid(body.get("collection") if isinstance(body.get("collection"), str)
                           else None, "collection"),
                folder)

        await self.answer(_guard(build))


class BookmarkHandler(GlobusApiHandler):
    body_fields = {"put": ("name",), "delete": ()}  # DELETE takes no body

    @tornado.web.authenticated
    async def put(self, bookmark_id: str) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            return manager_api.bookmark_rename(
                self.api, parse_uuid(bookmark_id, "bookmark_id"),
                parse_bookmark_name(body.get("name")))

        await self.answer(_guard(build))

    @tornado.web.authenticated
    async def delete(self, bookmark_id: str) -> None:
        def build() -> Awaitable[Any]:
            self.body_json()  # none is needed; a malformed one is still refused
            return manager_api.bookmark_delete(self.api, parse_uuid(bookmark_id,
                                                                     "bookmark_id"))

        await self.answer(_guard(build))


def routes(base_url: str, api: GlobusApi) -> List[Tuple[str, Any, dict]]:
    """The route table of this module, for ``web_app.add_handlers``."""
    prefix = url_path_join(base_url, "globus-kit")
    one = r"([^/]+)"
    table = [
        (f"collections/{one}/delete", DeleteHandler),
        ("bookmarks", BookmarksHandler),
        (f"bookmarks/{one}", BookmarkHandler),
    ]
    return [(url_path_join(prefix, path), handler, {"api": api}) for path, handler in table]
