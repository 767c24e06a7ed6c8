"""Globus scope strings and consent URLs.

A scope string is space-separated scopes, each optionally followed by its dependent scopes
in brackets; a ``*`` marks an optional dependency:
``urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/<id>/data_access]``.

See https://docs.globus.org/api/auth/reference/#scopes and
https://docs.globus.org/api/auth/reference/#authorization_code_grant_preferred
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Sequence
from urllib.parse import urlencode

from .errors import bad_input

#: Production Globus Auth.
PRODUCTION_AUTH = "https://auth.globus.org"


@dataclass
class Scope:
    """One scope with its dependencies."""

    name: str
    optional: bool = False
    dependencies: List["Scope"] = field(default_factory=list)

    def format(self) -> str:
        """The scope back as a string (dependencies space-separated in brackets)."""
        head = ("*" if self.optional else "") + self.name
        if not self.dependencies:
            return head
        return f"{head}[{' '.join(d.format() for d in self.dependencies)}]"


def parse_scopes(text: str) -> List[Scope]:
    """Parse a scope string; ``BAD_SCOPE`` on unbalanced brackets or empty names."""
    pos = 0
    n = len(text)

    def parse_list(depth: int) -> List[Scope]:
        nonlocal pos
        out: List[Scope] = []
        while pos < n:
            c = text[pos]
            if c.isspace():
                pos += 1
                continue
            if c == "]":
                if depth == 0:
                    raise bad_input("unbalanced ']' in scope string", "BAD_SCOPE")
                pos += 1
                return out
            optional = c == "*"
            if optional:
                pos += 1
            start = pos
            while pos < n and not text[pos].isspace() and text[pos] not in "[]":
                pos += 1
            name = text[start:pos]
            if not name:
                raise bad_input("empty scope name in scope string", "BAD_SCOPE")
            scope = Scope(name, optional)
            if pos < n and text[pos] == "[":
                pos += 1
                scope.dependencies = parse_list(depth + 1)
            out.append(scope)
        if depth > 0:
            raise bad_input("missing ']' in scope string", "BAD_SCOPE")
        return out

    if len(text) > 2000 or any(ord(c) < 0x20 and not c.isspace() for c in text):
        raise bad_input("scope string too long or has control characters", "BAD_SCOPE")
    return parse_list(0)


def resource_server_of(scope_name: str) -> Optional[str]:
    """The resource server a scope belongs to, when its form says so."""
    prefix = "urn:globus:auth:scope:"
    if scope_name.startswith(prefix):
        return scope_name[len(prefix):].split(":", 1)[0]
    if scope_name.startswith("https://auth.globus.org/scopes/"):
        return scope_name.split("/")[4]
    if scope_name in ("openid", "profile", "email", "offline_access"):
        return "auth.globus.org"
    return None


def consent_url(
    scopes: Sequence[str],
    *,
    auth_base: Optional[str],
    client_id: Optional[str],
    parameters: Optional[Mapping[str, str]] = None,
) -> str:
    """A Globus authorize URL asking for ``scopes`` (same parameters, same order as
    kernel-helpers' ``buildConsentUrl``: client_id, redirect_uri, scope, response_type).

    :param auth_base: the Auth origin (``GLOBUS_SDK_SERVICE_URL_AUTH``) or None for production.
    :param client_id: the OAuth client that asks (the hub's, from ``GLOBUS_DATA``).
    :param parameters: extra GARE parameters (``session_message``, ``prompt``).
    """
    base = (auth_base or PRODUCTION_AUTH).rstrip("/")
    query = []
    if client_id:
        query.append(("client_id", client_id))
    query.append(("redirect_uri", f"{base}/v2/web/auth-code"))
    query.append(("scope", " ".join(scopes)))
    query.append(("response_type", "code"))
    for key, value in (parameters or {}).items():
        query.append((key, value))
    # `*` stays literal, as URLSearchParams leaves it, so both sides build the same URL.
    return f"{base}/v2/oauth2/authorize?{urlencode(query, safe='*')}"
