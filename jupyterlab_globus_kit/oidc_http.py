"""The one HTTP call of the OIDC and workspace routes: tornado's ``AsyncHTTPClient`` with a
connect and a total time limit, transport failures as typed errors, JSON answers parsed.

Async for the same reason as :mod:`.globus_api`: jupyter_server serves every handler and
kernel websocket on one IOLoop, so a blocking client would stall all of them while the
provider answers. Nothing here logs a request or its headers.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .errors import GlobusKitError
from .globus_api import _env_timeout

#: Seconds to connect to a provider.
CONNECT_TIMEOUT = 5.0


@dataclass
class JsonResponse:
    """A provider's answer: the status, the parsed JSON (None when the body is not JSON)
    and the response headers."""

    status: int
    doc: Any
    headers: Mapping[str, str]


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (plain http is allowed only
    there: a local emulator)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_url(value: Any, what: str, code: str = "OIDC_INSECURE_ISSUER") -> str:
    """``value`` when it is an https URL, or plain http on a loopback host; else a typed
    500 (a server configuration or provider problem, never the browser's input)."""
    if not isinstance(value, str) or not value:
        raise GlobusKitError(code, f"The {what} is missing.", 502)
    parts = urllib.parse.urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return value
    raise GlobusKitError(
        code,
        f"The {what} is not an https URL; plain http is allowed only on a loopback address "
        "(a local emulator).",
        500,
    )


async def fetch_json(
    url: str,
    *,
    service: str,
    operation: str,
    method: str = "GET",
    headers: Optional[Mapping[str, str]] = None,
    body: Optional[str] = None,
    timeout: Optional[float] = None,
) -> JsonResponse:
    """Send one request and parse the answer as JSON.

    :param service: the provider's name in messages (``OIDC provider``, ``workspace API``).
    :param operation: what the call does (``discovery``, ``token``, ``list workspaces``).
    :raises GlobusKitError: ``TIMEOUT`` (504) or ``NETWORK_ERROR`` (502); HTTP error
        statuses are returned, not raised, for the caller to map.
    """
    limit = timeout if timeout is not None else _env_timeout()
    request = HTTPRequest(
        url, method=method,
        headers={"Accept": "application/json", "User-Agent": "jupyterlab-globus-kit",
                 **(headers or {})},
        body=body, connect_timeout=CONNECT_TIMEOUT, request_timeout=limit,
        follow_redirects=False,
    )
    try:
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
    except (HTTPClientError, OSError) as err:
        raise _transport_error(service, operation, limit, err) from None
    if response.code == 599:
        raise _transport_error(service, operation, limit, response.error)
    text = response.body.decode("utf-8", "replace") if response.body else ""
    try:
        doc = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        doc = None
    return JsonResponse(response.code, doc, response.headers)


def _transport_error(service: str, operation: str, limit: float, err: Any) -> GlobusKitError:
    if "Timeout" in type(err).__name__ or "Timeout" in str(err):
        return GlobusKitError(
            "TIMEOUT", f"{service} {operation} failed: no answer within {limit:g} s. "
            "Try again later.", 504)
    return GlobusKitError(
        "NETWORK_ERROR", f"{service} {operation} failed: the {service} is unreachable "
        f"({type(err).__name__}). Try again later.", 502)
