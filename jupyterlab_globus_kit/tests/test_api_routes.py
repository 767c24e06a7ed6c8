"""The collection, file, task and consent routes against the emulator, through a real
jupyter_server: answers, validation, auth and XSRF, error mapping, and no token anywhere."""

from __future__ import annotations

import time
from typing import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from .conftest import encode, shape_pre_012
from .processes import Emulator, JupyterServer, secrets_of

PUBLIC = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"
MAPPED = "e56c36e4-1063-4a6e-a747-22000bf2d559"
GUEST = "9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2"
HUB_CLIENT = "c0a8e2f4-1b3d-4e5f-8a9b-0c1d2e3f4a55"
WEATHER = "/portal/catalog/dataset_las/"
TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all"
DATA_ACCESS = f"{TRANSFER_ALL}[*https://auth.globus.org/scopes/{MAPPED}/data_access]"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    # Slow transfers, so a task is still ACTIVE when the tests look at it.
    emu = Emulator("--rate", "4000")
    yield emu
    emu.stop()


def submit_transfer(emulator: Emulator, label: str) -> str:
    """Start a transfer public → guest collection directly at the emulator."""
    token = secrets_of(emulator.env["GLOBUS_DATA"])["transfer.api.globus.org"]
    base = emulator.env["GLOBUS_SDK_SERVICE_URL_TRANSFER"] + "/v0.10"
    headers = {"Authorization": f"Bearer {token}"}
    sub = requests.get(f"{base}/submission_id", headers=headers, timeout=10).json()["value"]
    r = requests.post(f"{base}/transfer", headers=headers, timeout=10, json={
        "DATA_TYPE": "transfer", "submission_id": sub, "label": label,
        "source_endpoint": PUBLIC, "destination_endpoint": GUEST,
        "DATA": [{"DATA_TYPE": "transfer_item", "source_path": f"{WEATHER}1950.csv",
                  "destination_path": f"/{label}.csv"}],
    })
    assert r.status_code == 202, r.text
    return r.json()["task_id"]


class TestCollectionSearch:
    def test_should_list_my_collections_by_default(self, server):
        r = server.get("/globus-kit/collections")
        assert r.status_code == 200
        body = r.json()
        assert body["filterScope"] == "my-endpoints"
        assert GUEST in [c["id"] for c in body["collections"]]

    def test_should_search_fulltext_with_a_scope(self, server):
        r = server.get("/globus-kit/collections?q=Tutorials%20Public&filter_scope=all&limit=5")
        names = [c["display_name"] for c in r.json()["collections"]]
        assert "Globus Tutorials Public Data" in names

    def test_should_list_collections_shared_with_me(self, server):
        r = server.get("/globus-kit/collections?filter_scope=shared-with-me")
        assert r.status_code == 200
        assert len(r.json()["collections"]) >= 2

    def test_should_refuse_all_without_text(self, server):
        r = server.get("/globus-kit/collections?filter_scope=all")
        assert (r.status_code, r.json()["code"]) == (400, "BAD_SEARCH")

    def test_should_refuse_an_unknown_scope(self, server):
        r = server.get("/globus-kit/collections?filter_scope=everything")
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")


class TestCollectionGet:
    def test_should_answer_the_collection_with_its_https_server(self, server):
        body = server.get(f"/globus-kit/collections/{PUBLIC}").json()
        assert body["display_name"] == "Globus Tutorials Public Data"
        assert body["https_server"].startswith("http://127.0.0.1:")

    def test_should_map_an_unknown_collection_to_not_found(self, server):
        r = server.get("/globus-kit/collections/00000000-0000-4000-8000-000000000000")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
        assert "EndpointNotFound" in r.json()["message"]

    @pytest.mark.parametrize("bad", ["not-a-uuid", "..", "%2e%2e",
                                     "{a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01}"])
    def test_should_refuse_a_malformed_id(self, server, bad):
        r = server.get(f"/globus-kit/collections/{bad}")
        assert r.status_code in (400, 404)
        if r.status_code == 400:
            assert r.json()["code"] == "BAD_INPUT"


