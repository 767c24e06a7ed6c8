"""S3 workspaces of a research platform (issue #9, the seed 004 workflow) for the
``/globus-kit/workspaces*`` routes: the platform's workspace API (list, get, STS) with the
OIDC provider's token, and one folder of a workspace listed with S3 ListObjectsV2.

The workspace API is TerrAPI-shaped (``/v2/storage/workspaces``, ``…/{name}``,
``…/{name}/sts``). The temporary S3 credentials stay in this process (cached until shortly
before they expire) and never reach the browser. S3 goes through boto3 (the optional
``[s3]`` extra), whose calls block, so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

from .errors import GlobusKitError
from .globus_api import _env_timeout
from .oidc import Bearer, OidcManager
from .oidc_http import checked_url, fetch_json

#: Renew STS credentials that expire within this many seconds.
STS_WINDOW = 60.0
#: Most workspaces described in one ``GET workspaces`` answer.
MAX_WORKSPACES = 200


def _first(props: Any, key: str) -> Optional[str]:
    value = props.get(key) if isinstance(props, dict) else None
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def workspace_of(doc: Any) -> Dict[str, Any]:
    """The fields the sidebar and ``ls`` need from a workspace document: name, storage
    type, bucket, key prefix, S3 endpoint, region, scopes (no credentials in it)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise GlobusKitError("MALFORMED_RESPONSE",
                             "The workspace API answered a workspace without a name.", 502)
    props = doc.get("properties") if isinstance(doc.get("properties"), dict) else {}
    storage_type = doc.get("storage_type") or _first(props, "storage_type")
    scopes = doc.get("scopes") if isinstance(doc.get("scopes"), list) else []
    return {
        "name": doc["name"],
        "storage_type": storage_type if isinstance(storage_type, str) else None,
        "bucket": _first(props, "bucket"),
        "prefix": _first(props, "key") or "",
        "endpoint": _first(props, "service_url") or (
            doc.get("end_point") if isinstance(doc.get("end_point"), str) else None),
        "region": _first(props, "region") or "us-east-1",
        "scopes": [s for s in scopes if isinstance(s, str)],
    }


def _parse_expiration(value: Any) -> Optional[float]:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


