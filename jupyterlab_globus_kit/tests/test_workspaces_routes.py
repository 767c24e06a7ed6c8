"""The workspace routes (issue #9) in a real jupyter_server against the emulator's research
platform (OIDC realm, workspace API, S3 server): the workspace list for a person and for an
application, one workspace, folder listings through STS credentials and S3 ListObjectsV2
(delimiter ``/``) with continuation markers, bad names and prefixes refused before any call,
another user's workspace as 404, and no token, secret key or session token in any answer or
the server log."""

from __future__ import annotations

import urllib.parse
from typing import Dict, Iterator, List

import boto3
import pytest
import requests
from botocore.config import Config

from jupyterlab_globus_kit.oidc import oidc_token_file_path
from jupyterlab_globus_kit.token_store import TokenFile

from .processes import Emulator, JupyterServer

ALICE_WS = "demo-alice-private-workspace"
SERVICE_WS = "demo-processing-results-service-workspace"
BOB_WS = "demo-bob-private-workspace"
PAGED = [f"paged/file-{i:02d}.txt" for i in range(7)]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator("--platform", "--auto-approve")
    yield emu
    emu.stop()


def _env(emulator: Emulator, app: bool) -> Dict[str, str]:
    env = {"GLOBUS_KIT_OIDC_ISSUER": emulator.env["GLOBUS_KIT_OIDC_ISSUER"],
           "GLOBUS_KIT_PLATFORM_URL": emulator.env["GLOBUS_KIT_PLATFORM_URL"]}
    if app:
        env["GLOBUS_KIT_OIDC_CLIENT_ID"] = emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_ID"]
        env["GLOBUS_KIT_OIDC_CLIENT_SECRET"] = emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_SECRET"]
    else:
        env["GLOBUS_KIT_OIDC_CLIENT_ID"] = emulator.env["GLOBUS_KIT_OIDC_CLIENT_ID"]
    return env


