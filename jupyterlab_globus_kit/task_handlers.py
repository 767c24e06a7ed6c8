"""Handlers of the task routes (issue #17): parse and validate the request, call a plain
function of :mod:`.tasks`, answer JSON. Same rules as every route: jupyter_server auth and
XSRF (through :class:`~.api_handlers.GlobusApiHandler`), typed errors, no token.

Routes (under ``<base_url>/globus-kit/``)::

    GET   tasks?limit=&offset=&status=&type=&label=    task_list (newest first)
    GET   tasks/submission-id                          a fresh submission id
    POST  tasks/transfer        {source, destination, items, options?, submission_id?}
    GET   tasks/<id>                                   task detail
    PATCH tasks/<id>            {label?, deadline?}     update while it runs
    POST  tasks/<id>/cancel
    GET   tasks/<id>/events?limit=&offset=&errors=
    GET   tasks/<id>/skipped-errors?marker=
    GET   tasks/<id>/successful-transfers?marker=
    GET   tasks/<id>/pause-info
"""

from __future__ import annotations

from typing import Any, Awaitable, List, Optional, Tuple

import tornado.web
from jupyter_server.utils import url_path_join

from . import tasks
from .api_handlers import GlobusApiHandler, _guard
from .errors import bad_input
from .globus_api import GlobusApi
from .validation import parse_int, parse_task_id


def _bool_arg(value: Optional[str], name: str) -> Optional[bool]:
    if value is None or value == "":
        return None
    if value not in ("true", "false", "1", "0"):
        raise bad_input(f"'{name}' must be true or false")
    return value in ("true", "1")


def _marker(value: Optional[str]) -> Optional[int]:
    return parse_int(value, "marker", 0, 0, 10**12) or None


class TaskListHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        def build() -> Awaitable[Any]:
            filter_ = tasks.parse_list_filter(self.get_arguments("status"),
                                              self.get_arguments("type"), self.arg("label"))
            return tasks.task_list(
                self.api,
                parse_int(self.get_argument("limit", None), "limit", 10, 1, 100),
                parse_int(self.get_argument("offset", None), "offset", 0, 0,
                          tasks.TASK_LIST_WINDOW - 1),
                filter_,
            )

        await self.answer(_guard(build))


class SubmissionIdHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(tasks.submission_id(self.api))


class TransferSubmitHandler(GlobusApiHandler):
    body_fields = ("source", "destination", "items", "options", "submission_id")

    @tornado.web.authenticated
    async def post(self) -> None:
        def build() -> Awaitable[Any]:
            body = self.body_json()
            document = tasks.parse_transfer(body)
            return tasks.submit_transfer(self.api, document, tasks.parse_submission_id(body))

        await self.answer(_guard(build))


class TaskHandler(GlobusApiHandler):
    body_fields = ("label", "deadline")  # PATCH

    @tornado.web.authenticated
    async def get(self, task_id: str) -> None:
        await self.answer(_guard(lambda: tasks.task_get(self.api, parse_task_id(task_id))))

    @tornado.web.authenticated
    async def patch(self, task_id: str) -> None:
        def build() -> Awaitable[Any]:
            task = parse_task_id(task_id)
            return tasks.task_update(self.api, task, tasks.parse_update(self.body_json()))

        await self.answer(_guard(build))


class TaskCancelHandler(GlobusApiHandler):
    body_fields = ()  # takes no body

    @tornado.web.authenticated
    async def post(self, task_id: str) -> None:
        await self.answer(_guard(lambda: tasks.task_cancel(self.api, parse_task_id(task_id))))


class TaskEventsHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self, task_id: str) -> None:
        await self.answer(_guard(lambda: tasks.task_events(
            self.api, parse_task_id(task_id),
            parse_int(self.get_argument("limit", None), "limit", 25, 1, 1000),
            parse_int(self.get_argument("offset", None), "offset", 0, 0, 1000),
            _bool_arg(self.get_argument("errors", None), "errors"),
        )))


class SkippedErrorsHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self, task_id: str) -> None:
        await self.answer(_guard(lambda: tasks.skipped_errors(
            self.api, parse_task_id(task_id), _marker(self.get_argument("marker", None)))))


class SuccessfulTransfersHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self, task_id: str) -> None:
        await self.answer(_guard(lambda: tasks.successful_transfers(
            self.api, parse_task_id(task_id), _marker(self.get_argument("marker", None)))))


class PauseInfoHandler(GlobusApiHandler):
    @tornado.web.authenticated
    async def get(self, task_id: str) -> None:
        await self.answer(_guard(lambda: tasks.pause_info(self.api, parse_task_id(task_id))))


def routes(base_url: str, api: GlobusApi) -> List[Tuple[str, Any, dict]]:
    """The route table of this module, for ``web_app.add_handlers``. The fixed paths come
    before ``tasks/<id>`` (a task id is a UUID, so they cannot collide)."""
    prefix = url_path_join(base_url, "globus-kit")
    one = r"([^/]+)"  # any segment: the handler validates it and answers a typed 400
    table = [
        ("tasks", TaskListHandler),
        ("tasks/submission-id", SubmissionIdHandler),
        ("tasks/transfer", TransferSubmitHandler),
        (f"tasks/{one}", TaskHandler),
        (f"tasks/{one}/cancel", TaskCancelHandler),
        (f"tasks/{one}/events", TaskEventsHandler),
        (f"tasks/{one}/skipped-errors", SkippedErrorsHandler),
        (f"tasks/{one}/successful-transfers", SuccessfulTransfersHandler),
        (f"tasks/{one}/pause-info", PauseInfoHandler),
    ]
    return [(url_path_join(prefix, path), handler, {"api": api}) for path, handler in table]
