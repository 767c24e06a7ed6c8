"""The file manager's routes (issue #16) against the emulator, through a real
jupyter_server: delete tasks (to SUCCEEDED, files gone), bookmarks (list, create, rename,
delete), validation (roots, paths, names, ids), not found, XSRF, and no token anywhere."""

from __future__ import annotations

import time

import pytest

from .processes import JupyterServer, secrets_of

PUBLIC = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"
GUEST = "9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2"
MISSING = "00000000-0000-4000-8000-000000000000"


def wait_for_task(server: JupyterServer, task_id: str, seconds: float = 20) -> dict:
    """Poll ``tasks/<id>`` until the task ends (bounded in time)."""
    deadline = time.monotonic() + seconds
    while True:
        task = server.get(f"/globus-kit/tasks/{task_id}").json()
        if task.get("status") in ("SUCCEEDED", "FAILED") or time.monotonic() > deadline:
            return task
        time.sleep(0.2)


def names_in(server: JupyterServer, collection: str, path: str) -> list:
    r = server.get(f"/globus-kit/collections/{collection}/ls", params={"path": path})
    assert r.status_code == 200, r.text
    return [e["name"] for e in r.json()["entries"]]


class TestDelete:
    def test_should_delete_a_folder_and_a_file_with_one_task(self, server, emulator):
        assert server.post(f"/globus-kit/collections/{GUEST}/mkdir",
                           {"path": "/to-delete/"}).status_code == 200
        assert server.post(f"/globus-kit/collections/{GUEST}/mkdir",
                           {"path": "/to-delete/inner/"}).status_code == 200
        (emulator.collection_dir(GUEST) / "gone.txt").write_text("x")
        assert {"to-delete", "gone.txt"} <= set(names_in(server, GUEST, "/"))
        r = server.post(f"/globus-kit/collections/{GUEST}/delete",
                        {"paths": ["/to-delete/", "/gone.txt"], "label": "manager delete"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["code"] == "Accepted"
        assert len(body["taskId"]) == 36 and len(body["submissionId"]) == 36
        task = wait_for_task(server, body["taskId"])
        assert (task["status"], task["type"], task["label"]) == (
            "SUCCEEDED", "DELETE", "manager delete")
        assert not {"to-delete", "gone.txt"} & set(names_in(server, GUEST, "/"))

    def test_should_fail_the_task_of_a_missing_path(self, server):
        r = server.post(f"/globus-kit/collections/{GUEST}/delete",
                        {"paths": ["/never-there/"]})
        assert r.status_code == 200, r.text
        task = wait_for_task(server, r.json()["taskId"])
        assert task["status"] == "FAILED"
        assert task["fatal_error"]["code"]

    @pytest.mark.parametrize("paths", [["/"], ["/~/"], ["/~"], ["/a/", "/"], ["//"],
                                       ["/./"]])
    def test_should_refuse_a_collection_root(self, server, paths):
        r = server.post(f"/globus-kit/collections/{GUEST}/delete", {"paths": paths})
        body = r.json()
        assert (r.status_code, body["code"]) == (400, "BAD_INPUT")
        assert "root of the collection" in body["message"]

    @pytest.mark.parametrize("body,code", [
        ({}, "BAD_INPUT"),
        ({"paths": []}, "BAD_INPUT"),
        ({"paths": "/a/"}, "BAD_INPUT"),
        ({"paths": [3]}, "BAD_INPUT"),
        ({"paths": ["relative/x"]}, "BAD_PATH"),
        ({"paths": ["/a/../../etc/"]}, "BAD_PATH"),
        ({"paths": ["/a\u0000b"]}, "BAD_PATH"),
        ({"paths": ["/a/"], "recursive": "yes"}, "BAD_INPUT"),
        ({"paths": ["/a/"], "label": "x" * 129}, "BAD_INPUT"),
        ({"paths": ["/a/"], "label": "two\nlines"}, "BAD_INPUT"),
        ({"paths": [f"/f{i}" for i in range(1001)]}, "BAD_INPUT"),
    ])
    def test_should_refuse_bad_input(self, server, body, code):
        r = server.post(f"/globus-kit/collections/{GUEST}/delete", body)
        assert (r.status_code, r.json()["code"]) == (400, code)

    def test_should_refuse_a_malformed_collection_id(self, server):
        r = server.post("/globus-kit/collections/not-a-uuid/delete", {"paths": ["/a/"]})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_map_an_unknown_collection_to_not_found(self, server):
        r = server.post(f"/globus-kit/collections/{MISSING}/delete", {"paths": ["/a/"]})
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")


class TestBookmarks:
    def test_should_create_list_rename_and_delete_a_bookmark(self, server):
        r = server.post("/globus-kit/bookmarks",
                        {"name": "  Weather  ", "collection": PUBLIC,
                         "path": "/portal/catalog/dataset_las"})
        assert r.status_code == 200, r.text
        made = r.json()
        assert (made["name"], made["endpoint_id"], made["path"]) == (
            "Weather", PUBLIC, "/portal/catalog/dataset_las/")
        listed = server.get("/globus-kit/bookmarks").json()["bookmarks"]
        assert made["id"] in [b["id"] for b in listed]
        assert all(set(b) <= {"id", "name", "endpoint_id", "path", "pinned"} for b in listed)
        r = server.request("PUT", f"/globus-kit/bookmarks/{made['id']}",
                           json={"name": "Weather CSVs"})
        assert (r.status_code, r.json()["name"]) == (200, "Weather CSVs")
        r = server.request("DELETE", f"/globus-kit/bookmarks/{made['id']}")
        assert (r.status_code, r.json()["code"]) == (200, "Deleted")
        listed = server.get("/globus-kit/bookmarks").json()["bookmarks"]
        assert made["id"] not in [b["id"] for b in listed]

    def test_should_name_a_hostile_bookmark_as_sent(self, server):
        hostile = "<img src=x onerror=alert(1)> \u202ecsv.exe"
        r = server.post("/globus-kit/bookmarks",
                        {"name": hostile, "collection": GUEST, "path": "/"})
        assert r.status_code == 200 and r.json()["name"] == hostile
        server.request("DELETE", f"/globus-kit/bookmarks/{r.json()['id']}")

    def test_should_map_a_duplicate_name_to_conflict(self, server):
        first = server.post("/globus-kit/bookmarks",
                            {"name": "twice", "collection": GUEST, "path": "/"})
        assert first.status_code == 200
        r = server.post("/globus-kit/bookmarks",
                        {"name": "twice", "collection": GUEST, "path": "/"})
        assert (r.status_code, r.json()["code"]) == (409, "CONFLICT")
        server.request("DELETE", f"/globus-kit/bookmarks/{first.json()['id']}")

    @pytest.mark.parametrize("body,code", [
        ({"collection": GUEST, "path": "/"}, "BAD_INPUT"),
        ({"name": "   ", "collection": GUEST, "path": "/"}, "BAD_INPUT"),
        ({"name": "x" * 129, "collection": GUEST, "path": "/"}, "BAD_INPUT"),
        ({"name": "a\tb", "collection": GUEST, "path": "/"}, "BAD_INPUT"),
        ({"name": "n", "collection": "nope", "path": "/"}, "BAD_INPUT"),
        ({"name": "n", "collection": 7, "path": "/"}, "BAD_INPUT"),
        ({"name": "n", "collection": GUEST}, "BAD_INPUT"),
        ({"name": "n", "collection": GUEST, "path": "/../etc/"}, "BAD_PATH"),
        ({"name": "n", "collection": GUEST, "path": "rel/"}, "BAD_PATH"),
    ])
    def test_should_refuse_bad_input(self, server, body, code):
        r = server.post("/globus-kit/bookmarks", body)
        assert (r.status_code, r.json()["code"]) == (400, code)

    def test_should_refuse_a_bad_rename(self, server):
        r = server.request("PUT", f"/globus-kit/bookmarks/{MISSING}", json={"name": ""})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")
        r = server.request("PUT", "/globus-kit/bookmarks/not-a-uuid", json={"name": "n"})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_map_an_unknown_bookmark_to_not_found(self, server):
        r = server.request("PUT", f"/globus-kit/bookmarks/{MISSING}", json={"name": "n"})
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
        r = server.request("DELETE", f"/globus-kit/bookmarks/{MISSING}")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")

    def test_should_map_an_unknown_collection_to_not_found(self, server):
        r = server.post("/globus-kit/bookmarks", {"name": "lost", "collection": MISSING,
                                                  "path": "/"})
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")


class TestAuthAndTokens:
    @pytest.mark.parametrize("method,path", [
        ("GET", "/globus-kit/bookmarks"),
        ("POST", "/globus-kit/bookmarks"),
        ("DELETE", f"/globus-kit/bookmarks/{MISSING}"),
        ("POST", f"/globus-kit/collections/{GUEST}/delete"),
    ])
    def test_should_refuse_an_unauthenticated_request(self, server, method, path):
        r = server.request(method, path, token=None, json={})
        assert r.status_code in (401, 403)
        assert "bookmarks" not in r.text and "taskId" not in r.text

    def test_should_refuse_a_cookie_delete_without_xsrf(self, server):
        s = server.cookie_session()
        r = s.post(f"{server.url}/globus-kit/collections/{GUEST}/delete",
                   json={"paths": ["/x/"]}, timeout=10)
        assert r.status_code == 403 and "_xsrf" in r.text
        r = s.delete(f"{server.url}/globus-kit/bookmarks/{MISSING}", timeout=10)
        assert r.status_code == 403 and "_xsrf" in r.text

    def test_responses_and_log_should_not_contain_any_token(self, server, emulator):
        secrets = list(secrets_of(emulator.env["GLOBUS_DATA"]).values())
        assert len(server.responses) > 20
        server.assert_no_secret(secrets)
