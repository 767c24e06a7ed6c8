"""Handlers of the workspace routes: validate, call :class:`~.workspaces.WorkspaceService`,
answer JSON. No answer holds a token or an S3 key.

Routes (under ``<base_url>/globus-kit/``)::

    GET workspaces                         {workspaces: [{name, storage_type, bucket, prefix,
                                            endpoint, region, scopes}]}
    GET workspaces/<name>                  one of them
    GET workspaces/<name>/ls?prefix=&marker=&limit=
                                           {workspace, prefix, entries, next_marker}
"""

from __future__ import annotations

from typing import Any, List, Tuple

import tornado.web
from jupyter_server.utils import url_path_join

from .oidc_handlers import ProviderHandler
from .validation import parse_int, parse_key_prefix, parse_marker, parse_workspace_name
from .workspaces import WorkspaceService


class WorkspaceHandler(ProviderHandler):
    service: WorkspaceService


class WorkspaceListHandler(WorkspaceHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.service.list)


class WorkspaceGetHandler(WorkspaceHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        async def work() -> Any:
            return await self.service.get(parse_workspace_name(name))

        await self.answer(work)


class WorkspaceLsHandler(WorkspaceHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        async def work() -> Any:
            workspace = parse_workspace_name(name)
            prefix = parse_key_prefix(self.arg("prefix"))
            marker = parse_marker(self.arg("marker"))
            limit = parse_int(self.get_argument("limit", None), "limit", 1000, 1, 1000)
            return await self.service.ls(workspace, prefix, marker, limit)

        await self.answer(work)


def routes(base_url: str, service: WorkspaceService) -> List[Tuple[str, Any, dict]]:
    """The workspace routes for ``web_app.add_handlers``."""
    join = lambda *p: url_path_join(base_url, "globus-kit", *p)  # noqa: E731
    one = r"([^/]+)"  # any segment: the handler validates it and answers a typed 400
    args = {"oidc": service.oidc, "service": service}
    return [
        (join("workspaces"), WorkspaceListHandler, args),
        (join("workspaces", one), WorkspaceGetHandler, args),
        (join("workspaces", one, "ls"), WorkspaceLsHandler, args),
    ]
