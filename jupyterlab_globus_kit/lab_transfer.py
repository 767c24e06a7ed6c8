"""Copies between the Jupyter contents root and a Globus collection, over the collection's
GCS HTTPS server (issue #16, "Your JupyterLab files and Globus").

The bytes never go through the browser: the server reads local files in chunks and streams
them in a PUT, and streams a GET into a local file, so memory does not grow with file size.
A job runs in the background; the browser polls its progress and may cancel it.

No partial file ever lands at a final path:

* upload: each file is PUT to a temporary name beside its destination, then renamed with
  Transfer's ``rename``; a failed or cancelled PUT deletes the temporary name (best effort);
* download: the GET streams into a temporary local file in the destination folder, renamed
  on success and removed otherwise. An existing local file is never replaced unless the
  request says ``overwrite``.

Every local path resolves inside the contents root (``realpath``: symlinks included).

See https://docs.globus.org/globus-connect-server/v5.4/https-access-collections/
"""

from __future__ import annotations

import asyncio
import os
import secrets
import stat
import time
import uuid
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .errors import GlobusKitError, bad_input, from_globus_response
from .globus_api import GlobusApi
from .validation import parse_uuid

#: Bytes read from disk and sent per write (and the GET's buffer size).
CHUNK_BYTES = 1024 * 1024
#: Most files one upload may hold after folders are expanded.
MAX_FILES = 10_000
#: Jobs kept for their progress after they end (the oldest finished ones are forgotten).
MAX_FINISHED_JOBS = 50
#: Streams (PUT or GET) in flight at once across every job.
MAX_STREAMS = 8
#: Largest file a download accepts (tornado checks a declared length against it).
MAX_FILE_BYTES = 1 << 44  # 16 TiB
#: Seconds a cancelled job has to stop at its next chunk before its task is cancelled.
CANCEL_GRACE_SECONDS = 2.0
#: Prefix of the temporary names (hidden on both sides).
TEMP_PREFIX = ".globus-kit-partial-"


#: Entries asked per Transfer ``ls`` page when a folder on a collection is expanded.
LS_PAGE = 1000


def local_endpoint() -> Optional[str]:
    """The collection ``GLOBUS_LOCAL_ENDPOINT`` names (JupyterHub's Globus authenticator
    sets it: the collection that serves this server's files), or None when it is unset,
    empty or not a UUID."""
    value = os.environ.get("GLOBUS_LOCAL_ENDPOINT", "").strip()
    try:
        return parse_uuid(value, "GLOBUS_LOCAL_ENDPOINT") if value else None
    except GlobusKitError:
        return None


def _env_https_timeout() -> float:
    try:
        value = float(os.environ.get("GLOBUS_KIT_HTTPS_TIMEOUT", "3600"))
    except ValueError:
        value = 3600.0
    return min(max(value, 1.0), 86_400.0)


def temp_name(name: str) -> str:
    """A temporary name beside ``name``: hidden, unique, at most 255 bytes."""
    return f"{TEMP_PREFIX}{secrets.token_hex(6)}-{name}"[:200]


# ------------------------------------------------------------------ local paths