def _app_token(emulator: Emulator) -> str:
    issuer = emulator.env["GLOBUS_KIT_OIDC_ISSUER"]
    r = requests.post(f"{issuer}/protocol/openid-connect/token", data={
        "grant_type": "client_credentials", "scope": "openid profile email platform"},
        auth=(emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_ID"],
              emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_SECRET"]), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="module")
def seeded(emulator: Emulator) -> List[str]:
    """Seven objects in the service workspace (put with the test's own STS keys) and the
    secrets the test itself saw."""
    token = _app_token(emulator)
    sts = requests.get(f"{emulator.env['GLOBUS_KIT_PLATFORM_URL']}/v2/storage/workspaces/"
                       f"{SERVICE_WS}/sts", headers={"Authorization": f"Bearer {token}"},
                       timeout=10).json()
    creds = sts["credentials"]
    s3 = boto3.session.Session().client(
        "s3", endpoint_url=sts["storage"]["properties"]["service_url"][0],
        region_name="us-east-1", aws_access_key_id=creds["access_key"],
        aws_secret_access_key=creds["secret_key"], aws_session_token=creds["token"],
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    bucket = sts["storage"]["properties"]["bucket"][0]
    prefix = sts["storage"]["properties"]["key"][0]
    for key in PAGED:
        s3.put_object(Bucket=bucket, Key=prefix + key, Body=b"x" * 3)
    s3.put_object(Bucket=bucket, Key=prefix + "paged/sub/inner.txt", Body=b"y")
    return [token, creds["secret_key"], creds["token"]]


@pytest.fixture(scope="module")
def app_server(emulator: Emulator) -> Iterator[JupyterServer]:
    srv = JupyterServer(_env(emulator, app=True))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def alice_server(emulator: Emulator) -> Iterator[JupyterServer]:
    srv = JupyterServer(_env(emulator, app=False))
    start = srv.post("/globus-kit/oidc/login", {})
    assert start.status_code == 200, start.text
    r = requests.get(start.json()["url"], allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    done = srv.get(r.headers["Location"][len(srv.url):])
    assert done.status_code == 200, done.text
    yield srv
    srv.stop()


def ls(server: JupyterServer, workspace: str, **query: str) -> requests.Response:
    q = f"?{urllib.parse.urlencode(query)}" if query else ""
    return server.get(f"/globus-kit/workspaces/{urllib.parse.quote(workspace, safe='')}/ls{q}")


class TestWorkspaceList:
    def test_should_list_alices_workspaces_with_bucket_and_prefix(
            self, alice_server: JupyterServer, emulator: Emulator) -> None:
        r = alice_server.get("/globus-kit/workspaces")
        assert r.status_code == 200, r.text
        assert r.headers["Cache-Control"] == "no-store"
        by_name = {w["name"]: w for w in r.json()["workspaces"]}
        assert set(by_name) == {ALICE_WS, SERVICE_WS}
        alice = by_name[ALICE_WS]
        assert alice["storage_type"] == "s3"
        assert alice["bucket"] == "demo-workspaces" and alice["prefix"] == "alice/"
        assert alice["endpoint"] == emulator.env["GLOBUS_KIT_S3_ENDPOINT"]
        assert "s3:ListBucket" in alice["scopes"]

    def test_should_list_only_the_service_workspace_for_the_app(
            self, app_server: JupyterServer) -> None:
        r = app_server.get("/globus-kit/workspaces")
        assert r.status_code == 200, r.text
        assert [w["name"] for w in r.json()["workspaces"]] == [SERVICE_WS]

    def test_should_get_one_and_404_another_users(self, alice_server: JupyterServer) -> None:
        r = alice_server.get(f"/globus-kit/workspaces/{ALICE_WS}")
        assert r.status_code == 200 and r.json()["prefix"] == "alice/"
        r = alice_server.get(f"/globus-kit/workspaces/{BOB_WS}")
        assert r.status_code == 404 and r.json()["code"] == "WORKSPACE_NOT_FOUND"


class TestWorkspaceLs:
    def test_should_list_folders_then_the_seeded_csv(self, alice_server: JupyterServer
                                                     ) -> None:
        top = ls(alice_server, ALICE_WS)
        assert top.status_code == 200, top.text
        body = top.json()
        assert body["workspace"] == ALICE_WS and body["prefix"] == ""
        assert {"name": "weather", "type": "dir", "size": 0, "last_modified": None} \
            in body["entries"]
        assert body["next_marker"] is None
        inner = ls(alice_server, ALICE_WS, prefix="./weather//")
        assert inner.status_code == 200, inner.text
        assert inner.json()["prefix"] == "weather/"
        files = {e["name"]: e for e in inner.json()["entries"]}
        csv = files["station-1.csv"]
        assert csv["type"] == "file" and csv["size"] > 100 and csv["last_modified"]

    def test_should_page_with_the_continuation_marker(
            self, app_server: JupyterServer, seeded: List[str]) -> None:
        names: List[str] = []
        marker = None
        pages = 0
        while pages < 10:
            query = {"prefix": "paged/", "limit": "3", **({"marker": marker} if marker else {})}
            r = ls(app_server, SERVICE_WS, **query)
            assert r.status_code == 200, r.text
            body = r.json()
            assert len(body["entries"]) <= 3
            names += [e["name"] + ("/" if e["type"] == "dir" else "") for e in body["entries"]]
            pages += 1
            marker = body["next_marker"]
            if not marker:
                break
        assert pages == 3
        assert sorted(names) == sorted([k[len("paged/"):] for k in PAGED] + ["sub/"])

    @pytest.mark.parametrize("name", ["bad name", "..", ".hidden", "a/b", "x" * 300])
    def test_should_refuse_a_bad_workspace_name(self, alice_server: JupyterServer,
                                                name: str) -> None:
        r = alice_server.get(f"/globus-kit/workspaces/{urllib.parse.quote(name, safe='')}/ls")
        assert r.status_code in (400, 404), r.text
        if r.status_code == 400:
            assert r.json()["code"] == "BAD_INPUT"

    @pytest.mark.parametrize("prefix,code", [
        ("../bob/", "BAD_PATH"), ("weather/../../bob/", "BAD_PATH"), ("/alice/", "BAD_PATH"),
        ("weather\x00/", "BAD_PATH"), ("weather\n", "BAD_PATH"),
    ])
    def test_should_refuse_a_bad_prefix_before_any_call(
            self, alice_server: JupyterServer, prefix: str, code: str) -> None:
        r = ls(alice_server, ALICE_WS, prefix=prefix)
        assert r.status_code == 400 and r.json()["code"] == code, r.text

    def test_should_refuse_a_bad_marker_and_limit(self, alice_server: JupyterServer) -> None:
        assert ls(alice_server, ALICE_WS, marker="a b").json()["code"] == "BAD_INPUT"
        assert ls(alice_server, ALICE_WS, limit="0").status_code == 400
        assert ls(alice_server, ALICE_WS, limit="1001").status_code == 400

    def test_should_answer_404_for_another_users_workspace(
            self, alice_server: JupyterServer) -> None:
        r = ls(alice_server, ALICE_WS.replace("alice", "bob"))
        assert r.status_code == 404 and r.json()["code"] == "WORKSPACE_NOT_FOUND"


class TestSecrets:
    def test_should_never_send_or_log_a_token_or_key(
            self, alice_server: JupyterServer, app_server: JupyterServer, emulator: Emulator,
            seeded: List[str]) -> None:
        path = oidc_token_file_path(emulator.env["GLOBUS_KIT_OIDC_ISSUER"],
                                    emulator.env["GLOBUS_KIT_OIDC_CLIENT_ID"],
                                    {"JUPYTER_DATA_DIR": f"{alice_server.tmp.name}/data"})
        doc = TokenFile(path).read()
        assert doc is not None
        secrets = [doc["tokens"]["oidc"]["access_token"], doc["tokens"]["oidc"]["refresh_token"],
                   emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_SECRET"], *seeded]
        secrets += emulator.issued_secrets()  # incl. the STS keys the server got
        everything = alice_server.responses + app_server.responses
        logs = alice_server.output() + app_server.output()
        for secret in secrets:
            assert secret
            assert not any(secret in text for text in everything)
            assert secret not in logs
        for text in everything:
            for word in ("access_key", "secret_key", "session_token", "access_token",
                         "\"token\""):
                assert word not in text
