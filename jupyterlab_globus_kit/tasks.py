"""Transfer tasks for the routes (issue #17): submit a transfer exactly once, list tasks
with paging and filters, and read a task's detail, events, skipped errors, successful
transfers and pause info; update its label or deadline; cancel it.

Plain functions over :class:`~.globus_api.GlobusApi` (which holds the tokens, the timeouts
and the error mapping); the parsers here turn the browser's JSON into Transfer documents
and refuse anything malformed with a typed ``BAD_INPUT`` naming the field. Answers are
trimmed to the fields the activity view shows.

Field names and formats: https://docs.globus.org/api/transfer/task_submit/ and
https://docs.globus.org/api/transfer/task/
"""

from __future__ import annotations

import datetime as dt
import posixpath
from typing import Any, Dict, List, Mapping, Optional, Sequence
from urllib.parse import quote

from .errors import GlobusKitError, bad_input
from .globus_api import GlobusApi, pick
from .validation import (
    TASK_STATUSES, body_choice, body_object, body_str, parse_path, parse_uuid,
)

#: Fields of a task in the list (what a row of the activity view shows).
TASK_LIST_FIELDS = (
    "task_id", "type", "status", "nice_status", "nice_status_short_description", "label",
    "is_ok", "is_paused", "request_time", "completion_time", "deadline",
    "source_endpoint_id", "source_endpoint_display_name", "destination_endpoint_id",
    "destination_endpoint_display_name", "files", "files_transferred", "files_skipped",
    "directories", "bytes_transferred", "bytes_checksummed", "subtasks_total",
    "subtasks_succeeded", "subtasks_failed", "subtasks_pending", "subtasks_canceled",
    "subtasks_expired", "subtasks_skipped_errors", "effective_bytes_per_second",
    "fatal_error", "faults",
)
#: The options a transfer was submitted with, as the task document reports them.
TASK_OPTION_FIELDS = (
    "sync_level", "verify_checksum", "encrypt_data", "preserve_timestamp",
    "delete_destination_extra", "skip_source_errors", "fail_on_quota_errors",
    "recursive_symlinks", "filter_rules",
)
#: Fields of the task detail.
TASK_FIELDS = TASK_LIST_FIELDS + TASK_OPTION_FIELDS + (
    "symlinks", "subtasks_retrying", "canceled_by_admin", "canceled_by_admin_message",
    "history_deleted", "owner_id", "nice_status_details", "nice_status_expires_in",
)
EVENT_FIELDS = ("code", "is_error", "description", "details", "time")
SKIPPED_ERROR_FIELDS = (
    "error_code", "error_details", "error_time", "source_path", "destination_path",
    "is_directory", "is_symlink", "is_delete_destination_extra", "checksum_algorithm",
    "external_checksum",
)
SUCCESSFUL_TRANSFER_FIELDS = (
    "source_path", "destination_path", "size", "checksum", "checksum_algorithm", "dynamic",
)
PAUSE_RULE_FIELDS = (
    "message", "endpoint_display_name", "identity_id", "pause_ls", "pause_mkdir",
    "pause_rename", "pause_task_delete", "pause_task_transfer_read",
    "pause_task_transfer_write",
)
PAUSE_MESSAGE_FIELDS = (
    "source_pause_message", "destination_pause_message", "source_pause_message_share",
    "destination_pause_message_share",
)

#: The sync levels of the transfer dialog; ``off`` sends none (always copy).
#: Transfer's numbers: https://docs.globus.org/api/transfer/task_submit/ (sync_level).
SYNC_LEVELS = {"off": None, "exists": 0, "size": 1, "mtime": 2, "checksum": 3}
#: Boolean options and their defaults here: the web app's and the CLI's (verify on, the
#: rest off; notifications on, as Transfer's own default).
BOOLEAN_OPTIONS = {
    "verify_checksum": True, "encrypt_data": False, "preserve_timestamp": False,
    "delete_destination_extra": False, "skip_source_errors": False,
    "fail_on_quota_errors": False, "notify_on_succeeded": True, "notify_on_failed": True,
    "notify_on_inactive": True,
}
OPTION_NAMES = ("label", "sync_level", "deadline") + tuple(BOOLEAN_OPTIONS)

