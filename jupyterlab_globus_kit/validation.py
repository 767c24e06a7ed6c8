"""Checks for the parameters of the ``/globus-kit/*`` routes.

Every id and path from the browser passes through here before it is put into a Globus URL
or body, so a crafted value cannot reach another route (``../``), smuggle a NUL byte, or
make the server call an arbitrary URL.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Dict, List, Optional

from .errors import GlobusKitError, bad_input

#: Longest path accepted (Transfer's own limit is around 4 KiB).
MAX_PATH_LENGTH = 4096
#: Longest fulltext search accepted.
MAX_QUERY_LENGTH = 200

#: Transfer's endpoint_search ``filter_scope`` values the browser may ask for.
FILTER_SCOPES = frozenset({
    "all", "my-endpoints", "my-gcp-endpoints", "recently-used", "in-use",
    "shared-by-me", "shared-with-me", "administered-by-me", "hide-no-permissions",
})

#: Transfer task statuses.
TASK_STATUSES = frozenset({"ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"})

_TASK_ID = re.compile(r"^[0-9a-fA-F-]{36}$")


def parse_uuid(value: Optional[str], name: str) -> str:
    """A UUID in canonical lower-case form, or ``BAD_INPUT`` naming the parameter."""
    if not value:
        raise bad_input(f"'{name}' is required (a UUID)")
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise bad_input(f"'{name}' must be a UUID") from None
    if len(value) != 36:  # uuid.UUID also accepts braces, urn: prefixes and no dashes
        raise bad_input(f"'{name}' must be a UUID in the 8-4-4-4-12 form")
    return str(parsed)


def parse_path(value: Optional[str], name: str = "path", default: Optional[str] = None) -> str:
    """An absolute collection path: starts with ``/`` (or is ``/~/…``), no NUL or control
    characters, no ``..`` segment. ``.`` segments and doubled slashes are collapsed.
    """
    if value is None or value == "":
        if default is None:
            raise bad_input(f"'{name}' is required (an absolute path)")
        value = default
    if len(value) > MAX_PATH_LENGTH:
        raise bad_input(f"'{name}' is longer than {MAX_PATH_LENGTH} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise bad_input(f"'{name}' contains a NUL or control character", "BAD_PATH")
    if not value.startswith("/"):
        raise bad_input(f"'{name}' must be absolute (start with /)", "BAD_PATH")
    segments = value.split("/")
    if ".." in segments:
        raise bad_input(f"'{name}' must not contain a '..' segment", "BAD_PATH")
    kept = [s for s in segments if s not in ("", ".")]
    trailing = value.endswith("/") or value.endswith("/.")
    out = "/" + "/".join(kept)
    if trailing and out != "/":
        out += "/"
    return out


def parse_name(value: Optional[str], name: str = "name") -> str:
    """A single file or folder name: no slash, NUL, control character, ``.`` or ``..``."""
    if not value or value in (".", ".."):
        raise bad_input(f"'{name}' must be a file or folder name")
    if "/" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise bad_input(f"'{name}' must not contain '/' or control characters", "BAD_PATH")
    if len(value) > 255:
        raise bad_input(f"'{name}' is longer than 255 characters")
    return value


def parse_int(value: Optional[str], name: str, default: int, lo: int, hi: int) -> int:
    """An integer in ``[lo, hi]``; ``default`` when absent."""
    if value is None or value == "":
        return default
    try:
        n = int(value, 10)
    except ValueError:
        raise bad_input(f"'{name}' must be an integer") from None
    if not lo <= n <= hi:
        raise bad_input(f"'{name}' must be between {lo} and {hi}")
    return n


def parse_filter_scope(value: Optional[str]) -> Optional[str]:
    """One of :data:`FILTER_SCOPES`, or None."""
    if not value:
        return None
    if value not in FILTER_SCOPES:
        raise bad_input(f"'filter_scope' must be one of {', '.join(sorted(FILTER_SCOPES))}")
    return value


def parse_query(value: Optional[str]) -> Optional[str]:
    """A fulltext search string (trimmed), or None."""
    if value is None:
        return None
    text = value.strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise bad_input(f"'q' is longer than {MAX_QUERY_LENGTH} characters")
    if any(ord(c) < 0x20 for c in text):
        raise bad_input("'q' contains control characters")
    return text or None


def parse_task_id(value: Optional[str]) -> str:
    """A Transfer task id (a UUID)."""
    if not value or not _TASK_ID.match(value):
        raise bad_input("'task_id' must be a UUID")
    return parse_uuid(value, "task_id")


_WORKSPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def parse_workspace_name(value: Optional[str]) -> str:
    """A workspace name as platforms spell them (letters, digits, ``.``, ``_``, ``-``;
    starting with a letter or digit), so it cannot carry a ``/`` or ``..`` into a URL."""
    if not value or not _WORKSPACE_NAME.match(value):
        raise bad_input("'workspace' must be a workspace name (letters, digits, '.', '_', "
                        "'-', starting with a letter or digit)")
    return value


def parse_key_prefix(value: Optional[str], name: str = "prefix") -> str:
    """A folder inside a workspace, relative to its key prefix: ``""`` (the top) or
    ``a/b/`` — never absolute, no NUL or control character, no ``..`` segment. ``.``
    segments and doubled slashes are collapsed; a trailing ``/`` is added."""
    if value is None or value == "":
        return ""
    if len(value) > 1024:  # S3's longest key
        raise bad_input(f"'{name}' is longer than 1024 characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise bad_input(f"'{name}' contains a NUL or control character", "BAD_PATH")
    if value.startswith("/"):
        raise bad_input(f"'{name}' must be relative to the workspace (no leading /)",
                        "BAD_PATH")
    segments = value.split("/")
    if ".." in segments:
        raise bad_input(f"'{name}' must not contain a '..' segment", "BAD_PATH")
    kept = [s for s in segments if s not in ("", ".")]
    return "/".join(kept) + "/" if kept else ""


def parse_marker(value: Optional[str]) -> Optional[str]:
    """An S3 continuation token from a previous page: printable ASCII, at most 2048."""
    if not value:
        return None
    if len(value) > 2048 or not all(0x21 <= ord(c) < 0x7F for c in value):
        raise bad_input("'marker' must be the next_marker of a previous page")
    return value


def parse_json_object(body: bytes) -> dict:
    """The request body as a JSON object, or ``BAD_INPUT``."""
    import json

    try:
        doc: Any = json.loads(body or b"{}")
    except ValueError:
        raise bad_input("the request body must be JSON") from None
    if not isinstance(doc, dict):
        raise bad_input("the request body must be a JSON object")
    return doc


__all__ = [
    "GlobusKitError", "parse_uuid", "parse_path", "parse_name", "parse_int",
    "parse_filter_scope", "parse_query", "parse_task_id", "parse_json_object",
    "parse_workspace_name", "parse_key_prefix", "parse_marker",
    "FILTER_SCOPES", "TASK_STATUSES",
]


def query_arg(query_arguments: Dict[str, List[bytes]], name: str) -> Optional[str]:
    """A query argument exactly as sent (the last one of that name). Tornado's
    ``get_argument`` strips whitespace and turns control characters into spaces; a path
    must reach validation unaltered, so a NUL byte is refused instead of silently becoming
    a space."""
    values = query_arguments.get(name)
    if not values:
        return None
    try:
        return values[-1].decode("utf-8")
    except UnicodeDecodeError:
        raise bad_input(f"'{name}' is not valid UTF-8") from None
