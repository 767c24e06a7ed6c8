"""Checks for the parameters of the ``/globus-kit/*`` routes.

Every id and path from the browser passes through here before it is put into a Globus URL
or body, so a crafted value cannot reach another route (``../``), smuggle a NUL byte, or
make the server call an arbitrary URL.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Dict, List, Mapping, Optional, Sequence

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


#: Largest request body read, bytes. The largest legitimate one (a login asking for 50
#: scopes of 2,000 characters) is about 100 KiB.
MAX_BODY_BYTES = 256 * 1024
#: Deepest nesting of a request body; the routes' bodies are at most 3 levels deep.
MAX_BODY_DEPTH = 16


def _too_deep(text: str, limit: int) -> bool:
    """Whether ``text`` nests arrays/objects deeper than ``limit`` (brackets inside JSON
    strings do not count). Scanned before parsing: Python's ``json`` recurses once per
    level and a deep body would raise ``RecursionError`` (or exhaust the C stack)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def parse_json_object(body: Optional[bytes]) -> Dict[str, Any]:
    """The request body as a JSON object (an empty body is ``{}``), or ``BAD_INPUT``: at
    most :data:`MAX_BODY_BYTES` of UTF-8, nested at most :data:`MAX_BODY_DEPTH` levels.
    Every handler that reads a body reads it here; its fields are then taken with the
    typed getters below (:func:`body_str`, :func:`body_str_list`, :func:`body_object`)."""
    if not body:
        return {}
    if len(body) > MAX_BODY_BYTES:
        raise bad_input(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_input("the request body must be JSON in UTF-8") from None
    if _too_deep(text, MAX_BODY_DEPTH):
        raise bad_input(f"the request body is nested deeper than {MAX_BODY_DEPTH} levels")
    try:
        doc: Any = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: belt and braces, see _too_deep
        raise bad_input("the request body must be JSON") from None
    if not isinstance(doc, dict):
        raise bad_input("the request body must be a JSON object")
    return doc


def _text(value: str, name: str, max_length: int) -> str:
    if len(value) > max_length:
        raise bad_input(f"'{name}' is longer than {max_length} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        raise bad_input(f"'{name}' is not valid Unicode") from None
    return value


def body_str(doc: Mapping[str, Any], name: str, *, required: bool = False,
             max_length: int = MAX_PATH_LENGTH, what: str = "a string") -> Optional[str]:
    """Field ``name`` of a body: a string of at most ``max_length`` characters, or None
    when absent (``null`` counts as absent). ``what`` names the expected value in the
    message (``"an absolute path"``)."""
    value = doc.get(name)
    if value is None:
        if required:
            raise bad_input(f"'{name}' is required ({what})")
        return None
    if not isinstance(value, str):
        raise bad_input(f"'{name}' must be {what}, not {_json_type(value)}")
    return _text(value, name, max_length)


def body_str_list(doc: Mapping[str, Any], name: str, *, max_items: int = 50,
                  max_length: int = 2000) -> Optional[List[str]]:
    """Field ``name`` of a body: a list of at most ``max_items`` non-empty strings, or None
    when absent."""
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > max_items or not all(
            isinstance(v, str) and v for v in value):
        raise bad_input(f"'{name}' must be a list of at most {max_items} non-empty strings")
    return [_text(v, name, max_length) for v in value]


def body_object(doc: Mapping[str, Any], name: str) -> Optional[Dict[str, Any]]:
    """Field ``name`` of a body: a JSON object, or None when absent."""
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_input(f"'{name}' must be an object, not {_json_type(value)}")
    return value


def body_choice(doc: Mapping[str, Any], name: str, choices: Sequence[str]) -> Optional[str]:
    """Field ``name`` of a body: one of ``choices``, or None when absent."""
    value = doc.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in choices:
        raise bad_input(f"'{name}' must be one of {', '.join(repr(c) for c in choices)}")
    return value


#: What a Globus login may add to its authorize URL: the step-up parameters of a Globus Auth
#: Requirements Error, the same list kernel-helpers' ``buildAuthorizeUrl`` copies. Anything
#: else (``redirect_uri``, ``client_id``, ``code_challenge``, ``state``…) is the server's.
#: See https://docs.globus.org/guides/overviews/gares/
AUTHORIZATION_PARAMETERS = (
    "session_message", "session_required_identities", "session_required_mfa",
    "session_required_policies", "session_required_single_domain", "prompt",
)


def body_authorization_parameters(doc: Mapping[str, Any], name: str = "authorizationParameters"
                                  ) -> Optional[Dict[str, Any]]:
    """Field ``name`` of a body: an object holding only :data:`AUTHORIZATION_PARAMETERS`
    (lists of strings, ``session_required_mfa`` a boolean, the others strings), or None."""
    params = body_object(doc, name)
    if params is None:
        return None
    unknown = sorted(k for k in params if k not in AUTHORIZATION_PARAMETERS)
    if unknown:
        shown = ", ".join(repr(k[:40]) for k in unknown[:3])
        raise bad_input(f"'{name}' may hold only {', '.join(AUTHORIZATION_PARAMETERS)} "
                        f"(not {shown}); ask for scopes with 'addScopes'")
    out: Dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key == "session_required_mfa":
            if not isinstance(value, bool):
                raise bad_input(f"'{name}.{key}' must be true or false")
            out[key] = value
        elif key.startswith("session_required_"):
            out[key] = body_str_list(params, key, max_length=512)
        else:
            out[key] = body_str(params, key, max_length=1000)
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string" if isinstance(value, str) else "null"


__all__ = [
    "GlobusKitError", "parse_uuid", "parse_path", "parse_name", "parse_int",
    "parse_filter_scope", "parse_query", "parse_task_id", "parse_json_object",
    "parse_workspace_name", "parse_key_prefix", "parse_marker",
    "body_str", "body_str_list", "body_object", "body_choice",
    "body_authorization_parameters", "AUTHORIZATION_PARAMETERS",
    "FILTER_SCOPES", "TASK_STATUSES", "MAX_BODY_BYTES", "MAX_BODY_DEPTH",
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
