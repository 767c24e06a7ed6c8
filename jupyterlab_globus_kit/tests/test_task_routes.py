"""The task routes of issue #17 against the emulator, through a real jupyter_server: submit
a transfer exactly once with every option, list with paging and filters, detail, events
(faults flagged), skipped errors, successful transfers, pause info, update, cancel; bad
input, not found, consent required, auth and XSRF, and no token anywhere."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any, Dict, Iterator, List
from urllib.parse import parse_qs, urlsplit

import pytest

from jupyterlab_globus_kit import tasks

from .processes import Emulator, JupyterServer, secrets_of

PUBLIC = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"
MAPPED = "e56c36e4-1063-4a6e-a747-22000bf2d559"
GUEST = "9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2"
WEATHER = "/portal/catalog/dataset_las/"
GODATA = "/share/godata/"
UNKNOWN_TASK = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    # Slow transfers: the weather folder (≈ 200 kB) stays ACTIVE; a few bytes end at once.
    emu = Emulator("--rate", "4000")
    emu.admin_call("POST", f"/seed/collections/{PUBLIC}/files", {"files": {
        **{f"/activity/many/f{n:02}.txt": f"file {n}\n" for n in range(8)},
        "/activity/faulty/a.txt": "a\n", "/activity/faulty/b.txt": "b\n",
        "/activity/faulty/c.txt": "c\n",
    }})
    emu.admin_call("POST", f"/seed/collections/{PUBLIC}/unreadable",
                   {"paths": ["/activity/faulty/b.txt"]})
    yield emu
    emu.stop()


def body(items: List[Any], *, source: str = PUBLIC, dest: str = GUEST, dest_path: str = "/",
         **options: Any) -> Dict[str, Any]:
    return {"source": {"collection": source, "path": "/"},
            "destination": {"collection": dest, "path": dest_path},
            "items": items, "options": options}


def submit(server: JupyterServer, doc: Dict[str, Any]) -> Dict[str, Any]:
    r = server.post("/globus-kit/tasks/transfer", doc)
    assert r.status_code == 200, r.text
    return r.json()


def wait_done(server: JupyterServer, task_id: str, seconds: float = 15) -> Dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        task = server.get(f"/globus-kit/tasks/{task_id}").json()
        if task["status"] != "ACTIVE":
            return task
        assert time.monotonic() < deadline, f"task {task_id} still ACTIVE"
        time.sleep(0.1)


def tasks_labelled(server: JupyterServer, label: str) -> List[Dict[str, Any]]:
    r = server.get("/globus-kit/tasks", params={"label": label, "limit": 100})
    assert r.status_code == 200, r.text
    return r.json()["tasks"]


def in_an_hour() -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class TestSubmit:
    def test_should_submit_with_every_option_and_report_them_back(self, server):
        deadline = in_an_hour()
        out = submit(server, body(
            [{"path": WEATHER, "recursive": True}], dest_path="/all-options/",
            label="all options", sync_level="checksum", verify_checksum=True,
            encrypt_data=True, preserve_timestamp=True, delete_destination_extra=True,
            skip_source_errors=True, fail_on_quota_errors=True, deadline=deadline,
            notify_on_succeeded=False, notify_on_failed=True, notify_on_inactive=False))
        assert out["code"] == "Accepted"
        assert str(uuid.UUID(out["submissionId"])) == out["submissionId"]
        assert out["webAppUrl"] == f"https://app.globus.org/activity/{out['taskId']}"
        task = server.get(f"/globus-kit/tasks/{out['taskId']}").json()
        assert task["label"] == "all options"
        assert task["sync_level"] == 3
        for flag in ("verify_checksum", "encrypt_data", "preserve_timestamp",
                     "delete_destination_extra", "skip_source_errors", "fail_on_quota_errors"):
            assert task[flag] is True, flag
        assert task["deadline"] == deadline.replace("Z", "+00:00")
        assert task["source_endpoint_id"] == PUBLIC and task["destination_endpoint_id"] == GUEST
        server.post(f"/globus-kit/tasks/{out['taskId']}/cancel")

    def test_should_default_to_verify_on_and_name_the_destination_after_the_item(
            self, server, emulator):
        out = submit(server, body([f"{GODATA}file1.txt", GODATA], dest_path="/defaults",
                                  label="defaults"))
        task = wait_done(server, out["taskId"])
        assert task["status"] == "SUCCEEDED", task
        assert task["verify_checksum"] is True and task["sync_level"] is None
        assert task["encrypt_data"] is False and task["skip_source_errors"] is False
        root = emulator.collection_dir(GUEST)
        assert (root / "defaults" / "file1.txt").read_text() == "abc\n"
        assert (root / "defaults" / "godata" / "file3.txt").exists()

    def test_should_reuse_a_client_submission_id_and_start_one_task(self, server):
        sid = server.get("/globus-kit/tasks/submission-id").json()["submissionId"]
        doc = dict(body([f"{GODATA}file2.txt"], dest_path="/dup/", label="dup-once"),
                   submission_id=sid)
        first = submit(server, doc)
        again = submit(server, doc)
        assert (first["code"], again["code"]) == ("Accepted", "Duplicate")
        assert again["taskId"] == first["taskId"] and again["submissionId"] == sid
        assert len(tasks_labelled(server, "dup-once")) == 1

    def test_should_resend_with_the_same_id_when_the_answer_is_lost(
            self, server, clean_faults):
        # Transfer creates the task, then the connection drops mid-answer: the route sends
        # the document again with the same submission id and gets the first task back.
        clean_faults.add_fault({"service": "transfer", "method": "POST",
                                "path": "/v0.10/transfer", "kind": "truncate", "bytes": 10,
                                "count": 1})
        out = submit(server, body([f"{GODATA}file3.txt"], dest_path="/lost/",
                                  label="lost-answer"))
        assert out["code"] == "Duplicate"
        listed = tasks_labelled(server, "lost-answer")
        assert [t["task_id"] for t in listed] == [out["taskId"]]

    def test_should_name_the_submission_id_when_it_fails_so_a_retry_is_safe(
            self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "method": "POST",
                                "path": "/v0.10/transfer", "kind": "reset", "count": 2})
        doc = body([f"{GODATA}file1.txt"], dest_path="/retry/", label="retried")
        r = server.post("/globus-kit/tasks/transfer", doc)
        err = r.json()
        assert (r.status_code, err["code"]) == (502, "NETWORK_ERROR")
        sid = err["submissionId"]
        again = submit(server, dict(doc, submission_id=sid))
        assert again["code"] == "Accepted" and again["submissionId"] == sid
        assert len(tasks_labelled(server, "retried")) == 1

    @pytest.mark.parametrize("doc,code,field", [
        ({"destination": {"collection": GUEST}, "items": ["/a"]}, "BAD_INPUT", "source"),
        (body(["/a"], source="not-a-uuid"), "BAD_INPUT", "source.collection"),
        (body([]), "BAD_INPUT", "items"),
        (body("a"), "BAD_INPUT", "items"),
        (body(["relative/path"]), "BAD_PATH", "items[0].path"),
        (body(["/a/../../etc"]), "BAD_PATH", "items[0].path"),
        (body([{"path": "/a", "recursive": "yes"}]), "BAD_INPUT", "items[0].recursive"),
        (body(["/a"], sync_level="fast"), "BAD_INPUT", "sync_level"),
        (body(["/a"], verify_checksum="yes"), "BAD_INPUT", "options.verify_checksum"),
        (body(["/a"], notify_on_failed=1), "BAD_INPUT", "options.notify_on_failed"),
        (body(["/a"], label="two\nlines"), "BAD_INPUT", "options.label"),
        (body(["/a"], label="x" * 129), "BAD_INPUT", "options.label"),
        (body(["/a"], deadline="2001-01-01T00:00:00Z"), "BAD_INPUT", "options.deadline"),
        (body(["/a"], deadline="next tuesday"), "BAD_INPUT", "options.deadline"),
        (body(["/a"], speed="max"), "BAD_INPUT", "options"),
        (body(["/a.txt"], delete_destination_extra=True), "BAD_INPUT",
         "options.delete_destination_extra"),
        (dict(body(["/a"]), submission_id="again"), "BAD_INPUT", "submission_id"),
        (body([f"{GODATA}"], source=GUEST, dest_path=f"{GODATA}sub/"), "OVERLAPPING_PATHS",
         "items[0]"),
    ])
    def test_should_refuse_bad_input_naming_the_field(self, server, doc, code, field):
        r = server.post("/globus-kit/tasks/transfer", doc)
        err = r.json()
        assert (r.status_code, err["code"]) == (400, code), r.text
        assert f"'{field}" in err["message"], err["message"]

    def test_should_answer_consent_required_with_the_consent_url(self, server, emulator):
        r = server.post("/globus-kit/tasks/transfer",
                        body([f"{GODATA}file1.txt"], dest=MAPPED, dest_path="/~/"))
        err = r.json()
        assert (r.status_code, err["code"]) == (403, "CONSENT_REQUIRED"), r.text
        url = urlsplit(err["consentUrl"])
        assert f"{url.scheme}://{url.netloc}" == emulator.env["GLOBUS_SDK_SERVICE_URL_AUTH"]
        assert MAPPED in parse_qs(url.query)["scope"][0]
        assert str(uuid.UUID(err["submissionId"])) == err["submissionId"]


class TestList:
    def test_should_page_newest_first_without_overlap(self, server):
        ids = [submit(server, body([f"{GODATA}file1.txt"], dest_path=f"/page{n}/",
                                   label=f"paging {n}"))["taskId"] for n in range(3)]
        first = server.get("/globus-kit/tasks", params={"label": "paging", "limit": 2}).json()
        second = server.get("/globus-kit/tasks",
                            params={"label": "paging", "limit": 2, "offset": 2}).json()
        assert first["total"] == 3 and (first["offset"], first["limit"]) == (0, 2)
        got = [t["task_id"] for t in first["tasks"] + second["tasks"]]
        assert got == list(reversed(ids))
        assert first["tasks"][0]["webAppUrl"].endswith(ids[-1])

    def test_should_filter_by_status_type_and_label(self, server):
        active = submit(server, body([WEATHER], dest_path="/filtered/",
                                     label="Filter Me Active"))["taskId"]
        r = server.get("/globus-kit/tasks",
                       params={"status": "active,inactive", "type": "TRANSFER",
                               "label": "filter me", "limit": 100})
        assert r.status_code == 200, r.text
        listed = r.json()["tasks"]
        assert active in [t["task_id"] for t in listed]
        assert all(t["status"] in ("ACTIVE", "INACTIVE") and t["type"] == "TRANSFER"
                   for t in listed)
        deletes = server.get("/globus-kit/tasks", params={"type": "DELETE"}).json()
        assert all(t["type"] == "DELETE" for t in deletes["tasks"])
        server.post(f"/globus-kit/tasks/{active}/cancel")
        failed = server.get("/globus-kit/tasks",
                            params={"status": "FAILED", "label": "Filter Me"}).json()
        assert [t["task_id"] for t in failed["tasks"]] == [active]
        assert failed["tasks"][0]["fatal_error"]["code"] == "CANCELED"

    @pytest.mark.parametrize("params", [
        {"status": "RUNNING"}, {"type": "COPY"}, {"label": "a/b"}, {"label": "a,b"},
        {"limit": "0"}, {"limit": "101"}, {"offset": "950", "limit": "100"},
        {"offset": "-1"},
    ])
    def test_should_refuse_bad_filters(self, server, params):
        r = server.get("/globus-kit/tasks", params=params)
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT"), r.text


class TestDetailEventsAndPages:
    def test_should_answer_detail_and_not_found(self, server):
        r = server.get(f"/globus-kit/tasks/{UNKNOWN_TASK}")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
        r = server.get("/globus-kit/tasks/not-a-task")
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_flag_the_fault_event_of_a_failed_task(self, server):
        out = submit(server, body(["/activity/faulty/"], dest_path="/faulty/"))
        task = wait_done(server, out["taskId"])
        assert task["status"] == "FAILED"
        assert task["fatal_error"]["code"] == "PERMISSION_DENIED" and task["faults"] == 1
        events = server.get(f"/globus-kit/tasks/{out['taskId']}/events").json()
        assert events["total"] == len(events["events"]) >= 2
        assert events["events"][0]["code"] == "PERMISSION_DENIED"
        assert events["events"][0]["is_error"] is True
        assert all(e["is_error"] is False for e in events["events"][1:])
        faults = server.get(f"/globus-kit/tasks/{out['taskId']}/events",
                            params={"errors": "true"}).json()
        assert [e["code"] for e in faults["events"]] == ["PERMISSION_DENIED"]
        r = server.get(f"/globus-kit/tasks/{out['taskId']}/events", params={"errors": "y"})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")
        r = server.get(f"/globus-kit/tasks/{UNKNOWN_TASK}/events")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")

    def test_should_list_skipped_errors_by_marker(self, server):
        out = submit(server, body(["/activity/faulty/", "/activity/missing.txt"],
                                  dest_path="/skipping/", skip_source_errors=True))
        task = wait_done(server, out["taskId"])
        assert task["status"] == "SUCCEEDED" and task["subtasks_skipped_errors"] == 2
        page = server.get(f"/globus-kit/tasks/{out['taskId']}/skipped-errors").json()
        assert page["nextMarker"] is None and page["marker"] == 0
        assert sorted((e["error_code"], e["source_path"]) for e in page["errors"]) == [
            ("FILE_NOT_FOUND", "/activity/missing.txt"),
            ("PERMISSION_DENIED", "/activity/faulty/b.txt")]
        second = server.get(f"/globus-kit/tasks/{out['taskId']}/skipped-errors",
                            params={"marker": 1}).json()
        assert len(second["errors"]) == 1 and second["marker"] == 1
        r = server.get(f"/globus-kit/tasks/{out['taskId']}/skipped-errors",
                       params={"marker": "x"})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_page_successful_transfers_by_marker(self, server):
        out = submit(server, body(["/activity/many/"], dest_path="/many/"))
        assert wait_done(server, out["taskId"])["status"] == "SUCCEEDED"
        page = server.get(f"/globus-kit/tasks/{out['taskId']}/successful-transfers").json()
        assert page["nextMarker"] is None
        assert sorted(t["source_path"] for t in page["transfers"]) == [
            f"/activity/many/f{n:02}.txt" for n in range(8)]
        assert page["transfers"][0]["checksum_algorithm"] == "MD5"
        rest = server.get(f"/globus-kit/tasks/{out['taskId']}/successful-transfers",
                          params={"marker": 5}).json()
        assert len(rest["transfers"]) == 3
        r = server.get(f"/globus-kit/tasks/{UNKNOWN_TASK}/successful-transfers")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")

    def test_should_answer_pause_info(self, server):
        out = submit(server, body([f"{GODATA}file1.txt"], dest_path="/paused/"))
        info = server.get(f"/globus-kit/tasks/{out['taskId']}/pause-info").json()
        assert info == {"taskId": out["taskId"], "pause_rules": [],
                        "source_pause_message": None, "destination_pause_message": None,
                        "source_pause_message_share": None,
                        "destination_pause_message_share": None}
        r = server.get(f"/globus-kit/tasks/{UNKNOWN_TASK}/pause-info")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")


class TestUpdateAndCancel:
    def test_should_update_label_and_deadline_then_expire(self, server, emulator):
        task_id = submit(server, body([WEATHER], dest_path="/updated/", label="before"))[
            "taskId"]
        r = server.request("PATCH", f"/globus-kit/tasks/{task_id}", json={"label": "after"})
        assert (r.status_code, r.json()["code"]) == (200, "Updated"), r.text
        assert server.get(f"/globus-kit/tasks/{task_id}").json()["label"] == "after"
        deadline = in_an_hour()
        r = server.request("PATCH", f"/globus-kit/tasks/{task_id}", json={"deadline": deadline})
        assert r.status_code == 200, r.text
        task = server.get(f"/globus-kit/tasks/{task_id}").json()
        assert task["deadline"] == deadline.replace("Z", "+00:00")
        emulator.admin_call("POST", "/clock", {"advanceMs": 3_601_000})
        try:
            task = server.get(f"/globus-kit/tasks/{task_id}").json()
            assert task["status"] == "FAILED" and task["fatal_error"]["code"] == "EXPIRED"
            events = server.get(f"/globus-kit/tasks/{task_id}/events").json()["events"]
            assert events[0]["code"] == "EXPIRED" and events[0]["is_error"] is True
            r = server.request("PATCH", f"/globus-kit/tasks/{task_id}", json={"label": "late"})
            assert (r.status_code, r.json()["code"]) == (409, "CONFLICT"), r.text
        finally:
            emulator.admin_call("POST", "/clock", {"advanceMs": -3_601_000})

    @pytest.mark.parametrize("doc,field", [
        ({}, "label"), ({"label": ""}, "label"), ({"sync_level": "size"}, "label"),
        ({"deadline": "2001-01-01"}, "deadline"), ({"label": 5}, "label"),
    ])
    def test_should_refuse_a_bad_update(self, server, doc, field):
        r = server.request("PATCH", f"/globus-kit/tasks/{UNKNOWN_TASK}", json=doc)
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT"), r.text
        assert f"'{field}'" in r.json()["message"]

    def test_should_cancel_and_report_a_finished_task(self, server):
        task_id = submit(server, body([WEATHER], dest_path="/cancel-me/"))["taskId"]
        r = server.post(f"/globus-kit/tasks/{task_id}/cancel")
        assert (r.status_code, r.json()["code"]) == (200, "Canceled")
        assert server.post(f"/globus-kit/tasks/{task_id}/cancel").json()["code"] == (
            "TaskComplete")
        r = server.post(f"/globus-kit/tasks/{UNKNOWN_TASK}/cancel")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")


class TestAuthAndSecrets:
    @pytest.mark.parametrize("method,path", [
        ("GET", "/globus-kit/tasks"), ("GET", "/globus-kit/tasks/submission-id"),
        ("POST", "/globus-kit/tasks/transfer"), ("GET", f"/globus-kit/tasks/{UNKNOWN_TASK}"),
        ("PATCH", f"/globus-kit/tasks/{UNKNOWN_TASK}"),
        ("GET", f"/globus-kit/tasks/{UNKNOWN_TASK}/events"),
        ("GET", f"/globus-kit/tasks/{UNKNOWN_TASK}/skipped-errors"),
        ("GET", f"/globus-kit/tasks/{UNKNOWN_TASK}/successful-transfers"),
        ("GET", f"/globus-kit/tasks/{UNKNOWN_TASK}/pause-info"),
    ])
    def test_should_refuse_an_unauthenticated_request(self, server, method, path):
        r = server.request(method, path, token=None, json={})
        assert r.status_code in (401, 403)
        assert "task_id" not in r.text

    def test_should_refuse_a_cookie_submit_without_xsrf(self, server):
        s = server.cookie_session()
        doc = body([f"{GODATA}file1.txt"], dest_path="/xsrf/", label="xsrf-less")
        r = s.post(f"{server.url}/globus-kit/tasks/transfer", json=doc, timeout=10)
        assert r.status_code == 403 and "_xsrf" in r.text
        r = s.patch(f"{server.url}/globus-kit/tasks/{UNKNOWN_TASK}", json={"label": "x"},
                    timeout=10)
        assert r.status_code == 403
        assert tasks_labelled(server, "xsrf-less") == []
        r = s.post(f"{server.url}/globus-kit/tasks/transfer", json=doc,
                   headers={"X-XSRFToken": s.cookies.get("_xsrf")}, timeout=10)
        server.responses.append(r.text)
        assert r.status_code == 200 and r.json()["code"] == "Accepted"

    def test_responses_and_log_should_not_contain_any_token(self, server, emulator):
        secrets = list(secrets_of(emulator.env["GLOBUS_DATA"]).values())
        assert len(server.responses) > 40
        server.assert_no_secret(secrets)


def test_parse_deadline_formats() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    assert tasks.parse_deadline("2030-01-31", now=now) == "2030-01-31T00:00:00+00:00"
    assert tasks.parse_deadline("2030-01-31 09:30", now=now) == "2030-01-31T09:30:00+00:00"
    assert tasks.parse_deadline("2030-01-31T09:30:00+02:00", now=now) == (
        "2030-01-31T07:30:00+00:00")
    assert tasks.parse_deadline(None, now=now) is None


def test_without_globus_data_the_routes_answer_no_credentials() -> None:
    srv = JupyterServer({})
    try:
        for r in (srv.get("/globus-kit/tasks"),
                  srv.post("/globus-kit/tasks/transfer", body([f"{GODATA}file1.txt"]))):
            assert (r.status_code, r.json()["code"]) == (401, "NO_CREDENTIALS"), r.text
    finally:
        srv.stop()