class TestLs:
    def test_should_list_the_public_weather_folder(self, server):
        r = server.get(f"/globus-kit/collections/{PUBLIC}/ls?path={quote(WEATHER)}")
        assert r.status_code == 200
        body = r.json()
        assert body["path"] == WEATHER
        names = [e["name"] for e in body["entries"]]
        assert "1948.csv" in names and "1960.csv" in names
        entry = body["entries"][names.index("1948.csv")]
        assert entry["type"] == "file" and entry["size"] > 1000

    def test_should_answer_every_field_the_browser_shows(self, server):
        # The route asks Transfer for these fields only (`fields=`): none may go missing.
        r = server.get(f"/globus-kit/collections/{PUBLIC}/ls?path={quote(WEATHER)}&limit=3")
        for entry in r.json()["entries"]:
            assert set(entry) == {"name", "type", "size", "last_modified", "permissions",
                                  "link_target"}
            assert entry["permissions"] and entry["last_modified"]

    def test_should_page_with_limit_and_offset(self, server):
        a = server.get(f"/globus-kit/collections/{PUBLIC}/ls?path={quote(WEATHER)}&limit=5").json()
        b = server.get(
            f"/globus-kit/collections/{PUBLIC}/ls?path={quote(WEATHER)}&limit=5&offset=5").json()
        assert len(a["entries"]) == 5 and a["total"] == 14
        assert not {e["name"] for e in a["entries"]} & {e["name"] for e in b["entries"]}

    @pytest.mark.parametrize("path,code", [
        ("/portal/../etc", "BAD_PATH"),
        ("portal/catalog", "BAD_PATH"),
        ("/portal%00/x", "BAD_PATH"),
        ("/a/b/..", "BAD_PATH"),
    ])
    def test_should_refuse_unsafe_paths(self, server, path, code):
        r = server.get(f"/globus-kit/collections/{PUBLIC}/ls?path={path}")
        assert (r.status_code, r.json()["code"]) == (400, code)

    def test_should_map_a_missing_folder_to_not_found(self, server):
        r = server.get(f"/globus-kit/collections/{PUBLIC}/ls?path=/nope/")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
        assert "ClientError.NotFound" in r.json()["message"]

    def test_should_map_consent_required_to_a_consent_url(self, server, emulator):
        r = server.get(f"/globus-kit/collections/{MAPPED}/ls")
        body = r.json()
        assert (r.status_code, body["code"]) == (403, "CONSENT_REQUIRED")
        assert body["requiredScopes"] == [DATA_ACCESS]
        parts = urlsplit(body["consentUrl"])
        q = parse_qs(parts.query)
        assert f"{parts.scheme}://{parts.netloc}" == emulator.env["GLOBUS_SDK_SERVICE_URL_AUTH"]
        assert parts.path == "/v2/oauth2/authorize"
        assert q["client_id"] == [HUB_CLIENT]
        assert q["scope"] == [DATA_ACCESS]
        assert q["response_type"] == ["code"]


class TestMkdirAndRename:
    def test_should_create_and_rename_a_folder(self, server, emulator):
        r = server.post(f"/globus-kit/collections/{GUEST}/mkdir", {"path": "/made-here/"})
        assert r.status_code == 200 and r.json()["code"] == "DirectoryCreated"
        r = server.post(f"/globus-kit/collections/{GUEST}/rename",
                        {"old_path": "/made-here/", "new_path": "/renamed-here/"})
        assert r.status_code == 200 and r.json()["code"] == "FileRenamed"
        names = [e["name"] for e in server.get(
            f"/globus-kit/collections/{GUEST}/ls?path=/").json()["entries"]]
        assert "renamed-here" in names and "made-here" not in names

    def test_should_report_an_existing_folder(self, server):
        server.post(f"/globus-kit/collections/{GUEST}/mkdir", {"path": "/twice/"})
        r = server.post(f"/globus-kit/collections/{GUEST}/mkdir", {"path": "/twice/"})
        assert r.status_code == 502
        assert r.json()["globusCode"].startswith("ExternalError.MkdirFailed")

    def test_should_refuse_rename_out_of_the_tree(self, server):
        r = server.post(f"/globus-kit/collections/{GUEST}/rename",
                        {"old_path": "/renamed-here/", "new_path": "/../../etc/x"})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_PATH")

    def test_should_refuse_a_body_that_is_not_json(self, server):
        r = server.request("POST", f"/globus-kit/collections/{GUEST}/mkdir", data="{oops")
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")


class TestTasks:
    def test_should_list_get_and_cancel_a_task(self, server, emulator):
        task_id = submit_transfer(emulator, "route-test")
        listed = server.get("/globus-kit/tasks?limit=5").json()["tasks"]
        assert task_id in [t["task_id"] for t in listed]
        task = server.get(f"/globus-kit/tasks/{task_id}").json()
        assert task["status"] == "ACTIVE" and task["label"] == "route-test"
        r = server.post(f"/globus-kit/tasks/{task_id}/cancel")
        assert r.status_code == 200 and r.json()["code"] == "Canceled"
        assert server.get(f"/globus-kit/tasks/{task_id}").json()["status"] == "FAILED"

    def test_should_filter_by_status(self, server):
        r = server.get("/globus-kit/tasks?status=FAILED")
        assert r.status_code == 200
        assert all(t["status"] == "FAILED" for t in r.json()["tasks"])
        r = server.get("/globus-kit/tasks?status=failed;drop")
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_map_an_unknown_task_to_not_found(self, server):
        r = server.get("/globus-kit/tasks/00000000-0000-4000-8000-000000000000")
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")


