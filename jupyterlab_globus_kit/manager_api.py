"""The file manager's Globus operations: delete tasks and bookmarks, with the server's
tokens, through :meth:`.globus_api.GlobusApi._call` (timeouts, error mapping, token
renewal and redaction are its). Answers are trimmed to what the manager shows.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence
from urllib.parse import quote

from .errors import GlobusKitError, bad_input
from .globus_api import GlobusApi

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
