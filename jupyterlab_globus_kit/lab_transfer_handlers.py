"""Handlers of the copy routes between the Jupyter contents root and a collection
(:mod:`.lab_transfer`): parse and validate, start a job, answer JSON. Auth, XSRF and error
answers are the base class's.

Routes (under ``<base_url>/globus-kit/``)::

    POST lab-transfers/upload    {"paths": [local…], "collection", "path", "overwrite"?}
    POST lab-transfers/download  {"collection", "paths": [remote… (folders end in /)],
                                 "localDir", "overwrite"?}
    GET  lab-transfers/<job>     progress: status, bytes and files done / total, errors
    POST lab-transfers/<job>/cancel
    POST lab-transfers/plan      {"kind": "upload", "paths": [local…]} or {"kind":
                                 "download", "collection", "paths": [remote…], "localDir"}
                                 → files, bytes, folders, existing, localEndpoint(+Name)

Local paths are relative to the Jupyter root (as JupyterLab's file browser names them);
remote paths are absolute collection paths; a remote folder (ending in ``/``) is
downloaded recursively. A start answers the job's first progress
document; a download whose files exist answers 409 ``EXISTS`` (``existing``: their paths)
unless ``overwrite`` is true.
"""

from __future__ import annotations

from typing import Any, Awaitable, List, Tuple

import tornado.web
from jupyter_server.utils import url_path_join

from .api_handlers import GlobusApiHandler, _guard
from .errors import bad_input
from .globus_api import GlobusApi
from .lab_transfer import LabTransfers
from .validation import body_str, body_str_list, parse_path, parse_uuid

#: Most paths one request may name (folders count once; their files are counted later).
MAX_PATHS = 1000


def _overwrite(body: dict) -> bool:
    value = body.get("overwrite", False)
    if not isinstance(value, bool):
        raise bad_input("'overwrite' must be true or false")
    return value


def _paths(body: dict) -> List[str]:
    paths = body_str_list(body, "paths", max_items=MAX_PATHS, max_length=4096)
    if not paths:
        raise bad_input(f"'paths' must be a list of 1 to {MAX_PATHS} paths")
    return paths


def _collection(body: dict) -> str:
    return parse_uuid(body_str(body, "collection", required=True, what="a collection UUID",
                               max_length=100), "collection")


class LabTransferHandler(GlobusApiHandler):
    """Base: holds the job registry too."""

    def initialize(self, api: GlobusApi, transfers: LabTransfers) -> None:  # type: ignore[override]
        super().initialize(api)
        self.transfers = transfers

    def root_dir(self) -> str:
        """The contents root: the contents manager's ``root_dir``, else the server's."""
        root = getattr(self.contents_manager, "root_dir", None)
        return root if isinstance(root, str) and root else self.settings["server_root_dir"]

    def allow_hidden(self) -> bool:
        """The contents manager's ``allow_hidden`` (off by default): hidden files are
        neither read nor written through these routes unless it is on."""
        return bool(getattr(self.contents_manager, "allow_hidden", False))


class UploadHandler(LabTransferHandler):
    body_fields = ("paths", "collection", "path", "overwrite")

    @tornado.web.authenticated
    async def post(self) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            folder = parse_path(body_str(body, "path", required=True,
                                         what="an absolute folder path"), "path")
            doc = self.transfers.start_upload(self.root_dir(), _paths(body),
                                              _collection(body), folder, _overwrite(body),
                                              self.allow_hidden())
            return _value(doc)

        await self.answer(_guard(build))


class DownloadHandler(LabTransferHandler):
    body_fields = ("collection", "paths", "localDir", "overwrite")

    @tornado.web.authenticated
    async def post(self) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            collection = _collection(body)
            paths = [parse_path(p, f"paths[{i}]") for i, p in enumerate(_paths(body))]
            local_dir = body_str(body, "localDir", what="a folder relative to the Jupyter "
                                 "root") or ""
            return self.transfers.start_download(self.root_dir(), collection, paths,
                                                 local_dir, _overwrite(body),
                                                 self.allow_hidden())

        await self.answer(_guard(build))


class PlanHandler(LabTransferHandler):
    """What a copy would move and the collection of ``GLOBUS_LOCAL_ENDPOINT``: the
    browser offers a Globus transfer instead of HTTPS when both say so."""

    body_fields = ("kind", "collection", "paths", "localDir")

    @tornado.web.authenticated
    async def post(self) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            kind = body.get("kind")
            if kind not in ("upload", "download"):
                raise bad_input("'kind' must be \"upload\" or \"download\"")
            if kind == "upload":
                return self.transfers.plan("upload", self.root_dir(), _paths(body), None, "",
                                           self.allow_hidden())
            collection = _collection(body)
            paths = [parse_path(p, f"paths[{i}]") for i, p in enumerate(_paths(body))]
            local_dir = body_str(body, "localDir", what="a folder relative to the Jupyter "
                                 "root") or ""
            return self.transfers.plan("download", self.root_dir(), paths, collection,
                                       local_dir, self.allow_hidden())

        await self.answer(_guard(build))


class JobHandler(LabTransferHandler):
    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        await self.answer(_guard(lambda: _value(self.transfers.get(
            parse_uuid(job_id, "job_id")).document())))


class CancelHandler(LabTransferHandler):
    body_fields = ()

    @tornado.web.authenticated
    async def post(self, job_id: str) -> None:
        await self.answer(_guard(lambda: _value(self.transfers.cancel(
            parse_uuid(job_id, "job_id")))))


async def _value(doc: Any) -> Any:
    return doc


def routes(base_url: str, api: GlobusApi) -> List[Tuple[str, Any, dict]]:
    """The route table of this module, for ``web_app.add_handlers``."""
    prefix = url_path_join(base_url, "globus-kit", "lab-transfers")
    one = r"([^/]+)"
    transfers = LabTransfers(api)
    table = [
        ("upload", UploadHandler),
        ("download", DownloadHandler),
        ("plan", PlanHandler),
        (one, JobHandler),
        (f"{one}/cancel", CancelHandler),
    ]
    return [(url_path_join(prefix, path), handler, {"api": api, "transfers": transfers})
            for path, handler in table]