class TestConsents:
    def test_should_report_granted_and_missing_scopes(self, server):
        https = f"https://auth.globus.org/scopes/{GUEST}/https"
        r = server.get("/globus-kit/consents", params={"scope": [TRANSFER_ALL, DATA_ACCESS, https]})
        entries = {e["scope"]: e for e in r.json()["consents"]}
        assert entries[TRANSFER_ALL]["status"] == "granted"
        assert entries[TRANSFER_ALL]["consentUrl"] is None
        assert entries[https]["status"] == "granted"
        missing = entries[DATA_ACCESS]
        assert missing["status"] == "missing"
        assert missing["missingDependencies"] == [
            f"*https://auth.globus.org/scopes/{MAPPED}/data_access"]
        assert f"client_id={HUB_CLIENT}" in missing["consentUrl"]

    def test_should_refuse_a_malformed_scope(self, server):
        r = server.get("/globus-kit/consents", params={"scope": "a[b"})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_SCOPE")


class TestErrorMapping:
    LS = f"/globus-kit/collections/{PUBLIC}/ls?path=/share/godata/"

    def test_should_retry_one_429_then_answer(self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "path": "/v0.10/operation/endpoint/*/ls",
                                "kind": "status", "status": 429,
                                "headers": {"Retry-After": "0"}, "count": 1})
        assert server.get(self.LS).status_code == 200

    def test_should_map_repeated_429_to_rate_limited(self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "path": "/v0.10/operation/endpoint/*/ls",
                                "kind": "status", "status": 429,
                                "headers": {"Retry-After": "0"}, "count": 2})
        r = server.get(self.LS)
        assert (r.status_code, r.json()["code"]) == (429, "RATE_LIMITED")

    def test_should_map_a_rejected_token_to_unauthorized_with_relogin_advice(
            self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "kind": "status", "status": 401,
                                "code": "AuthenticationFailed", "message": "Token is not active",
                                "count": 2})
        r = server.get(self.LS)
        body = r.json()
        assert (r.status_code, body["code"]) == (401, "UNAUTHORIZED")
        assert "log in again" in body["message"] and body["resourceServer"] == (
            "transfer.api.globus.org")

    def test_should_map_a_slow_service_to_timeout(self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "kind": "latency", "ms": 6000,
                                "count": 2})
        started = time.monotonic()
        r = server.get(f"/globus-kit/collections/{PUBLIC}")
        assert (r.status_code, r.json()["code"]) == (504, "TIMEOUT")
        assert time.monotonic() - started < 5.5

    def test_should_map_a_proxy_html_page_to_api_error(self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "kind": "status", "status": 502,
                                "bodyText": "<html>Bad gateway</html>", "count": 2})
        r = server.post("/globus-kit/tasks/00000000-0000-4000-8000-000000000000/cancel")
        assert (r.status_code, r.json()["code"]) == (502, "API_ERROR")

    def test_should_map_a_reset_connection_to_network_error(self, server, clean_faults):
        clean_faults.add_fault({"service": "transfer", "kind": "reset", "count": 2})
        r = server.get(f"/globus-kit/collections/{PUBLIC}")
        assert r.json()["code"] == "NETWORK_ERROR" and r.status_code == 502


class TestAuthAndXsrf:
    def test_should_refuse_an_unauthenticated_request(self, server):
        r = server.get("/globus-kit/collections", token=None)
        assert r.status_code in (401, 403)
        assert "collections" not in r.text

    def test_should_refuse_a_cookie_post_without_xsrf(self, server):
        s = server.cookie_session()
        r = s.post(f"{server.url}/globus-kit/collections/{GUEST}/mkdir",
                   json={"path": "/xsrf-less/"}, timeout=10)
        server.responses.append(r.text)
        assert r.status_code == 403 and "_xsrf" in r.text
        r = s.post(f"{server.url}/globus-kit/collections/{GUEST}/mkdir",
                   json={"path": "/with-xsrf/"},
                   headers={"X-XSRFToken": s.cookies.get("_xsrf")}, timeout=10)
        server.responses.append(r.text)
        assert r.status_code == 200, r.text

    def test_responses_and_log_should_not_contain_any_token(self, server, emulator):
        secrets = list(secrets_of(emulator.env["GLOBUS_DATA"]).values())
        assert len(server.responses) > 20
        server.assert_no_secret(secrets)


def test_routes_without_globus_data_answer_no_credentials():
    srv = JupyterServer({})
    try:
        r = srv.get("/globus-kit/collections")
        assert (r.status_code, r.json()["code"]) == (401, "NO_CREDENTIALS")
    finally:
        srv.stop()


def test_routes_with_an_expired_token_answer_token_expired(now):
    data = shape_pre_012(now - 7200)  # expired an hour ago
    srv = JupyterServer({"GLOBUS_DATA": encode(data),
                         "GLOBUS_SDK_SERVICE_URL_TRANSFER": "http://127.0.0.1:9"})
    try:
        r = srv.get(f"/globus-kit/collections/{PUBLIC}/ls?path=/")
        body = r.json()
        assert (r.status_code, body["code"]) == (401, "TOKEN_EXPIRED")
        assert "hub control panel" in body["message"]
        assert data["tokens"]["transfer.api.globus.org"]["access_token"] not in r.text
    finally:
        srv.stop()