#: Task list filters (Transfer's ``task_list`` ``filter`` values).
TASK_TYPES = ("TRANSFER", "DELETE")
#: Transfer's ``task_list`` window: offset + limit at most 1000.
TASK_LIST_WINDOW = 1000
MAX_ITEMS = 1000
MAX_LABEL = 128
#: The Globus web app's page for a task.
WEB_APP_TASK_URL = "https://app.globus.org/activity/{task_id}"
#: Codes after which a submission is sent once more with the same submission id: Transfer
#: may have created the task before the answer was lost, and a reused id never makes a
#: second one (it answers ``Duplicate``).
RETRY_SUBMIT_CODES = ("NETWORK_ERROR", "TIMEOUT", "RATE_LIMITED")


# ---------------------------------------------------------------------------- parsing


def parse_label(value: Any, name: str = "label") -> Optional[str]:
    """A task label as Transfer takes it: at most 128 characters, no line break, no
    leading or trailing whitespace; ``""`` or absent is no label."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_input(f"'{name}' must be a string")
    if len(value) > MAX_LABEL:
        raise bad_input(f"'{name}' is longer than {MAX_LABEL} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise bad_input(f"'{name}' must not contain line breaks or control characters")
    if value != value.strip():
        raise bad_input(f"'{name}' must not start or end with spaces")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_input(f"'{name}' is not valid Unicode") from None
    return value


def parse_deadline(value: Any, name: str = "deadline",
                   now: Optional[dt.datetime] = None) -> Optional[str]:
    """An ISO-8601 date or date and time in the future (``2030-01-31``,
    ``2030-01-31 09:30``, ``2030-01-31T09:30:00Z``, ``…+02:00``; no zone means UTC),
    as Transfer's ``YYYY-MM-DDTHH:MM:SS+00:00``. Absent is None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise bad_input(f"'{name}' must be an ISO-8601 date and time, e.g. "
                        "2030-01-31T09:30:00Z")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise bad_input(f"'{name}' must be an ISO-8601 date and time, e.g. "
                        "2030-01-31T09:30:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    when = when.astimezone(dt.timezone.utc)
    if when <= (now or dt.datetime.now(dt.timezone.utc)):
        raise bad_input(f"'{name}' must be in the future")
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _bool(doc: Mapping[str, Any], name: str, default: bool, where: str = "") -> bool:
    value = doc.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_input(f"'{where}{name}' must be true or false")
    return value


def _endpoint(body: Mapping[str, Any], name: str) -> Dict[str, str]:
    doc = body_object(body, name)
    if doc is None:
        raise bad_input(f"'{name}' is required ({{collection, path}})")
    collection = doc.get("collection")
    if not isinstance(collection, str):
        raise bad_input(f"'{name}.collection' is required (a UUID)")
    path = doc.get("path")
    if path is not None and not isinstance(path, str):
        raise bad_input(f"'{name}.path' must be an absolute path")
    return {
        "collection": parse_uuid(collection, f"{name}.collection"),
        "path": parse_path(path, f"{name}.path", default="/~/"),
    }


def _items(body: Mapping[str, Any], destination_dir: str) -> List[Dict[str, Any]]:
    raw = body.get("items")
    if not isinstance(raw, list) or not raw:
        raise bad_input("'items' is required (a non-empty list of paths or "
                        "{path, recursive, destination_path} objects)")
    if len(raw) > MAX_ITEMS:
        raise bad_input(f"'items' holds more than {MAX_ITEMS} entries")
    out = []
    for n, item in enumerate(raw):
        where = f"items[{n}]"
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict):
            raise bad_input(f"'{where}' must be a path or an object")
        src = item.get("path")
        if not isinstance(src, str):
            raise bad_input(f"'{where}.path' is required (an absolute path)")
        source_path = parse_path(src, f"{where}.path")
        recursive = _bool(item, "recursive", source_path.endswith("/"), f"{where}.")
        dst = item.get("destination_path")
        if dst is not None and not isinstance(dst, str):
            raise bad_input(f"'{where}.destination_path' must be an absolute path")
        if dst:
            destination_path = parse_path(dst, f"{where}.destination_path")
        else:
            name = posixpath.basename(source_path.rstrip("/"))
            if not name or name == "~":
                raise bad_input(f"'{where}.path' names no file or folder; give "
                                "'destination_path'")
            destination_path = posixpath.join(destination_dir, name)
        if recursive and not destination_path.endswith("/"):
            destination_path += "/"
        if not recursive:
            source_path = source_path.rstrip("/") or "/"
            destination_path = destination_path.rstrip("/") or "/"
        out.append({"DATA_TYPE": "transfer_item", "source_path": source_path,
                    "destination_path": destination_path, "recursive": recursive})
    return out