def resolve_local(root_dir: str, value: Any, name: str, allow_hidden: bool = True
                  ) -> Tuple[str, str]:
    """A path relative to the contents root (as JupyterLab names files: ``a/b.csv``,
    ``""`` for the root) → ``(api_path, real_os_path)``. Refuses absolute paths, ``..``
    segments, control characters, anything whose ``realpath`` (symlinks followed) leaves
    the root, and (unless ``allow_hidden``, the contents manager's setting) a hidden
    segment, which JupyterLab's own contents API would not serve either."""
    if not isinstance(value, str):
        raise bad_input(f"'{name}' must be a path relative to the Jupyter root")
    if len(value) > 4096:
        raise bad_input(f"'{name}' is longer than 4096 characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise bad_input(f"'{name}' contains a NUL or control character", "BAD_PATH")
    if value.startswith("/") or "\\" in value or (len(value) > 1 and value[1] == ":"):
        raise bad_input(f"'{name}' must be relative to the Jupyter root (no leading / or "
                        "drive letter)", "BAD_PATH")
    segments = value.split("/")
    if ".." in segments:
        raise bad_input(f"'{name}' must not contain a '..' segment", "BAD_PATH")
    kept = [s for s in segments if s not in ("", ".")]
    if not allow_hidden and any(s.startswith(".") for s in kept):
        raise GlobusKitError(
            "HIDDEN_PATH", f"'{name}' names a hidden file or folder, which this server does "
            "not serve (ContentsManager.allow_hidden is off)", 403)
    root = os.path.realpath(root_dir)
    real = os.path.realpath(os.path.join(root, *kept)) if kept else root
    if real != root and not real.startswith(root + os.sep):
        raise GlobusKitError(
            "OUTSIDE_ROOT",
            f"'{name}' resolves outside the Jupyter root (a symbolic link leads out); copy "
            "the file into your Jupyter folder first", 403)
    return "/".join(kept), real


class _Cancelled(Exception):
    """Raised inside tornado's body producer or streaming callback to stop a copy (tornado
    turns it into a 599 answer and closes the connection)."""


def _remote_join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


def _parent(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


# ------------------------------------------------------------------ jobs


class Job:
    """One upload or download: per-file and total progress, status, errors."""

    def __init__(self, kind: str, collection: str) -> None:
        self.id = str(uuid.uuid4())
        self.kind = kind
        self.collection = collection
        self.status = "running"  # running, succeeded, failed, cancelled
        self.files: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.started = time.time()
        self.ended: Optional[float] = None
        self.cancelled = False
        self.task: Optional["asyncio.Task[None]"] = None

    def add_file(self, local: str, remote: str, size: int) -> Dict[str, Any]:
        entry = {"local": local, "remote": remote, "size": size, "done": 0,
                 "status": "pending"}
        self.files.append(entry)
        return entry

    def fail(self, entry: Optional[Dict[str, Any]], path: str, err: GlobusKitError) -> None:
        if entry is not None:
            entry["status"] = "failed"
        self.errors.append({"path": path, "code": err.code, "message": err.message})

    def document(self) -> Dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "collection": self.collection,
            "status": self.status,
            "bytesDone": sum(f["done"] for f in self.files),
            "bytesTotal": sum(f["size"] for f in self.files if f["size"] >= 0),
            "filesDone": sum(1 for f in self.files if f["status"] == "done"),
            "filesTotal": len(self.files),
            "files": [dict(f) for f in self.files[:1000]],
            "errors": self.errors[:1000],
            "startedAt": self.started, "endedAt": self.ended,
        }


class LabTransfers:
    """The jobs of this server process, and the HTTPS calls they make."""

    def __init__(self, api: GlobusApi, *, timeout: Optional[float] = None) -> None:
        self.api = api
        self.timeout = timeout if timeout is not None else _env_https_timeout()
        self.jobs: "OrderedDict[str, Job]" = OrderedDict()
        self._http: Optional[AsyncHTTPClient] = None
        #: When this process began copying: older temporary files are a dead process's.
        self.started = time.time()

    def _client(self) -> AsyncHTTPClient:
        """A client of its own: tornado's default refuses bodies over 100 MB, even
        streamed, and a long copy must not hold a slot of the API calls' client."""
        if self._http is None:
            self._http = AsyncHTTPClient(force_instance=True, max_clients=MAX_STREAMS,
                                         max_body_size=MAX_FILE_BYTES)
        return self._http

    # ---------------------------------------------------------------- registry

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise GlobusKitError("NOT_FOUND", f"No copy job {job_id} on this server (jobs "
                                 "are forgotten when the server restarts)", 404)
        return job

    def _start(self, job: Job, work: Any) -> Dict[str, Any]:
        finished = [j for j in self.jobs.values() if j.status != "running"]
        for old in finished[: max(0, len(finished) - MAX_FINISHED_JOBS + 1)]:
            self.jobs.pop(old.id, None)
        self.jobs[job.id] = job

        async def run() -> None:
            try:
                await work
            except asyncio.CancelledError:
                job.cancelled = True
            except GlobusKitError as err:
                job.fail(None, "", err)
            except Exception as err:  # noqa: BLE001 - the job reports it, typed
                job.fail(None, "", GlobusKitError(
                    "COPY_FAILED", f"The copy stopped ({type(err).__name__}); see the server "
                    "log and try again.", 500))
            finally:
                job.ended = time.time()
                job.status = ("cancelled" if job.cancelled else
                              "failed" if job.errors else "succeeded")
                for f in job.files:
                    if f["status"] in ("pending", "running"):
                        f["status"] = "cancelled" if job.cancelled else "skipped"

        job.task = asyncio.ensure_future(run())
        return job.document()

    def cancel(self, job_id: str) -> Dict[str, Any]:
        job = self.get(job_id)
        if job.status == "running":
            job.cancelled = True
            task = job.task
            if task is not None:
                # The streams stop at their next chunk and clean up in order; a call that
                # is stuck waiting for the collection is cancelled after a grace period.
                asyncio.get_running_loop().call_later(
                    CANCEL_GRACE_SECONDS, lambda: None if task.done() else task.cancel())
        return job.document()

    # ---------------------------------------------------------------- HTTPS plumbing

    async def _server(self, collection: str) -> str:
        doc = await self.api.get_collection(collection)
        server = doc.get("https_server")
        if not isinstance(server, str) or not server.startswith(("https://", "http://")):
            raise GlobusKitError(
                "NO_HTTPS_SERVER",
                f"Collection {collection} has no HTTPS server; use a Globus Connect Server "
                "v5 collection with HTTPS enabled, or a Globus transfer.", 400)
        return server.rstrip("/")

    async def _headers(self, collection: str) -> Tuple[Dict[str, str], List[str]]:
        token = await self.api._require_token(collection)
        secrets_ = [token.access_token] + ([token.refresh_token] if token.refresh_token
                                           else [])
        return ({"Authorization": f"{token.token_type or 'Bearer'} {token.access_token}",
                 "User-Agent": "jupyterlab-globus-kit",
                 "X-Requested-With": "XMLHttpRequest"}, secrets_)

    def _error(self, operation: str, collection: str, path: str, code: int, text: str,
               secrets_: Sequence[str]) -> GlobusKitError:
        return from_globus_response(
            service="GCS HTTPS", operation=operation, status=code, text=text,
            resource=f"collection {collection} path {path}", token_expired=False,
            resource_server=collection,
            consent_url=lambda scopes: self.api.consent_url(scopes, {"prompt": "login"}),
            secrets=secrets_)

    def _network(self, operation: str, err: BaseException) -> GlobusKitError:
        if "Timeout" in type(err).__name__ or "Timeout" in str(err):
            return GlobusKitError("TIMEOUT", f"GCS HTTPS {operation} got no answer within "
                                  f"{self.timeout:g} s; try again later.", 504)
        return GlobusKitError("NETWORK_ERROR", f"GCS HTTPS {operation} failed: the "
                              f"collection's server is unreachable ({type(err).__name__}). "
                              "Try again later.", 502)

    async def _delete_remote(self, server: str, collection: str, path: str) -> None:
        """Best effort: remove a temporary remote file."""
        try:
            headers, _ = await self._headers(collection)
            await self._client().fetch(HTTPRequest(
                server + quote(path), method="DELETE", headers=headers, connect_timeout=5,
                request_timeout=20, follow_redirects=False), raise_error=False)
        except Exception:  # noqa: BLE001 - cleanup must not mask the real outcome
            pass

    # ---------------------------------------------------------------- upload

    def start_upload(self, root_dir: str, paths: Sequence[str], collection: str,
                     destination: str, overwrite: bool, allow_hidden: bool = True
                     ) -> Dict[str, Any]:
        """Validate every local path now (a bad one refuses the whole request), then copy
        in the background. Without ``allow_hidden``, hidden files inside folders are left
        out, as the file browser leaves them out."""
        sources = [resolve_local(root_dir, p, f"paths[{i}]", allow_hidden)
                   for i, p in enumerate(paths)]
        for i, (api_path, real) in enumerate(sources):
            if not api_path:
                raise bad_input(f"'paths[{i}]' is the Jupyter root; pick files or folders "
                                "inside it")
            if not os.path.exists(real):
                raise GlobusKitError("NOT_FOUND", f"'{api_path}' does not exist in the "
                                     "Jupyter root", 404)
        job, folders = self._expand_upload(root_dir, sources, collection, destination,
                                           allow_hidden)
        return self._start(job, self._upload(job, root_dir, folders, overwrite))

    def _expand_upload(self, root_dir: str, sources: Sequence[Tuple[str, str]],
                       collection: str, destination: str, allow_hidden: bool
                       ) -> Tuple[Job, List[str]]:
        """The files (folders walked) of an upload, and the remote folders to make."""
        job = Job("upload", collection)
        folders: List[str] = []
        for api_path, real in sources:
            base = _remote_join(destination, api_path.rsplit("/", 1)[-1])
            if os.path.isdir(real):
                self._walk(root_dir, real, api_path, base, job, folders, allow_hidden)
            else:
                job.add_file(api_path, base, os.path.getsize(real))
            if len(job.files) > MAX_FILES:
                raise bad_input(f"at most {MAX_FILES} files per upload; upload the folders "
                                "one at a time or use a Globus transfer")
        return job, folders

    def _walk(self, root_dir: str, real: str, api_path: str, remote: str, job: Job,
              folders: List[str], allow_hidden: bool) -> None:
        folders.append(remote + "/")
        root = os.path.realpath(root_dir)
        for dirpath, dirnames, filenames in os.walk(real, followlinks=False):
            rel = os.path.relpath(dirpath, real)
            rel_parts = [] if rel == "." else rel.split(os.sep)
            if not allow_hidden:
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                filenames = [f for f in filenames if not f.startswith(".")]
            for d in sorted(dirnames):
                if os.path.islink(os.path.join(dirpath, d)):
                    continue  # a linked folder is not followed (it may lead out of the root)
                folders.append(_remote_join(remote, "/".join(rel_parts + [d])) + "/")
            dirnames[:] = sorted(d for d in dirnames
                                 if not os.path.islink(os.path.join(dirpath, d)))
            for f in sorted(filenames):
                full = os.path.join(dirpath, f)
                target = os.path.realpath(full)
                if not target.startswith(root + os.sep) or not os.path.isfile(target):
                    job.fail(None, "/".join([api_path] + rel_parts + [f]), GlobusKitError(
                        "OUTSIDE_ROOT", "skipped: a link that leads outside the Jupyter "
                        "root, or not a regular file", 403))
                    continue
                job.add_file("/".join([api_path] + rel_parts + [f]),
                             _remote_join(remote, "/".join(rel_parts + [f])),
                             os.path.getsize(target))
                if len(job.files) > MAX_FILES:
                    return

    async def _upload(self, job: Job, root_dir: str, folders: List[str],
                      overwrite: bool) -> None:
        server = await self._server(job.collection)
        for folder in folders:
            try:
                await self.api.mkdir(job.collection, folder)
            except GlobusKitError as err:
                if "Exists" not in str(err.facts.get("globusCode", "")):
                    job.fail(None, folder, err)
        for entry in job.files:
            if job.cancelled:
                break
            try:
                await self._upload_one(job, entry, root_dir, server, overwrite)
            except GlobusKitError as err:
                job.fail(entry, entry["local"], err)

    async def _upload_one(self, job: Job, entry: Dict[str, Any], root_dir: str,
                          server: str, overwrite: bool) -> None:
        _, real = resolve_local(root_dir, entry["local"], "path")  # again: links may move
        remote = entry["remote"]
        temp = _parent(remote) + temp_name(remote.rsplit("/", 1)[-1])
        headers, secrets_ = await self._headers(job.collection)
        entry["status"] = "running"
        loop = asyncio.get_running_loop()
        with open(real, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            entry["size"] = size
            headers = dict(headers, **{"Content-Length": str(size),
                                       "Content-Type": "application/octet-stream"})

            async def produce(write: Any) -> None:
                sent = 0
                while sent < size:
                    if job.cancelled:
                        raise _Cancelled()
                    chunk = await loop.run_in_executor(
                        None, handle.read, min(CHUNK_BYTES, size - sent))
                    if not chunk:
                        raise GlobusKitError("LOCAL_CHANGED", f"'{entry['local']}' became "
                                             "shorter while it was read; try again.", 409)
                    await write(chunk)
                    sent += len(chunk)
                    entry["done"] = sent

            request = HTTPRequest(server + quote(temp), method="PUT", headers=headers,
                                  body_producer=produce, connect_timeout=5,
                                  request_timeout=self.timeout, follow_redirects=False)
            try:
                response = await self._client().fetch(request, raise_error=False)
            except (GlobusKitError, asyncio.CancelledError):
                await self._delete_remote(server, job.collection, temp)
                raise
            except (HTTPClientError, OSError, Exception) as err:  # noqa: BLE001
                await self._delete_remote(server, job.collection, temp)
                raise self._network("upload", err) from None
        if job.cancelled:
            await self._delete_remote(server, job.collection, temp)
            raise asyncio.CancelledError()
        if response.code == 599 or response.code >= 300:
            await self._delete_remote(server, job.collection, temp)
            if response.code == 599:
                raise self._network("upload", response.error or OSError())
            raise self._error("upload", job.collection, remote, response.code,
                              (response.body or b"").decode("utf-8", "replace"), secrets_)
        await self._rename_into_place(job.collection, server, temp, remote, overwrite)
        entry["status"] = "done"

    async def _rename_into_place(self, collection: str, server: str, temp: str,
                                 remote: str, overwrite: bool) -> None:
        try:
            await self.api.rename(collection, temp, remote)
            return
        except GlobusKitError as err:
            exists = "Exists" in str(err.facts.get("globusCode", ""))
            if not exists or not overwrite:
                await self._delete_remote(server, collection, temp)
                if exists:
                    raise GlobusKitError(
                        "EXISTS", f"{remote} already exists on the collection; upload again "
                        "with overwrite to replace it.", 409) from None
                raise
        # overwrite: remove the old file, then rename once more.
        await self._delete_remote(server, collection, remote)
        try:
            await self.api.rename(collection, temp, remote)
        except GlobusKitError:
            await self._delete_remote(server, collection, temp)
            raise

    # ---------------------------------------------------------------- route plan

    async def plan(self, kind: str, root_dir: str, paths: Sequence[str],
                   collection: Optional[str], local_dir: str, allow_hidden: bool = True
                   ) -> Dict[str, Any]:
        """What a copy would move, for the choice between HTTPS and a Globus transfer
        (issue #16): the number of files and bytes (folders expanded, as the copy would),
        which named local paths are folders (upload), which named items already exist in
        ``local_dir`` (download), and the collection ``GLOBUS_LOCAL_ENDPOINT`` names."""
        local = local_endpoint()
        doc: Dict[str, Any] = {"kind": kind, "localEndpoint": local,
                               "localEndpointName": None, "folders": [], "existing": []}
        if kind == "upload":
            sources = [resolve_local(root_dir, p, f"paths[{i}]", allow_hidden)
                       for i, p in enumerate(paths)]
            for i, (api_path, real) in enumerate(sources):
                if not api_path:
                    raise bad_input(f"'paths[{i}]' is the Jupyter root; pick files or "
                                    "folders inside it")
                if not os.path.exists(real):
                    raise GlobusKitError("NOT_FOUND", f"'{api_path}' does not exist in the "
                                         "Jupyter root", 404)
                if os.path.isdir(real):
                    doc["folders"].append(api_path)
            job, _ = self._expand_upload(root_dir, sources, "", "/", allow_hidden)
            sizes = [f["size"] for f in job.files]
        else:
            api_dir, real_dir = resolve_local(root_dir, local_dir, "localDir", allow_hidden)
            if not os.path.isdir(real_dir):
                raise GlobusKitError("NOT_FOUND", f"'{api_dir or '/'}' is not a folder in "
                                     "the Jupyter root", 404)
            assert collection is not None
            files, _ = await self._expand_remote(collection, paths, allow_hidden,
                                                 sizes=True)
            sizes = [size for _, _, size in files]
            for path in paths:
                name = path.rstrip("/").rsplit("/", 1)[-1]
                if os.path.lexists(os.path.join(real_dir, name)):
                    doc["existing"].append("/".join(p for p in (api_dir, name) if p))
        doc["files"] = len(sizes)
        doc["bytes"] = sum(s for s in sizes if s > 0)
        if local:
            try:
                name = (await self.api.get_collection(local)).get("display_name")
                doc["localEndpointName"] = name if isinstance(name, str) else None
            except GlobusKitError:
                pass  # the id is shown instead
        return doc

    async def _expand_remote(self, collection: str, paths: Sequence[str],
                             show_hidden: bool, sizes: bool = False
                             ) -> Tuple[List[Tuple[str, str, int]], List[str]]:
        """The files of a download: ``(remote path, path relative to the download folder,
        size or -1)`` for each file named and each file under each folder named (a path
        ending in ``/``, listed recursively with Transfer ``ls``, page by page), and the
        folders to make (relative). At most :data:`MAX_FILES` files. With ``sizes``, a
        named file's size is looked up too (one filtered ``ls`` of its folder)."""
        files: List[Tuple[str, str, int]] = []
        folders: List[str] = []
        for i, path in enumerate(paths):
            if not path.endswith("/"):
                size = await self._remote_size(collection, path) if sizes else -1
                files.append((path, path.rsplit("/", 1)[-1], size))
                continue
            top = path.rstrip("/").rsplit("/", 1)[-1]
            if not top or top == "~":
                raise bad_input(f"'paths[{i}]' is a collection root; pick folders inside it")
            folders.append(top)
            queue = [(path, top)]
            while queue:
                remote_dir, rel = queue.pop(0)
                offset = 0
                while True:
                    doc = await self.api.ls(collection, remote_dir, LS_PAGE, offset,
                                            show_hidden)
                    entries = doc.get("entries") or []
                    for entry in entries:
                        name = entry.get("name")
                        if not isinstance(name, str) or name in ("", ".", "..") or \
                                "/" in name or "\0" in name:
                            continue
                        child = f"{rel}/{name}"
                        if entry.get("type") == "dir":
                            folders.append(child)
                            queue.append((f"{remote_dir}{name}/", child))
                        elif entry.get("type") == "file":
                            size = entry.get("size")
                            files.append((f"{remote_dir}{name}", child,
                                          size if isinstance(size, int) else -1))
                            if len(files) > MAX_FILES:
                                raise bad_input(
                                    f"at most {MAX_FILES} files per download; download "
                                    "the folders one at a time or use a Globus transfer")
                    offset += len(entries)
                    total = doc.get("total")
                    if len(entries) < LS_PAGE or (isinstance(total, int) and offset >= total):
                        break
        return files, folders

    async def _remote_size(self, collection: str, path: str) -> int:
        """A remote file's size from a ``ls`` of its folder filtered by its name, or -1
        (unknown: a name the filter grammar cannot say exactly, or the look-up failed)."""
        parent, name = path.rsplit("/", 1)
        if not name or "," in name or name[0] in "~!":
            return -1
        try:
            doc = await self.api.transfer(
                "ls", "GET", f"/v0.10/operation/endpoint/{quote(collection, safe='')}/ls",
                query={"path": parent + "/", "filter": f"name:{name}",
                       "fields": "name,type,size"},
                resource=f"collection {collection} path {path}")
        except GlobusKitError:
            return -1
        for entry in doc.get("DATA") or []:
            if entry.get("name") == name and isinstance(entry.get("size"), int):
                return int(entry["size"])
        return -1

    # ---------------------------------------------------------------- download

    async def start_download(self, root_dir: str, collection: str, paths: Sequence[str],
                             local_dir: str, overwrite: bool, allow_hidden: bool = True
                             ) -> Dict[str, Any]:
        """Validate the destination folder, list the named folders (a path ending in
        ``/``) recursively, and refuse files that exist (unless ``overwrite``) now; then
        copy in the background, file by file, each to a temporary name renamed on
        success. A folder that exists is merged into; only its files are checked."""
        api_dir, real_dir = resolve_local(root_dir, local_dir, "localDir", allow_hidden)
        if not os.path.isdir(real_dir):
            raise GlobusKitError("NOT_FOUND", f"'{api_dir or '/'}' is not a folder in the "
                                 "Jupyter root", 404)
        self._sweep(real_dir)
        files, _ = await self._expand_remote(collection, paths, allow_hidden)
        job = Job("download", collection)
        existing: List[str] = []
        for remote, rel, size in files:
            local = "/".join(p for p in (api_dir, rel) if p)
            if os.path.lexists(os.path.join(real_dir, *rel.split("/"))) and not overwrite:
                existing.append(local)
            job.add_file(local, remote, size)
        if existing:
            raise GlobusKitError(
                "EXISTS", f"{', '.join(existing[:5])} already exist"
                f"{'s' if len(existing) == 1 else ''} in JupyterLab; confirm to overwrite "
                "(send overwrite: true) or pick another folder.", 409, existing=existing)
        return self._start(job, self._download(job, root_dir, overwrite))

    def _sweep(self, real_dir: str) -> None:
        """Remove the temporary files a server that stopped mid-download left in
        ``real_dir``: ours by name, regular files, last written before this process
        began copying (a live download writes its file every chunk)."""
        try:
            names = [n for n in os.listdir(real_dir) if n.startswith(TEMP_PREFIX)]
        except OSError:
            return
        for name in names:
            path = os.path.join(real_dir, name)
            try:
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode) and st.st_mtime < self.started:
                    os.unlink(path)
            except OSError:
                pass

    async def _download(self, job: Job, root_dir: str, overwrite: bool) -> None:
        server = await self._server(job.collection)
        for entry in job.files:
            if job.cancelled:
                break
            try:
                await self._download_one(job, entry, root_dir, server, overwrite)
            except GlobusKitError as err:
                job.fail(entry, entry["remote"], err)

    async def _download_one(self, job: Job, entry: Dict[str, Any], root_dir: str,
                            server: str, overwrite: bool) -> None:
        local_dir, name = (entry["local"].rsplit("/", 1) if "/" in entry["local"]
                           else ("", entry["local"]))
        # Again for every file (a folder's files make their folders here): a link made
        # since the start cannot lead out of the root.
        _, real_dir = resolve_local(root_dir, local_dir, "localDir")
        final = os.path.join(real_dir, name)
        temp = os.path.join(real_dir, temp_name(name))
        headers, secrets_ = await self._headers(job.collection)
        entry["status"] = "running"
        state: Dict[str, Any] = {"code": None, "error": b""}
        try:
            os.makedirs(real_dir, exist_ok=True)
            if os.path.isdir(final):
                raise GlobusKitError("EXISTS", f"'{entry['local']}' is a folder in "
                                     "JupyterLab; it was kept.", 409)
            handle = open(temp, "xb")
        except OSError as err:
            raise GlobusKitError("LOCAL_WRITE_FAILED", f"'{entry['local']}' could not be "
                                 f"written in JupyterLab ({err.strerror or type(err).__name__})"
                                 "; check the folder and try again.", 500) from None

        def on_header(line: str) -> None:
            if line.startswith("HTTP/"):
                parts = line.split(" ", 2)
                state["code"] = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() \
                    else None
            elif line.lower().startswith("content-length:"):
                value = line.split(":", 1)[1].strip()
                if value.isdigit() and state["code"] == 200:
                    entry["size"] = int(value)

        def on_chunk(chunk: bytes) -> None:
            if job.cancelled:
                raise _Cancelled()
            if state["code"] != 200:
                state["error"] = (state["error"] + chunk)[:64 * 1024]
                return
            handle.write(chunk)
            entry["done"] += len(chunk)

        request = HTTPRequest(server + quote(entry["remote"]), method="GET", headers=headers,
                              header_callback=on_header, streaming_callback=on_chunk,
                              connect_timeout=5, request_timeout=self.timeout,
                              follow_redirects=False)
        ok = False
        try:
            try:
                response = await self._client().fetch(request, raise_error=False)
            except asyncio.CancelledError:
                raise
            except (HTTPClientError, OSError, Exception) as err:  # noqa: BLE001
                if job.cancelled:
                    raise asyncio.CancelledError() from None
                raise self._network("download", err) from None
            if job.cancelled:
                raise asyncio.CancelledError()
            if response.code == 599:
                raise self._network("download", response.error or OSError())
            if response.code != 200:
                raise self._error("download", job.collection, entry["remote"], response.code,
                                  state["error"].decode("utf-8", "replace"), secrets_)
            handle.close()
            if not overwrite and os.path.lexists(final):
                raise GlobusKitError("EXISTS", f"'{entry['local']}' appeared in JupyterLab "
                                     "during the download; it was kept.", 409)
            try:
                os.replace(temp, final)
            except OSError as err:
                raise GlobusKitError("LOCAL_WRITE_FAILED", f"'{entry['local']}' could not "
                                     f"be put in place ({err.strerror or type(err).__name__})"
                                     "; it was kept as it was.", 500) from None
            entry["size"] = entry["done"]
            entry["status"] = "done"
            ok = True
        finally:
            if not handle.closed:
                handle.close()
            if not ok:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
