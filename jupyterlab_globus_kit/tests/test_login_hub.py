"""Hub mode: fresher auth_state from a (fake, loopback) JupyterHub user API before the
frozen GLOBUS_DATA, and the fallback when the hub withholds auth_state."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, Iterator, List, Optional

import pytest

from jupyterlab_globus_kit.hub import fetch_hub_auth_state
from jupyterlab_globus_kit.login import LoginManager
from jupyterlab_globus_kit.status import GlobusState

from .conftest import encode, shape_16

HUB_TOKEN = "hub-api-token-not-globus"
FRESH = "AgFreshFromHubSecret012345"


class FakeHub:
    def __init__(self) -> None:
        self.auth_state: Optional[Dict[str, Any]] = None
        self.seen: List[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                hub.seen.append(f"{self.path} {self.headers.get('Authorization')}")
                if self.headers.get("Authorization") != f"token {HUB_TOKEN}":
                    self.send_response(403)
                    self.end_headers()
                    return
                body: Dict[str, Any] = {"kind": "user", "name": "demo"}
                if hub.auth_state is not None:
                    body["auth_state"] = hub.auth_state
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hub/api"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def hub() -> Iterator[FakeHub]:
    h = FakeHub()
    yield h
    h.close()


def fresh_state(iat: int) -> Dict[str, Any]:
    st = shape_16(iat)
    st["tokens"]["transfer.api.globus.org"]["access_token"] = FRESH
    return st


def test_should_prefer_the_hub_auth_state_over_globus_data(hub: FakeHub, tmp_path) -> None:
    hub.auth_state = fresh_state(1700000000)
    env = {"GLOBUS_DATA": encode(shape_16(1600000000)), "JUPYTERHUB_API_URL": hub.url,
           "JUPYTERHUB_API_TOKEN": HUB_TOKEN, "GLOBUS_KIT_TOKEN_FILE": str(tmp_path / "t.json")}
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert state.source == "hub-api"
    assert manager.token("transfer.api.globus.org").access_token == FRESH
    assert state.status()["source"] == "hub-api"
    assert hub.seen and hub.seen[0].startswith("/hub/api/user token ")
    assert FRESH not in json.dumps(state.status())


def test_should_fall_back_to_globus_data_without_the_auth_state_scope(hub: FakeHub,
                                                                      tmp_path) -> None:
    hub.auth_state = None  # the hub omits auth_state without admin:auth_state
    env = {"GLOBUS_DATA": encode(shape_16(1600000000)), "JUPYTERHUB_API_URL": hub.url,
           "JUPYTERHUB_API_TOKEN": HUB_TOKEN, "GLOBUS_KIT_TOKEN_FILE": str(tmp_path / "t.json")}
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert state.source == "GLOBUS_DATA"
    assert "admin:auth_state" in (manager.hub_note or "")
    assert state.status()["source"] == "GLOBUS_DATA"


def test_should_explain_a_refused_or_unreachable_hub(hub: FakeHub) -> None:
    data, why = fetch_hub_auth_state({"JUPYTERHUB_API_URL": hub.url,
                                      "JUPYTERHUB_API_TOKEN": "wrong"})
    assert data is None and "403" in (why or "") and "wrong" not in (why or "")
    data, why = fetch_hub_auth_state({"JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
                                      "JUPYTERHUB_API_TOKEN": HUB_TOKEN}, timeout=2)
    assert data is None and "not reachable" in (why or "")
