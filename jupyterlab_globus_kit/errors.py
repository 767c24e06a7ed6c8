"""Typed errors of the ``/globus-kit/*`` routes, with the same stable codes as kernel-helpers.

Every failure a route can report is a :class:`GlobusKitError`: a stable ``code`` the
frontend switches on, an HTTP ``status`` for our own answer, a message that names the
operation and the remedy (never a token), and optional facts (the Globus ``code``,
``request_id``, the consent URL). :func:`from_globus_response` maps a Globus error answer to
one; :func:`to_document` is what the handlers send.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

#: What to do when a token is rejected, per credential source (kernel-helpers' wording).
RENEW_ON_HUB = (
    "On JupyterHub: restart your server from the hub control panel (File > Hub Control "
    "Panel), or log out of the hub and log in again."
)


class GlobusKitError(Exception):
    """A route failed; ``code`` is stable, ``status`` is the HTTP status we answer with."""

    def __init__(self, code: str, message: str, status: int = 400, **facts: Any) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.facts = {k: v for k, v in facts.items() if v is not None}

    @property
    def message(self) -> str:
        return str(self)


def bad_input(message: str, code: str = "BAD_INPUT") -> GlobusKitError:
    """A parameter of the request is wrong; the message names it and what is expected."""
    return GlobusKitError(code, message, 400)


def to_document(err: GlobusKitError) -> Dict[str, Any]:
    """The JSON error body: ``{code, message, ...facts}``."""
    doc: Dict[str, Any] = {"code": err.code, "message": err.message}
    doc.update(err.facts)
    return doc


def strict_json(doc: Any) -> str:
    """``doc`` as standard JSON. ``NaN`` and ``Infinity`` raise ``ValueError`` instead of
    being written as tokens no JSON parser (the browser's ``JSON.parse``) accepts."""
    return json.dumps(doc, allow_nan=False)


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def _list(value: Any) -> List[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    return []


def error_fields(body: Any) -> Dict[str, Optional[str]]:
    """Code, message and request id from Transfer, Auth, GCS or Groups error documents."""
    if not isinstance(body, dict):
        return {"code": None, "message": None, "request_id": None}
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return {
        "code": _str(body.get("code")) or _str(first.get("code")) or _str(body.get("error")),
        "message": _str(body.get("message")) or _str(first.get("detail"))
        or _str(first.get("title")) or _str(body.get("error_description"))
        or _str(body.get("detail")),
        "request_id": _str(body.get("request_id")) or _str(first.get("id")),
    }


def _error_documents(body: Any) -> List[Dict[str, Any]]:
    """An error body and the objects of its ``errors`` list (where Transfer nests a GARE);
    none when the body is not an object."""
    if not isinstance(body, dict):
        return []
    return [body] + [e for e in body.get("errors") or [] if isinstance(e, dict)]


def required_scopes_of(body: Any) -> Optional[List[str]]:
    """The scopes a Globus Auth Requirements Error (or a legacy ``ConsentRequired``) asks
    for, or None when the body is not one.

    See https://docs.globus.org/guides/overviews/gares/
    """
    for doc in _error_documents(body):
        params = doc.get("authorization_parameters")
        if isinstance(params, dict):
            return _list(params.get("required_scopes")) or _list(doc.get("required_scopes"))
        if doc.get("code") == "ConsentRequired":
            scopes = _list(doc.get("required_scopes")) or _list(doc.get("required_scope"))
            if scopes:
                return scopes
        if doc.get("error") == "dependent_consent_required" or doc.get("code") == (
            "DEPENDENT_CONSENT_REQUIRED"
        ):
            scopes = _list(doc.get("unapproved_scopes"))
            if scopes:
                return scopes
    return None


#: The step-up parameters a login can satisfy (a GARE's ``authorization_parameters``
#: besides ``required_scopes``), as the login route's ``authorizationParameters`` takes them.
_SESSION_LISTS = ("session_required_identities", "session_required_policies",
                  "session_required_single_domain")


def session_parameters_of(body: Any) -> Optional[Dict[str, Any]]:
    """The session requirements of a Globus Auth Requirements Error that asks for a fresh
    or stronger login (a high-assurance collection, an authentication policy) rather than
    more scopes: ``session_required_*`` lists (a legacy comma string is split),
    ``session_required_mfa`` and ``session_message``, in the shape ``POST login``'s
    ``authorizationParameters`` accepts; None when the body asks for none of them.

    See https://docs.globus.org/guides/overviews/gares/
    """
    for doc in _error_documents(body):
        params = doc.get("authorization_parameters")
        if not isinstance(params, dict):
            continue
        out: Dict[str, Any] = {}
        for key in _SESSION_LISTS:
            values = [v[:512] for v in _list(params.get(key))][:50]
            if values:
                out[key] = values
        if params.get("session_required_mfa") is True:
            out["session_required_mfa"] = True
        if not out:
            continue
        message = _str(params.get("session_message"))
        if message:
            out["session_message"] = message[:1000]
        return out
    return None


def from_globus_response(
    *,
    service: str,
    operation: str,
    status: int,
    text: str,
    resource: Optional[str],
    token_expired: bool,
    resource_server: str,
    consent_url: Any,
    secrets: Sequence[str] = (),
) -> GlobusKitError:
    """Map a Globus error answer to a typed error.

    :param service: ``Transfer``, ``Auth`` … (for the message).
    :param operation: the API's operation name (``ls``, ``mkdir`` …).
    :param status: the HTTP status Globus answered.
    :param text: the response body.
    :param resource: what the call was applied to, e.g. ``collection <id> path /x/``.
    :param token_expired: whether the token we sent is past its known expiry.
    :param resource_server: the token's resource server (named in the remedy).
    :param consent_url: a callable ``(scopes) -> url`` building the authorize URL.
    :param secrets: strings to scrub from the service's message (defence in depth: Globus
        never echoes a token, but a proxy error page might echo a header).
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    try:
        body = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
        body = None
    fields = error_fields(body)
    server_message = fields["message"]
    if server_message is None and body is None and text.strip():
        server_message = text.strip().splitlines()[0][:300]
    where = f" for {resource}" if resource else ""
    what = " ".join(x for x in (str(status), fields["code"] or "") if x)
    head = f"{service} {operation} failed ({what}){where}"
    facts = {"globusCode": fields["code"], "requestId": fields["request_id"],
             "globusStatus": status}

    if status == 401 and token_expired:
        return GlobusKitError(
            "TOKEN_EXPIRED",
            f"{head}: the token for {resource_server} has expired. {RENEW_ON_HUB}",
            401, resourceServer=resource_server, remedy=RENEW_ON_HUB, **facts,
        )
    scopes = required_scopes_of(body)
    session = session_parameters_of(body)
    if session is not None and not scopes:
        # A high-assurance collection or an authentication policy: no scope is missing,
        # the login is too old or of the wrong kind. Logging in again with these
        # parameters (POST login's authorizationParameters) fixes it.
        return GlobusKitError(
            "SESSION_REQUIRED",
            f"{head}: {server_message or 'a recent login is required'}. Log in again "
            "with Globus (the requirements are in authorizationParameters), then retry.",
            403, authorizationParameters=session, **facts,
        )
    if scopes is not None:
        url = consent_url(scopes)
        return GlobusKitError(
            "CONSENT_REQUIRED",
            f"{service} {operation} needs more consent{where}: missing scope "
            f"{' '.join(scopes)}. Grant it, then log in again (on a hub: log out and back in "
            "so the hub requests it).",
            403, requiredScopes=scopes, consentUrl=url, **facts,
        )
    if status == 401:
        return GlobusKitError(
            "UNAUTHORIZED",
            f"{head}: {server_message or 'the token was rejected'} (token for "
            f"{resource_server}). {RENEW_ON_HUB}",
            401, resourceServer=resource_server, remedy=RENEW_ON_HUB, **facts,
        )
    code, ours = {
        403: ("FORBIDDEN", 403),
        404: ("NOT_FOUND", 404),
        409: ("CONFLICT", 409),
        429: ("RATE_LIMITED", 429),
    }.get(status, ("API_ERROR", 502))
    if code == "API_ERROR" and 400 <= status < 500:
        ours = 400
    message = f"{head}: {server_message}" if server_message else head
    if code == "RATE_LIMITED":
        message += " Wait a moment and try again."
    return GlobusKitError(code, message, ours, **facts)
