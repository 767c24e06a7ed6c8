"""Calls to Globus Transfer and Auth on behalf of the browser, with the server's tokens.

Uses tornado's ``AsyncHTTPClient``: jupyter_server runs one tornado IOLoop for every
handler, kernel websocket and file save, so a blocking client (``requests``) would freeze
the whole server for as long as Globus takes to answer. Every call has a connect and a
total timeout, so a hung service fails the route in bounded time.

Answers are trimmed to the fields the frontend shows: the browser never sees more than it
needs and never a token (tokens only go into the ``Authorization`` header here).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence
from urllib.parse import quote, urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .errors import GlobusKitError, bad_input, from_globus_response
from .globus_data import TokenInfo
from .scopes import consent_url, parse_scopes, resource_server_of
from .status import GlobusState, no_hub_tokens_message

TRANSFER_RS = "transfer.api.globus.org"
AUTH_RS = "auth.globus.org"
GROUPS_RS = "groups.api.globus.org"

#: Globus calls in flight at once. Tornado's shared client allows 10 and fails a call that
#: waits in its queue longer than the *connect* timeout (5 s), so a burst of slow calls
#: (50 browser requests against a 2.5 s ls) answered 504 after 5 s although each was well
#: within its total timeout. This server's own client allows far more than a lab issues.
MAX_CONCURRENT_CALLS = 100

PRODUCTION_URLS = {
    "auth": "https://auth.globus.org",
    "transfer": "https://transfer.api.globus.org",
    "groups": "https://groups.api.globus.org",
}

COLLECTION_FIELDS = (
    "id", "display_name", "entity_type", "owner_string", "description", "organization",
    "department", "https_server", "high_assurance", "host_endpoint_id",
    "host_endpoint_display_name", "non_functional", "default_directory",
    # whether the caller may manage its access rules (the file manager's Share action)
    "my_effective_roles", "acl_editable",
)
FILE_FIELDS = ("name", "type", "size", "last_modified", "permissions", "link_target")


def _env_timeout() -> float:
    try:
        value = float(os.environ.get("GLOBUS_KIT_REQUEST_TIMEOUT", "20"))
    except ValueError:
        value = 20.0
    return min(max(value, 0.1), 300.0)


def _pick(doc: Any, keys: Sequence[str]) -> Dict[str, Any]:
    if not isinstance(doc, dict):
        return {}
    return {k: doc.get(k) for k in keys if k in doc}


#: ``pick(doc, keys)``: the ``keys`` present in ``doc`` (``{}`` for a non-object), for the
#: modules that trim Transfer documents (:mod:`.tasks`).
pick = _pick


class GlobusApi:
    """Transfer and Auth operations for the routes; one instance per server process.

    :param state: the decoded ``GLOBUS_DATA`` (tokens, client id, service URLs).
    :param timeout: total seconds per Globus request; default ``GLOBUS_KIT_REQUEST_TIMEOUT``
        or 20.
    :param connect_timeout: seconds to connect.
    :param token_source: replaces where tokens come from (the standalone login plugs in
        here): a coroutine function that returns the token for a resource server or None,
        and must not block the event loop.
    :param on_unauthorized: called (in a worker thread: it may block on the token file lock
        and Globus Auth) with the resource server and the access token Globus refused with
        401; returns True when a renewed token is now available. The request is then sent
        once more with it — at most one renewal per request.
    """

    def __init__(
        self,
        state: GlobusState,
        *,
        timeout: Optional[float] = None,
        connect_timeout: float = 5.0,
        token_source: Optional[Callable[[str], Awaitable[Optional[TokenInfo]]]] = None,
        on_unauthorized: Optional[Callable[[str, str], bool]] = None,
    ) -> None:
        self.state = state
        self.timeout = timeout if timeout is not None else _env_timeout()
        self.connect_timeout = connect_timeout
        self._token_source = token_source
        self._on_unauthorized = on_unauthorized
        self._http: Optional[AsyncHTTPClient] = None

    def _client(self) -> AsyncHTTPClient:
        """This server's own HTTP client (see :data:`MAX_CONCURRENT_CALLS`), made on first
        use so that it belongs to the running IOLoop."""
        if self._http is None:
            self._http = AsyncHTTPClient(force_instance=True, max_clients=MAX_CONCURRENT_CALLS)
        return self._http

    # ------------------------------------------------------------------ plumbing

    async def token(self, resource_server: str) -> Optional[TokenInfo]:
        """The token for ``resource_server``, or None."""
        if self._token_source is not None:
            return await self._token_source(resource_server)
        data = self.state.data
        return data.tokens.get(resource_server) if data else None

    def base_url(self, service: str) -> str:
        """The service origin: ``GLOBUS_SDK_SERVICE_URL_<SERVICE>`` or production."""
        url = self.state.service_urls.get(service) or PRODUCTION_URLS[service]
        if not url.startswith(("https://", "http://")):
            raise GlobusKitError(
                "BAD_SERVICE_URL", f"the {service} service URL must be http(s)", 500
            )
        return url.rstrip("/")

    def consent_url(self, scopes: Sequence[str], parameters: Optional[Mapping[str, str]] = None
                    ) -> str:
        """The authorize URL that grants ``scopes`` to the hub's client."""
        client_id = self.state.data.client_id if self.state.data else None
        return consent_url(scopes, auth_base=self.state.service_urls.get("auth"),
                           client_id=client_id, parameters=parameters)

    async def _require_token(self, resource_server: str) -> TokenInfo:
        token = await self.token(resource_server)
        if token is None or not token.access_token:
            if self.state.data is None:
                raise GlobusKitError(
                    "NO_CREDENTIALS",
                    "This server holds no Globus tokens (GLOBUS_DATA is not set or could not "
                    "be read). See the Globus sidebar for what to do.",
                    401,
                )
            if not self.state.data.tokens and self.state.source != "stored-login":
                raise GlobusKitError(
                    "NO_CREDENTIALS", no_hub_tokens_message(self.state.login_available), 401,
                    resourceServer=resource_server)
            raise GlobusKitError(
                "NO_CREDENTIALS",
                f"No token for {resource_server} in GLOBUS_DATA; ask the hub admin to add its "
                "scope, then log out and back in.",
                401, resourceServer=resource_server,
            )
        if token.expires_at is not None and token.expires_at <= time.time():
            raise GlobusKitError(
                "TOKEN_EXPIRED",
                f"The token for {resource_server} expired at "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(token.expires_at))}. "
                "On JupyterHub: restart your server from the hub control panel (File > Hub "
                "Control Panel), or log out of the hub and log in again.",
                401, resourceServer=resource_server,
            )
        return token

    async def _call(
        self,
        service: str,
        operation: str,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Optional[Dict[str, Any]] = None,
        resource: Optional[str] = None,
        resource_server: str = TRANSFER_RS,
    ) -> Any:
        token = await self._require_token(resource_server)
        url = self.base_url(service) + path
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        headers = {
            "Authorization": f"{token.token_type or 'Bearer'} {token.access_token}",
            "Accept": "application/json",
            "User-Agent": "jupyterlab-globus-kit",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        label = {"transfer": "Transfer", "auth": "Auth", "groups": "Groups"}[service]
        attempts = 2 if method == "GET" else 1
        renewed = False
        attempt = 0
        while True:
            request = HTTPRequest(
                url, method=method, headers=headers,
                body=json.dumps(body) if body is not None else None,
                connect_timeout=self.connect_timeout, request_timeout=self.timeout,
                follow_redirects=False,
            )
            try:
                response = await self._client().fetch(request, raise_error=False)
            except HTTPClientError as err:
                # raise_error=False still raises for timeouts and other code-599 failures.
                raise self._network_error(label, operation, service, err) from None
            except OSError as err:
                raise GlobusKitError(
                    "NETWORK_ERROR",
                    f"{label} {operation} failed: {service} service unreachable "
                    f"({type(err).__name__}). Try again later.",
                    502,
                ) from None
            except Exception as err:  # noqa: BLE001 - see below
                # When the service closes the connection while tornado still finishes a
                # POST's body, its client raises a private _QuietException (or a bare
                # StreamClosedError): the network failed, so a typed 502, not a 500.
                raise GlobusKitError(
                    "NETWORK_ERROR",
                    f"{label} {operation} failed: the {service} service closed the "
                    f"connection ({type(err).__name__}). Try again later.",
                    502,
                ) from None
            if response.code == 599:
                raise self._network_error(label, operation, service, response.error)
            attempt += 1
            # Retry a GET once on 429/503, waiting what Retry-After says (at most 2 s).
            if attempt < attempts and response.code in (429, 503):
                try:
                    wait = float(response.headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                await asyncio.sleep(min(max(wait, 0.0), 2.0))
                continue
            # A 401 for a stored login: renew the token once and send the request again
            # (any method: Globus refused it before acting on it).
            if response.code == 401 and not renewed and self._on_unauthorized is not None:
                renewed = True
                stale = token.access_token
                fresh = await asyncio.get_running_loop().run_in_executor(
                    None, self._on_unauthorized, resource_server, stale)
                if fresh:
                    token = await self._require_token(resource_server)
                    headers["Authorization"] = (
                        f"{token.token_type or 'Bearer'} {token.access_token}")
                    continue
            break
        text = response.body.decode("utf-8", "replace") if response.body else ""
        if response.code >= 300:
            raise from_globus_response(
                service=label, operation=operation, status=response.code, text=text,
                resource=resource,
                token_expired=token.expires_at is not None and token.expires_at <= time.time(),
                resource_server=resource_server,
                consent_url=lambda scopes: self.consent_url(scopes, {"prompt": "login"}),
                secrets=[token.access_token] + ([token.refresh_token] if token.refresh_token
                                                else []),
            )
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply
            raise GlobusKitError(
                "MALFORMED_RESPONSE", f"{label} {operation} answered with invalid JSON", 502
            ) from None

    async def transfer(self, operation: str, method: str, path: str, *,
                       query: Optional[Mapping[str, Any]] = None,
                       body: Optional[Dict[str, Any]] = None,
                       resource: Optional[str] = None) -> Any:
        """A Transfer call (``path`` from ``/v0.10``) with this server's token, timeouts and
        error mapping, for the plain functions of other modules (:mod:`.tasks`)."""
        return await self._call("transfer", operation, method, path, query=query, body=body,
                                resource=resource)

    def _network_error(self, label: str, operation: str, service: str, err: Any
                       ) -> GlobusKitError:
        timed_out = "Timeout" in type(err).__name__ or "Timeout" in str(err)
        if timed_out:
            return GlobusKitError(
                "TIMEOUT",
                f"{label} {operation} failed: no answer within {self.timeout:g} s. "
                "Try again later.", 504,
            )
        return GlobusKitError(
            "NETWORK_ERROR",
            f"{label} {operation} failed: the {service} service is unreachable "
            f"({type(err).__name__}). Try again later.", 502,
        )

    # ------------------------------------------------------------------ collections

    async def search_collections(self, q: Optional[str], filter_scope: Optional[str],
                                 limit: int, offset: int) -> Dict[str, Any]:
        """Transfer ``endpoint_search``.

        See https://docs.globus.org/api/transfer/endpoint_search/
        """
        scope = filter_scope or ("all" if q else "my-endpoints")
        if scope == "all" and not q:
            raise bad_input("searching all collections needs search text", "BAD_SEARCH")
        doc = await self._call(
            "transfer", "endpoint_search", "GET", "/v0.10/endpoint_search",
            query={"filter_fulltext": q, "filter_scope": scope, "limit": limit,
                   "offset": offset},
        )
        return {
            "filterScope": scope,
            "offset": doc.get("offset", offset),
            "hasNextPage": bool(doc.get("has_next_page")),
            "collections": [_pick(c, COLLECTION_FIELDS) for c in doc.get("DATA") or []],
        }

    async def get_collection(self, collection_id: str) -> Dict[str, Any]:
        """Transfer ``GET /endpoint/{id}``.

        See https://docs.globus.org/api/transfer/gcp_management/#get_collection_by_id
        """
        doc = await self._call(
            "transfer", "get collection", "GET", f"/v0.10/endpoint/{quote(collection_id)}",
            resource=f"collection {collection_id}",
        )
        return _pick(doc, COLLECTION_FIELDS)

    async def ls(self, collection_id: str, path: str, limit: int, offset: int,
                 show_hidden: bool) -> Dict[str, Any]:
        """Transfer ``ls``.

        See https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
        """
        doc = await self._call(
            "transfer", "ls", "GET", f"/v0.10/operation/endpoint/{quote(collection_id)}/ls",
            # `fields`: only what the browser shows (about half of each entry's JSON).
            query={"path": path, "limit": limit, "offset": offset,
                   "show_hidden": "true" if show_hidden else "false",
                   "fields": ",".join(FILE_FIELDS)},
            resource=f"collection {collection_id} path {path}",
        )
        entries = [_pick(e, FILE_FIELDS) for e in doc.get("DATA") or []]
        return {
            "collection": collection_id,
            "path": doc.get("path") or path,
            "offset": offset,
            "total": doc.get("total") if isinstance(doc.get("total"), int) else None,
            "entries": entries,
        }

    async def mkdir(self, collection_id: str, path: str) -> Dict[str, Any]:
        """Transfer ``mkdir``.

        See https://docs.globus.org/api/transfer/file_operations/#make_directory
        """
        doc = await self._call(
            "transfer", "mkdir", "POST", f"/v0.10/operation/endpoint/{quote(collection_id)}/mkdir",
            body={"DATA_TYPE": "mkdir", "path": path},
            resource=f"collection {collection_id} path {path}",
        )
        return {"code": doc.get("code"), "message": doc.get("message"), "path": path}

    async def rename(self, collection_id: str, old_path: str, new_path: str) -> Dict[str, Any]:
        """Transfer ``rename``.

        See https://docs.globus.org/api/transfer/file_operations/#rename
        """
        doc = await self._call(
            "transfer", "rename", "POST",
            f"/v0.10/operation/endpoint/{quote(collection_id)}/rename",
            body={"DATA_TYPE": "rename", "old_path": old_path, "new_path": new_path},
            resource=f"collection {collection_id} path {old_path}",
        )
        return {"code": doc.get("code"), "message": doc.get("message"), "path": new_path}

    # ------------------------------------------------------------------ consents

    async def consents(self, required: Sequence[str]) -> Dict[str, Any]:
        """Each required scope: ``granted``, ``missing`` (with its consent URL) or
        ``unverified`` (top level granted, dependencies not checkable).

        Top-level scopes are checked against the tokens' scopes. Dependent scopes (such as a
        collection's ``data_access``) live only in Auth's consent forest, so they are checked
        there when the Auth token may read it (``view_consents``).

        See https://docs.globus.org/api/auth/reference/#get_consents
        """
        parsed = []
        for text in required:
            for scope in parse_scopes(text):
                parsed.append(scope)
        forest: Optional[List[Dict[str, Any]]] = None
        forest_error: Optional[str] = None
        if any(s.dependencies for s in parsed):
            forest, forest_error = await self._consent_forest()

        entries = []
        for scope in parsed:
            holder = await self._token_with_scope(scope.name)
            entry: Dict[str, Any] = {
                "scope": scope.format(),
                "name": scope.name,
                "resourceServer": holder.resource_server if holder else
                resource_server_of(scope.name),
                "status": "granted" if holder else "missing",
                "missingDependencies": [],
                "consentUrl": None,
            }
            if holder and scope.dependencies:
                if forest is None:
                    entry["status"] = "unverified"
                    entry["detail"] = forest_error
                else:
                    missing = _missing_dependencies(scope, forest)
                    if missing:
                        entry["status"] = "missing"
                        entry["missingDependencies"] = missing
            if entry["status"] == "missing":
                entry["consentUrl"] = self.consent_url([scope.format()])
            entries.append(entry)
        return {"consents": entries}

    async def _token_with_scope(self, name: str) -> Optional[TokenInfo]:
        data = self.state.data
        if not data:
            return None
        for rs in sorted(data.tokens):
            token = await self.token(rs)
            if token is not None and name in token.scopes:
                return token
        return None

    async def _consent_forest(self) -> "tuple[Optional[List[Dict[str, Any]]], Optional[str]]":
        token = await self.token(AUTH_RS)
        identity = (self.state.data.identity or {}) if self.state.data else {}
        sub = identity.get("sub")
        view = "urn:globus:auth:scope:auth.globus.org:view_consents"
        if token is None or view not in token.scopes or not sub:
            return None, ("dependent scopes cannot be checked: the Auth token lacks "
                          "view_consents")
        try:
            doc = await self._call("auth", "get consents", "GET",
                                   f"/v2/api/identities/{quote(sub)}/consents",
                                   resource_server=AUTH_RS)
        except GlobusKitError as err:
            return None, f"dependent scopes cannot be checked ({err.code})"
        consents = doc.get("consents") if isinstance(doc, dict) else None
        return ([c for c in consents if isinstance(c, dict)] if isinstance(consents, list)
                else []), None


def _missing_dependencies(scope: Any, forest: List[Dict[str, Any]]) -> List[str]:
    """Dependencies of ``scope`` with no consent node under a root consent for it."""
    roots = [c for c in forest if c.get("scope_name") == scope.name
                       and isinstance(c.get("dependency_path"), list)
                       and len(c["dependency_path"]) == 1 and c.get("status", "approved")
                       == "approved"]
    missing = []
    for dep in scope.dependencies:
        found = False
        for root in roots:
            root_id = root["dependency_path"][0]
            for c in forest:
                path = c.get("dependency_path")
                if (isinstance(path, list) and len(path) == 2 and path[0] == root_id
                        and c.get("scope_name") == dep.name
                        and c.get("status", "approved") == "approved"):
                    found = True
        # An optional (`*`) dependency is still needed to reach that collection: report it.
        if not found:
            missing.append(dep.format())
    return missing