class WorkspaceService:
    """Workspace API and S3 calls for the routes; one per server process."""

    def __init__(self, oidc: OidcManager) -> None:
        self.oidc = oidc
        self._sts: Dict[Tuple[str, int, str], Dict[str, Any]] = {}
        self._clients: Dict[Tuple[str, str, str], Any] = {}
        self._clients_lock = threading.Lock()

    # ------------------------------------------------------------------ workspace API

    def _base(self) -> str:
        config = self.oidc.require_config()
        if not config.platform_url:
            raise GlobusKitError(
                "PLATFORM_NOT_CONFIGURED",
                "No workspace API is configured for this server. Set GLOBUS_KIT_PLATFORM_URL "
                "for the Jupyter server.", 404)
        return checked_url(config.platform_url, "workspace API URL",
                           "PLATFORM_NOT_CONFIGURED").rstrip("/")

    async def _call(self, operation: str, path: str, workspace: Optional[str] = None) -> Any:
        base = self._base()
        bearer: Bearer = await self.oidc.bearer()
        for attempt in (1, 2):
            res = await fetch_json(base + path, service="workspace API", operation=operation,
                                   headers={"Authorization": f"Bearer {bearer.access_token}"})
            if res.status == 401 and attempt == 1:
                # Revoked or expired early: renew once (stored login or client credentials).
                bearer = await self.oidc.bearer(stale=bearer.access_token)
                continue
            break
        what = f" for workspace '{workspace}'" if workspace else ""
        if res.status in (401, 403):
            raise GlobusKitError(
                "PLATFORM_ACCESS_DENIED",
                f"The workspace API refused {operation}{what} ({res.status}): the login lacks "
                "the platform scope or was revoked. Log in again.", res.status)
        if res.status == 404 and workspace:
            raise GlobusKitError(
                "WORKSPACE_NOT_FOUND",
                f"There is no workspace '{workspace}' for this login.", 404,
                workspace=workspace)
        if res.status >= 300:
            raise GlobusKitError(
                "PLATFORM_REQUEST_FAILED",
                f"The workspace API answered {res.status} to {operation}{what}.",
                502 if res.status >= 500 else 400, platformStatus=res.status)
        if res.doc is None:
            raise GlobusKitError("MALFORMED_RESPONSE",
                                 f"The workspace API answered {operation} with invalid JSON.",
                                 502)
        return res.doc

    async def list(self) -> Dict[str, Any]:
        """``GET workspaces``: the caller's workspaces, each described (fetched together).

        The list route only names them (seed 004: ``type``, ``name``, ``self``), so each is
        fetched for its bucket and prefix.
        """
        doc = await self._call("list workspaces", "/v2/storage/workspaces")
        if isinstance(doc, dict) and isinstance(doc.get("workspaces"), list):
            doc = doc["workspaces"]
        if not isinstance(doc, list):
            raise GlobusKitError("MALFORMED_RESPONSE",
                                 "The workspace API answered a list that is not a list.", 502)
        names = [d["name"] for d in doc[:MAX_WORKSPACES]
                 if isinstance(d, dict) and isinstance(d.get("name"), str)]
        described = await asyncio.gather(*(self.get(n) for n in names), return_exceptions=True)
        out: List[Dict[str, Any]] = []
        for name, item in zip(names, described):
            if isinstance(item, BaseException):
                if not isinstance(item, GlobusKitError):
                    raise item
                out.append({"name": name, "storage_type": None, "bucket": None, "prefix": "",
                            "endpoint": None, "region": None, "scopes": [],
                            "problem": {"code": item.code, "message": item.message}})
            else:
                out.append(item)
        return {"workspaces": out}

    async def get(self, name: str) -> Dict[str, Any]:
        """One workspace's description (no credentials)."""
        doc = await self._call("get workspace",
                               f"/v2/storage/workspaces/{urllib.parse.quote(name, safe='')}",
                               name)
        return workspace_of(doc)

    async def credentials(self, name: str, renew: bool = False
                          ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """The workspace and its temporary S3 credentials (cached per login until a minute
        before they expire)."""
        bearer = await self.oidc.bearer()
        key = (bearer.owner, self.oidc.generation, name)
        cached = self._sts.get(key)
        if cached and not renew and (cached["expires_at"] is None
                                     or cached["expires_at"] - time.time() > STS_WINDOW):
            return cached["workspace"], cached["credentials"]
        doc = await self._call("get STS credentials",
                               f"/v2/storage/workspaces/{urllib.parse.quote(name, safe='')}/sts",
                               name)
        creds = doc.get("credentials") if isinstance(doc, dict) else None
        if not isinstance(creds, dict) or not all(
                isinstance(creds.get(k), str) for k in ("access_key", "secret_key")):
            raise GlobusKitError("MALFORMED_RESPONSE",
                                 f"The workspace API answered STS for '{name}' without keys.",
                                 502)
        workspace = workspace_of(doc.get("storage") or {"name": name})
        if workspace["storage_type"] not in (None, "s3"):
            raise GlobusKitError("WORKSPACE_UNSUPPORTED",
                                 f"Workspace '{name}' is on {workspace['storage_type']} "
                                 "storage; only S3 is supported.", 400, workspace=name)
        if not workspace["bucket"] or not workspace["endpoint"]:
            raise GlobusKitError("MALFORMED_RESPONSE",
                                 f"The workspace API described '{name}' without a bucket or "
                                 "endpoint.", 502)
        checked_url(workspace["endpoint"], "workspace's S3 endpoint", "WORKSPACE_UNSUPPORTED")
        entry = {"workspace": workspace, "credentials": creds,
                 "expires_at": _parse_expiration(creds.get("expiration"))}
        self._sts = {k: v for k, v in self._sts.items()
                     if k[1] == self.oidc.generation and (
                         v["expires_at"] is None or v["expires_at"] > time.time())}
        self._sts[key] = entry
        return workspace, creds

    # ------------------------------------------------------------------ S3

    async def ls(self, name: str, prefix: str, marker: Optional[str], limit: int
                 ) -> Dict[str, Any]:
        """One page of a folder of a workspace: S3 ListObjectsV2 with Delimiter ``/``.

        :param prefix: the folder relative to the workspace's key prefix (``""`` or ending
            with ``/``; validated by the handler).
        :param marker: the continuation token of the previous page.
        See https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
        """
        workspace, creds = await self.credentials(name)
        full = workspace["prefix"] + prefix
        loop = asyncio.get_running_loop()
        try:
            page = await loop.run_in_executor(
                None, self._list_page, workspace, creds, full, marker, limit)
        except GlobusKitError as err:
            if err.code != "CREDENTIALS_EXPIRED":
                raise
            workspace, creds = await self.credentials(name, renew=True)
            page = await loop.run_in_executor(
                None, self._list_page, workspace, creds, full, marker, limit)
        entries: List[Dict[str, Any]] = []
        for p in page.get("CommonPrefixes") or []:
            sub = str(p.get("Prefix", ""))[len(full):].rstrip("/")
            if sub:
                entries.append({"name": sub, "type": "dir", "size": 0, "last_modified": None})
        for obj in page.get("Contents") or []:
            key = str(obj.get("Key", ""))
            if key == full or not key.startswith(full):
                continue  # the folder's own marker object
            modified = obj.get("LastModified")
            entries.append({
                "name": key[len(full):], "type": "file", "size": int(obj.get("Size") or 0),
                "last_modified": modified.isoformat() if hasattr(modified, "isoformat")
                else None,
            })
        token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
        return {"workspace": name, "prefix": prefix, "entries": entries,
                "next_marker": token if isinstance(token, str) and token else None}

    def _client(self, workspace: Dict[str, Any], creds: Dict[str, Any]) -> Any:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise GlobusKitError(
                "S3_UNAVAILABLE",
                "Listing workspaces needs boto3 in the Jupyter server's environment: pip "
                "install 'jupyterlab_globus_kit[s3]'.", 501) from None
        key = (workspace["endpoint"], workspace["region"], creds["access_key"])
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                if len(self._clients) >= 8:
                    self._clients.clear()
                limit = _env_timeout()
                client = boto3.session.Session().client(
                    "s3", endpoint_url=workspace["endpoint"], region_name=workspace["region"],
                    aws_access_key_id=creds["access_key"],
                    aws_secret_access_key=creds["secret_key"],
                    aws_session_token=creds.get("token") or None,
                    config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                  connect_timeout=5, read_timeout=limit,
                                  retries={"max_attempts": 1, "mode": "standard"}),
                )
                self._clients[key] = client
        return client

    def _list_page(self, workspace: Dict[str, Any], creds: Dict[str, Any], prefix: str,
                   marker: Optional[str], limit: int) -> Dict[str, Any]:
        """The blocking boto3 call (runs in a worker thread); errors mapped by code only:
        botocore's messages are not repeated, so nothing of a request can leak."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client(workspace, creds)
        args: Dict[str, Any] = {"Bucket": workspace["bucket"], "Prefix": prefix,
                                "Delimiter": "/", "MaxKeys": limit}
        if marker:
            args["ContinuationToken"] = marker
        name = workspace["name"]
        try:
            return client.list_objects_v2(**args)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            facts = {"serviceCode": code[:64] or None, "workspace": name}
            if code in ("ExpiredToken", "TokenRefreshRequired") or (
                    status == 403 and "Expired" in code):
                raise GlobusKitError("CREDENTIALS_EXPIRED",
                                     f"The S3 credentials of '{name}' have expired.", 401,
                                     **facts) from None
            if status == 403 or code in ("AccessDenied", "InvalidAccessKeyId",
                                         "SignatureDoesNotMatch"):
                raise GlobusKitError("S3_ACCESS_DENIED",
                                     f"S3 refused listing workspace '{name}' ({code}).", 403,
                                     **facts) from None
            if status == 404:
                raise GlobusKitError("S3_NOT_FOUND",
                                     f"S3 has no bucket for workspace '{name}' ({code}).", 404,
                                     **facts) from None
            if status == 400 and marker:
                raise GlobusKitError("BAD_INPUT", "'marker' is not a valid continuation "
                                     "token for this listing.", 400) from None
            raise GlobusKitError("S3_REQUEST_FAILED",
                                 f"S3 answered {status or 'an error'} listing workspace "
                                 f"'{name}' ({code}).", 502, **facts) from None
        except BotoCoreError as err:
            timed_out = "Timeout" in type(err).__name__
            raise GlobusKitError(
                "TIMEOUT" if timed_out else "NETWORK_ERROR",
                f"S3 listing of workspace '{name}' failed: "
                f"{'no answer in time' if timed_out else 'the S3 endpoint is unreachable'} "
                f"({type(err).__name__}). Try again later.", 504 if timed_out else 502,
            ) from None
