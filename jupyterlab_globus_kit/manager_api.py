"""The file manager's Globus operations: delete tasks, bookmarks, and sharing (access
rules on guest collections, identity look-up in Auth, the caller's groups), with the server's
tokens, through :meth:`.globus_api.GlobusApi._call` (timeouts, error mapping, token
renewal and redaction are its). Answers are trimmed to what the manager shows.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote

from .errors import GlobusKitError, bad_input
from .globus_api import AUTH_RS, GROUPS_RS, GlobusApi

BOOKMARK_FIELDS = ("id", "name", "endpoint_id", "path", "pinned")

#: Most paths one delete request may name (Transfer accepts more; a manager selects fewer).
MAX_DELETE_ITEMS = 1000

#: Paths a delete must never name: the collection root and the home root.
ROOTS = frozenset({"/", "/~/", "/~"})


def _bookmark(doc: Any) -> Dict[str, Any]:
    if not isinstance(doc, dict):
        raise TypeError("bookmark is not an object")
    return {k: doc.get(k) for k in BOOKMARK_FIELDS if k in doc}


def check_deletable(paths: Sequence[str]) -> None:
    """Refuse a delete of a collection root (``/``) or of the home root (``/~/``)."""
    for path in paths:
        if path in ROOTS:
            raise bad_input(
                f"'{path}' is the root of the collection; delete the folders inside it "
                "instead")


async def submit_delete(api: GlobusApi, collection_id: str, paths: Sequence[str],
                        recursive: bool, label: Optional[str]) -> Dict[str, Any]:
    """Submit a Transfer delete task: a submission id first, then ``POST /delete``.

    See https://docs.globus.org/api/transfer/task_submit/#submit_delete_task
    """
    check_deletable(paths)
    sub = await api._call("transfer", "submission_id", "GET", "/v0.10/submission_id")
    submission_id = sub.get("value")
    if not isinstance(submission_id, str) or not submission_id:
        raise GlobusKitError("MALFORMED_RESPONSE",
                             "Transfer submission_id answered without a value; try again.", 502)
    body: Dict[str, Any] = {
        "DATA_TYPE": "delete",
        "submission_id": submission_id,
        "endpoint": collection_id,
        "recursive": recursive,
        "DATA": [{"DATA_TYPE": "delete_item", "path": p} for p in paths],
    }
    if label:
        body["label"] = label
    doc = await api._call("transfer", "delete", "POST", "/v0.10/delete", body=body,
                          resource=f"collection {collection_id}")
    return {"code": doc.get("code"), "message": doc.get("message"),
            "taskId": doc.get("task_id"), "submissionId": submission_id}


async def bookmark_list(api: GlobusApi) -> Dict[str, Any]:
    """Transfer ``GET /bookmark_list``: the caller's bookmarks.

    See https://docs.globus.org/api/transfer/collection_bookmarks/#get_list_of_bookmarks
    """
    doc = await api._call("transfer", "bookmark_list", "GET", "/v0.10/bookmark_list")
    return {"bookmarks": [_bookmark(b) for b in doc.get("DATA") or []]}


async def bookmark_create(api: GlobusApi, name: str, collection_id: str, path: str
                          ) -> Dict[str, Any]:
    """Transfer ``POST /bookmark``.

    See https://docs.globus.org/api/transfer/collection_bookmarks/#create_bookmark
    """
    doc = await api._call(
        "transfer", "create bookmark", "POST", "/v0.10/bookmark",
        body={"DATA_TYPE": "bookmark", "name": name, "endpoint_id": collection_id,
              "path": path},
        resource=f"collection {collection_id} path {path}",
    )
    return _bookmark(doc)


async def bookmark_rename(api: GlobusApi, bookmark_id: str, name: str) -> Dict[str, Any]:
    """Transfer ``PUT /bookmark/{id}`` with a new name.

    See https://docs.globus.org/api/transfer/collection_bookmarks/#update_bookmark
    """
    doc = await api._call(
        "transfer", "rename bookmark", "PUT", f"/v0.10/bookmark/{quote(bookmark_id)}",
        body={"DATA_TYPE": "bookmark", "name": name}, resource=f"bookmark {bookmark_id}",
    )
    return _bookmark(doc)


async def bookmark_delete(api: GlobusApi, bookmark_id: str) -> Dict[str, Any]:
    """Transfer ``DELETE /bookmark/{id}``.

    See https://docs.globus.org/api/transfer/collection_bookmarks/#delete_bookmark_by_id
    """
    doc = await api._call("transfer", "delete bookmark", "DELETE",
                          f"/v0.10/bookmark/{quote(bookmark_id)}",
                          resource=f"bookmark {bookmark_id}")
    return {"code": doc.get("code"), "message": doc.get("message"), "id": bookmark_id}


# ---------------------------------------------------------------------- sharing

#: Fields of an access rule the Share dialog shows.
ACCESS_FIELDS = ("id", "principal_type", "principal", "path", "permissions", "role_id",
                 "role_type", "create_time", "expiration_date")
#: Fields of an Auth identity the look-up shows.
IDENTITY_FIELDS = ("id", "username", "name", "email", "organization", "status")
#: The Groups scope that lists the caller's groups (what the remedy asks to grant).
GROUPS_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships"
#: The Auth scope that looks identities up.
IDENTITIES_SCOPE = "urn:globus:auth:scope:auth.globus.org:view_identities"
#: Globus ID's username domain: a bare name typed in the look-up is also tried with it.
GLOBUS_ID_DOMAIN = "globusid.org"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _trim(doc: Any, fields: Sequence[str]) -> Dict[str, Any]:
    if not isinstance(doc, dict):
        raise TypeError("not an object")
    return {k: doc.get(k) for k in fields if k in doc}


def _missing_token(err: GlobusKitError, service: str, scope: str, api: GlobusApi
                   ) -> GlobusKitError:
    """``NO_CREDENTIALS`` for Auth or Groups, reworded to name the service, the scope and
    both remedies (hub: the admin requests the scope; a Globus login: grant it)."""
    if err.code != "NO_CREDENTIALS":
        return err
    return GlobusKitError(
        "NO_CREDENTIALS",
        f"{err.message} Without a {service} token the Share dialog cannot "
        f"{'list your groups' if service == 'Groups' else 'look identities up'}. Grant the "
        f"scope {scope} (with a Globus login from the sidebar: log in again and consent), or "
        "on a hub ask the admin to request it, then log out and back in.",
        401, resourceServer=err.facts.get("resourceServer"), requiredScopes=[scope],
        consentUrl=api.consent_url([scope]),
    )


async def access_list(api: GlobusApi, collection_id: str, path: Optional[str]
                      ) -> Dict[str, Any]:
    """Transfer ``GET /endpoint/{id}/access_list``: the rules of a guest collection (those
    of ``path`` only, when given), each with ``principalName`` — the identity's username or
    the group's name when Auth and Groups can tell (None otherwise: a missing Auth or Groups
    token does not fail the list).

    See https://docs.globus.org/api/transfer/acl/#rest_access_get_list
    """
    doc = await api._call("transfer", "access_list", "GET",
                          f"/v0.10/endpoint/{quote(collection_id)}/access_list",
                          resource=f"collection {collection_id}")
    rules = [_trim(r, ACCESS_FIELDS) for r in doc.get("DATA") or []]
    if path is not None:
        rules = [r for r in rules if r.get("path") == path]
    identity_ids = sorted({r["principal"] for r in rules if r.get("principal_type") == "identity"
                           and isinstance(r.get("principal"), str)
                           and _UUID.match(r["principal"])})
    names: Dict[str, str] = {}
    notes: List[str] = []
    if identity_ids:
        try:
            found = await _identities(api, ids=identity_ids[:100])
            names.update({i["id"]: i["username"] for i in found
                          if isinstance(i.get("id"), str) and isinstance(i.get("username"), str)})
        except GlobusKitError as err:
            notes.append(f"identity names unavailable ({err.code})")
    if any(r.get("principal_type") == "group" for r in rules):
        try:
            groups = (await my_groups(api))["groups"]
            names.update({g["id"]: g["name"] for g in groups
                          if isinstance(g.get("id"), str) and isinstance(g.get("name"), str)})
        except GlobusKitError as err:
            notes.append(f"group names unavailable ({err.code})")
    for rule in rules:
        principal = rule.get("principal")
        rule["principalName"] = names.get(principal) if isinstance(principal, str) else None
    return {"collection": collection_id, "path": path, "rules": rules, "notes": notes}


async def access_create(api: GlobusApi, collection_id: str, rule: Dict[str, Any]
                        ) -> Dict[str, Any]:
    """Transfer ``POST /endpoint/{id}/access`` with a validated rule (see
    :func:`.manager_handlers.parse_access_rule`).

    See https://docs.globus.org/api/transfer/acl/#rest_access_create
    """
    body = {"DATA_TYPE": "access", **rule}
    doc = await api._call("transfer", "create access rule", "POST",
                          f"/v0.10/endpoint/{quote(collection_id)}/access", body=body,
                          resource=f"collection {collection_id} path {rule['path']}")
    return {"code": doc.get("code"), "message": doc.get("message"),
            "accessId": doc.get("access_id")}


async def access_delete(api: GlobusApi, collection_id: str, rule_id: str) -> Dict[str, Any]:
    """Transfer ``DELETE /endpoint/{id}/access/{rule_id}``.

    See https://docs.globus.org/api/transfer/acl/#delete_access_rule
    """
    doc = await api._call("transfer", "delete access rule", "DELETE",
                          f"/v0.10/endpoint/{quote(collection_id)}/access/{quote(rule_id)}",
                          resource=f"collection {collection_id} access rule {rule_id}")
    return {"code": doc.get("code"), "message": doc.get("message"), "id": rule_id}


async def _identities(api: GlobusApi, *, ids: Sequence[str] = (),
                      usernames: Sequence[str] = ()) -> List[Dict[str, Any]]:
    query = {"ids": ",".join(ids)} if ids else {"usernames": ",".join(usernames)}
    try:
        doc = await api._call("auth", "identities", "GET", "/v2/api/identities", query=query,
                              resource_server=AUTH_RS)
    except GlobusKitError as err:
        raise _missing_token(err, "Auth", IDENTITIES_SCOPE, api) from None
    return [_trim(i, IDENTITY_FIELDS) for i in doc.get("identities") or []]


async def identity_lookup(api: GlobusApi, q: str) -> Dict[str, Any]:
    """Auth ``GET /v2/api/identities``: ``q`` is an identity id, a username, or an email
    address (found where it is the username, as institutional logins have); a bare name
    is also tried as a Globus ID (``name@globusid.org``). Unknown names are simply absent.

    See https://docs.globus.org/api/auth/reference/#get_identities
    """
    if _UUID.match(q.lower()):
        found = await _identities(api, ids=[q.lower()])
    else:
        names = [q] if "@" in q else [q, f"{q}@{GLOBUS_ID_DOMAIN}"]
        found = await _identities(api, usernames=names)
    return {"q": q, "identities": found}


async def my_groups(api: GlobusApi) -> Dict[str, Any]:
    """Groups ``GET /v2/groups/my_groups?statuses=active``: the caller's groups, by name,
    with the caller's roles in each.

    See https://docs.globus.org/api/groups/reference/#get_my_groups_and_memberships
    """
    try:
        doc = await api._call("groups", "my_groups", "GET", "/v2/groups/my_groups",
                              query={"statuses": "active"}, resource_server=GROUPS_RS)
    except GlobusKitError as err:
        raise _missing_token(err, "Groups", GROUPS_SCOPE, api) from None
    if not isinstance(doc, list):
        raise TypeError("my_groups is not a list")
    groups = []
    for g in doc:
        if not isinstance(g, dict) or not isinstance(g.get("id"), str):
            continue
        roles = sorted({m.get("role") for m in g.get("my_memberships") or []
                        if isinstance(m, dict) and isinstance(m.get("role"), str)})
        groups.append({"id": g["id"], "name": g.get("name") if isinstance(g.get("name"), str)
                       else g["id"], "description": g.get("description")
                       if isinstance(g.get("description"), str) else None, "roles": roles})
    groups.sort(key=lambda g: g["name"].lower())
    return {"groups": groups}