def _overlap(a: str, b: str) -> bool:
    a, b = a.rstrip("/") + "/", b.rstrip("/") + "/"
    return a.startswith(b) or b.startswith(a)


def parse_transfer(body: Mapping[str, Any], now: Optional[dt.datetime] = None
                   ) -> Dict[str, Any]:
    """The route's body → a Transfer ``transfer`` document without ``submission_id``.

    Body: ``{source: {collection, path}, destination: {collection, path}, items: [path |
    {path, recursive?, destination_path?}], options?: {label, sync_level, deadline,
    verify_checksum, …}, submission_id?}``. An item's destination defaults to the
    destination folder plus the item's name; a path ending in ``/`` is a folder
    (recursive)."""
    source = _endpoint(body, "source")
    destination = _endpoint(body, "destination")
    dest_dir = destination["path"] if destination["path"].endswith("/") else (
        destination["path"] + "/")
    items = _items(body, dest_dir)
    options = body_object(body, "options") or {}
    unknown = sorted(k for k in options if k not in OPTION_NAMES)
    if unknown:
        raise bad_input(f"'options' may hold only {', '.join(OPTION_NAMES)} (not "
                        f"{', '.join(repr(k[:40]) for k in unknown[:3])})")
    sync = body_choice(options, "sync_level", tuple(SYNC_LEVELS))
    doc: Dict[str, Any] = {
        "DATA_TYPE": "transfer",
        "source_endpoint": source["collection"],
        "destination_endpoint": destination["collection"],
        "DATA": items,
    }
    label = parse_label(options.get("label"), "options.label")
    if label is not None:
        doc["label"] = label
    if sync is not None and SYNC_LEVELS[sync] is not None:
        doc["sync_level"] = SYNC_LEVELS[sync]
    deadline = parse_deadline(options.get("deadline"), "options.deadline", now)
    if deadline is not None:
        doc["deadline"] = deadline
    for name, default in BOOLEAN_OPTIONS.items():
        doc[name] = _bool(options, name, default, "options.")
    if doc["delete_destination_extra"] and not all(i["recursive"] for i in items):
        raise bad_input("'options.delete_destination_extra' needs every item to be a "
                        "folder (recursive)")
    if source["collection"] == destination["collection"]:
        for n, item in enumerate(items):
            if _overlap(item["source_path"], item["destination_path"]):
                raise bad_input(
                    f"'items[{n}]': {item['source_path']} and {item['destination_path']} "
                    "overlap on the same collection; choose another destination folder",
                    "OVERLAPPING_PATHS")
    return doc


def parse_submission_id(body: Mapping[str, Any]) -> Optional[str]:
    """A client-provided submission id (a UUID from ``GET tasks/submission-id`` or an
    earlier failed attempt), or None."""
    value = body_str(body, "submission_id", max_length=64, what="a UUID")
    return parse_uuid(value, "submission_id") if value else None


def parse_update(body: Mapping[str, Any], now: Optional[dt.datetime] = None
                 ) -> Dict[str, Any]:
    """``{label?, deadline?}`` → Transfer's task update document (at least one)."""
    unknown = sorted(k for k in body if k not in ("label", "deadline"))
    if unknown:
        raise bad_input("only 'label' and 'deadline' can be updated (not "
                        f"{', '.join(repr(k[:40]) for k in unknown[:3])})")
    doc: Dict[str, Any] = {"DATA_TYPE": "task"}
    if "label" in body:
        label = parse_label(body.get("label"))
        if label is None:
            raise bad_input("'label' must be a non-empty string")
        doc["label"] = label
    deadline = parse_deadline(body.get("deadline"), "deadline", now)
    if deadline is not None:
        doc["deadline"] = deadline
    if len(doc) == 1:
        raise bad_input("give 'label' or 'deadline' to update")
    return doc


