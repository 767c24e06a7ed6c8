"""Handlers of the file manager's routes (delete tasks, bookmarks, sharing): parse and
validate, call :mod:`.manager_api`, answer JSON. Auth, XSRF and error answers are the base
class's.

Routes (under ``<base_url>/globus-kit/``)::

    POST   collections/<id>/delete  {"paths": [...], "recursive"?, "label"?}  delete task
    GET    bookmarks                                      the caller's bookmarks
    POST   bookmarks                {"name", "collection", "path"}
    PUT    bookmarks/<id>           {"name"}              rename
    DELETE bookmarks/<id>
    GET    collections/<id>/access?path=                  access rules (of one folder)
    POST   collections/<id>/access  {"principalType", "principal"?, "path", "permissions",
                                     "notifyEmail"?, "notifyMessage"?}   add a rule
    DELETE collections/<id>/access/<rule_id>               revoke a rule
    GET    identities?q=                                  Auth identity look-up
    GET    groups                                         the caller's groups

A delete answers ``{taskId, submissionId, code}``; follow it with ``GET tasks/<taskId>``.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Dict, List, Optional, Tuple

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
#: Longest invitation message sent with a new access rule.
MAX_NOTIFY_MESSAGE = 2000
#: Longest identity look-up text (an email address is at most 254 characters).
MAX_LOOKUP = 254
#: Who an access rule may name (Transfer's ``principal_type``).
PRINCIPAL_TYPES = ("identity", "group", "all_authenticated_users", "anonymous")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{1,63}$")
_RULE_ID = re.compile(r"^[0-9A-Za-z-]{1,64}$")


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


def parse_rule_id(value: Optional[str]) -> str:
    """An access rule id: a UUID (or the integer ids of older rules), nothing else."""
    if not value or not _RULE_ID.match(value):
        raise bad_input("'rule_id' must be an access rule id (a UUID)")
    return value.lower()


def parse_folder(value: Any, name: str = "path") -> str:
    """An absolute folder path, written with its trailing slash (access rules name
    folders)."""
    if not isinstance(value, str):
        raise bad_input(f"'{name}' is required (an absolute folder path)")
    folder = parse_path(value, name)
    return folder if folder.endswith("/") else folder + "/"


def parse_access_rule(body: Dict[str, Any]) -> Dict[str, Any]:
    """The Transfer fields of a new access rule from the route's camelCase body.

    ``identity`` and ``group`` name a UUID; ``all_authenticated_users`` and ``anonymous``
    name none (and anyone may only read). A notification message needs an email address
    to send it to (Transfer sends ``notify_message`` with ``notify_email``)."""
    kind = body.get("principalType")
    if kind not in PRINCIPAL_TYPES:
        raise bad_input(f"'principalType' must be one of {', '.join(PRINCIPAL_TYPES)}",
                        "BAD_PRINCIPAL")
    principal = body.get("principal")
    if kind in ("identity", "group"):
        principal = parse_uuid(principal if isinstance(principal, str) else None, "principal")
    elif principal not in (None, ""):
        raise bad_input(f"'principal' must be empty for {kind}", "BAD_PRINCIPAL")
    else:
        principal = ""
    permissions = body.get("permissions")
    if permissions not in ("r", "rw"):
        raise bad_input("'permissions' must be 'r' (read) or 'rw' (read and write)",
                        "BAD_PERMISSIONS")
    if kind == "anonymous" and permissions == "rw":
        raise bad_input("anyone (anonymous) may only read: choose 'r'", "BAD_PERMISSIONS")
    rule: Dict[str, Any] = {"principal_type": kind, "principal": principal,
                            "path": parse_folder(body.get("path")), "permissions": permissions}
    email = body.get("notifyEmail")
    message = body.get("notifyMessage")
    if email not in (None, ""):
        if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email.strip()):
            raise bad_input("'notifyEmail' must be an email address")
        rule["notify_email"] = email.strip()
    if message not in (None, ""):
        if not isinstance(message, str):
            raise bad_input("'notifyMessage' must be a string")
        if len(message) > MAX_NOTIFY_MESSAGE:
            raise bad_input(f"'notifyMessage' is longer than {MAX_NOTIFY_MESSAGE} characters")
        if any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in message):
            raise bad_input("'notifyMessage' must not contain control characters")
        if "notify_email" not in rule:
            raise bad_input("'notifyMessage' needs 'notifyEmail' (the address it is sent to)")
        rule["notify_message"] = message
    return rule


def parse_lookup(value: Optional[str]) -> str:
    """Identity look-up text: a username, email address or identity id, trimmed; no
    comma (Auth would read a list), space or control character."""
    text = (value or "").strip()
    if not text:
        raise bad_input("'q' is required (a username, email address or identity id)")
    if len(text) > MAX_LOOKUP:
        raise bad_input(f"'q' is longer than {MAX_LOOKUP} characters")
    if any(c in ", " or ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise bad_input("'q' must be one username, email address or identity id (no comma, "
                        "space or control character)")
    return text


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


class AccessListHandler(GlobusApiHandler):
    body_fields = ("principalType", "principal", "path", "permissions", "notifyEmail",
                   "notifyMessage")  # POST

    @tornado.web.authenticated
    async def get(self, collection_id: str) -> None:
        def build() -> Awaitable[Any]:
            path = self.arg("path")
            return manager_api.access_list(
                self.api, parse_uuid(collection_id, "collection_id"),
                None if path is None else parse_folder(path))

        await self.answer(_guard(build))

    @tornado.web.authenticated
    async def post(self, collection_id: str) -> None:
        def build() -> Awaitable[Any]:
            collection = parse_uuid(collection_id, "collection_id")
            return manager_api.access_create(self.api, collection,
                                             parse_access_rule(self.body_json()))

        await self.answer(_guard(build))


class AccessRuleHandler(GlobusApiHandler):
    body_fields = {"delete": ()}  # DELETE takes no body

    @tornado.web.authenticated
    async def delete(self, collection_id: str, rule_id: str) -> None:
        def build() -> Awaitable[Any]:
            self.body_json()  # none is needed; a malformed one is still refused
            return manager_api.access_delete(
                self.api, parse_uuid(collection_id, "collection_id"), parse_rule_id(rule_id))

        await self.answer(_guard(build))


class IdentitiesHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(_guard(lambda: manager_api.identity_lookup(
            self.api, parse_lookup(self.arg("q")))))


class GroupsHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(_guard(lambda: manager_api.my_groups(self.api)))


def routes(base_url: str, api: GlobusApi) -> List[Tuple[str, Any, dict]]:
    """The route table of this module, for ``web_app.add_handlers``."""
    prefix = url_path_join(base_url, "globus-kit")
    one = r"([^/]+)"
    table = [
        (f"collections/{one}/delete", DeleteHandler),
        ("bookmarks", BookmarksHandler),
        (f"bookmarks/{one}", BookmarkHandler),
        (f"collections/{one}/access", AccessListHandler),
        (f"collections/{one}/access/{one}", AccessRuleHandler),
        ("identities", IdentitiesHandler),
        ("groups", GroupsHandler),
    ]
    return [(url_path_join(prefix, path), handler, {"api": api}) for path, handler in table]