def parse_list_filter(statuses: Sequence[str], types: Sequence[str],
                      label: Optional[str]) -> Optional[str]:
    """Transfer's ``task_list`` filter: ``status:A,B/type:T/label:~*text*``."""
    clauses = []
    for name, values, allowed in (("status", statuses, tuple(sorted(TASK_STATUSES))),
                                  ("type", types, TASK_TYPES)):
        wanted = []
        for value in values:
            for part in value.split(","):
                part = part.strip().upper()
                if not part:
                    continue
                if part not in allowed:
                    raise bad_input(f"'{name}' must be one or more of {', '.join(allowed)}")
                if part not in wanted:
                    wanted.append(part)
        if wanted:
            clauses.append(f"{name}:{','.join(wanted)}")
    if label is not None:
        text = label.strip()
        if len(text) > MAX_LABEL:
            raise bad_input(f"'label' is longer than {MAX_LABEL} characters")
        if any(c in text for c in "/,") or any(ord(c) < 0x20 or ord(c) == 0x7F
                                                 for c in text):
            raise bad_input("'label' must not contain '/', ',' or control characters")
        if text:
            clauses.append(f"label:~*{text}*")
    return "/".join(clauses) or None


# ---------------------------------------------------------------------------- calls


def _task_doc(doc: Any, fields: Sequence[str]) -> Dict[str, Any]:
    out = pick(doc, fields)
    task_id = out.get("task_id")
    if isinstance(task_id, str):
        out["webAppUrl"] = WEB_APP_TASK_URL.format(task_id=quote(task_id))
    return out


def _page_list(doc: Any, key: str) -> List[Any]:
    """``doc[key]`` as a list (a missing key is an empty page); anything else raises
    ``TypeError`` so the handler answers a typed ``MALFORMED_RESPONSE``."""
    value = doc.get(key) if isinstance(doc, dict) else None
    if value is None:
        if not isinstance(doc, dict):
            raise TypeError("not a JSON object")
        return []
    if not isinstance(value, list):
        raise TypeError(f"{key} is not a list")
    return value


async def submission_id(api: GlobusApi) -> Dict[str, Any]:
    """A fresh submission id (``GET /submission_id``)."""
    doc = await api.transfer("get submission id", "GET", "/v0.10/submission_id")
    value = doc.get("value")
    if not isinstance(value, str) or not value:
        raise TypeError("no submission id")
    return {"submissionId": value}


async def submit_transfer(api: GlobusApi, document: Dict[str, Any],
                          submission: Optional[str]) -> Dict[str, Any]:
    """Submits ``document`` exactly once: with the given submission id or a fresh one,
    sent again with the same id once when the answer was lost (Transfer answers
    ``Duplicate`` with the task of the first attempt). A failure carries the submission
    id, so the browser can retry with it and still never start two tasks."""
    if submission is None:
        submission = (await submission_id(api))["submissionId"]
    body = dict(document, submission_id=submission)
    where = (f"{document['source_endpoint']} → {document['destination_endpoint']}")
    for attempt in (1, 2):
        try:
            doc = await api.transfer("submit transfer", "POST", "/v0.10/transfer", body=body,
                                     resource=f"transfer {where}")
            break
        except GlobusKitError as err:
            err.facts["submissionId"] = submission
            lost = err.code in RETRY_SUBMIT_CODES or (
                err.code == "API_ERROR" and err.status >= 500)
            if attempt == 2 or not lost:
                raise
    task_id = doc.get("task_id")
    if not isinstance(task_id, str):
        raise TypeError("no task id")
    return {
        "code": doc.get("code"),
        "message": doc.get("message"),
        "taskId": task_id,
        "submissionId": doc.get("submission_id") or submission,
        "webAppUrl": WEB_APP_TASK_URL.format(task_id=quote(task_id)),
    }


async def task_list(api: GlobusApi, limit: int, offset: int, filter_: Optional[str]
                    ) -> Dict[str, Any]:
    """One page of ``task_list``, newest first."""
    if offset + limit > TASK_LIST_WINDOW:
        raise bad_input(f"'offset' + 'limit' must not exceed {TASK_LIST_WINDOW} "
                        "(Transfer lists the newest 1000 tasks)")
    query: Dict[str, Any] = {"limit": limit, "offset": offset,
                             "orderby": "request_time DESC", "filter": filter_}
    doc = await api.transfer("task_list", "GET", "/v0.10/task_list", query=query)
    tasks = [_task_doc(t, TASK_LIST_FIELDS) for t in _page_list(doc, "DATA")]
    total = doc.get("total")
    return {
        "total": total if isinstance(total, int) else None,
        "offset": offset,
        "limit": limit,
        "tasks": tasks,
    }


async def task_get(api: GlobusApi, task_id: str) -> Dict[str, Any]:
    """The task detail."""
    doc = await api.transfer("get task", "GET", f"/v0.10/task/{quote(task_id)}",
                             resource=f"task {task_id}")
    if not isinstance(doc, dict):
        raise TypeError("not a task")
    return _task_doc(doc, TASK_FIELDS)


async def task_cancel(api: GlobusApi, task_id: str) -> Dict[str, Any]:
    """``POST /task/<id>/cancel``: ``Canceled`` (or ``TaskComplete`` when it had ended)."""
    doc = await api.transfer("cancel task", "POST", f"/v0.10/task/{quote(task_id)}/cancel",
                             body={}, resource=f"task {task_id}")
    return {"code": doc.get("code"), "message": doc.get("message"), "taskId": task_id}


async def task_update(api: GlobusApi, task_id: str, document: Dict[str, Any]
                      ) -> Dict[str, Any]:
    """``PUT /task/<id>`` with a label and/or deadline (only while the task runs)."""
    doc = await api.transfer("update task", "PUT", f"/v0.10/task/{quote(task_id)}",
                             body=document, resource=f"task {task_id}")
    return {"code": doc.get("code"), "message": doc.get("message"), "taskId": task_id}


async def task_events(api: GlobusApi, task_id: str, limit: int, offset: int,
                      errors: Optional[bool]) -> Dict[str, Any]:
    """One page of the task's events, newest first; ``errors`` keeps only faults (or only
    the others). Each event says whether it is a fault (``is_error``)."""
    query: Dict[str, Any] = {"limit": limit, "offset": offset}
    if errors is not None:
        query["filter"] = f"is_error:{1 if errors else 0}"
    doc = await api.transfer("event_list", "GET", f"/v0.10/task/{quote(task_id)}/event_list",
                             query=query, resource=f"task {task_id}")
    events = [pick(e, EVENT_FIELDS) for e in _page_list(doc, "DATA")]
    for event in events:
        event["is_error"] = event.get("is_error") is True
    total = doc.get("total")
    return {"taskId": task_id, "total": total if isinstance(total, int) else None,
            "offset": offset, "limit": limit, "events": events}


async def _marker_page(api: GlobusApi, task_id: str, what: str, path: str,
                       marker: Optional[int], fields: Sequence[str], key: str
                       ) -> Dict[str, Any]:
    query = {"marker": marker} if marker else None
    doc = await api.transfer(what, "GET", f"/v0.10/task/{quote(task_id)}/{path}",
                             query=query, resource=f"task {task_id}")
    nxt = doc.get("next_marker")
    return {
        "taskId": task_id,
        "marker": marker or 0,
        "nextMarker": nxt if isinstance(nxt, (int, str)) and not isinstance(nxt, bool)
        and nxt != "" else None,
        key: [pick(e, fields) for e in _page_list(doc, "DATA")],
    }


async def skipped_errors(api: GlobusApi, task_id: str, marker: Optional[int]
                         ) -> Dict[str, Any]:
    """One page of the source errors skipped under ``skip_source_errors``."""
    return await _marker_page(api, task_id, "skipped_errors", "skipped_errors", marker,
                              SKIPPED_ERROR_FIELDS, "errors")


async def successful_transfers(api: GlobusApi, task_id: str, marker: Optional[int]
                               ) -> Dict[str, Any]:
    """One page of the files the task copied (marker paging, as Transfer pages them)."""
    return await _marker_page(api, task_id, "successful_transfers", "successful_transfers",
                              marker, SUCCESSFUL_TRANSFER_FIELDS, "transfers")


async def pause_info(api: GlobusApi, task_id: str) -> Dict[str, Any]:
    """Why a task is paused: the pause rules and the collections' pause messages."""
    doc = await api.transfer("get pause info", "GET",
                             f"/v0.10/task/{quote(task_id)}/pause_info",
                             resource=f"task {task_id}")
    out: Dict[str, Any] = {"taskId": task_id}
    out.update(pick(doc, PAUSE_MESSAGE_FIELDS))
    out["pause_rules"] = [pick(r, PAUSE_RULE_FIELDS) for r in _page_list(doc, "pause_rules")]
    return out
