"""Hub mode: fresher auth_state from a (fake, loopback) JupyterHub user API before the
frozen GLOBUS_DATA, and the fallback when the hub withholds auth_state."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import quote

import pytest

from jupyterlab_globus_kit.hub import fetch_hub_auth_state
from jupyterlab_globus_kit.login import LoginManager
from jupyterlab_globus_kit.status import GlobusState
from jupyterlab_globus_kit.token_store import TokenFile

from .conftest import encode, shape_16

HUB_TOKEN = "hub-api-token-not-globus"
FRESH = "AgFreshFromHubSecret012345"
USER = "demo@example.edu"  # quoted in the URL: demo%40example.edu


class FakeHub:
    """Answers like a real JupyterHub (5.3.0, 3.0): ``GET /user`` always has
    ``"auth_state": null`` (jupyterhub/jupyterhub#5103); ``GET /users/{name}`` has the
    auth_state when the token holds ``admin:auth_state`` (``scoped``), else no such key."""

    def __init__(self, name: str = USER) -> None:
        self.auth_state: Optional[Dict[str, Any]] = None
        self.scoped = True
        self.name = name
        self.seen: List[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                hub.seen.append(f"{self.path} {self.headers.get('Authorization')}")
                if self.headers.get("Authorization") != f"token {HUB_TOKEN}":
                    self.send_response(403)
                    self.end_headers()
                    return
                body: Dict[str, Any] = {"kind": "user", "name": hub.name}
                if self.path == "/hub/api/user":
                    body["auth_state"] = None
                elif self.path == "/hub/api/users/" + quote(hub.name, safe=""):
                    if hub.scoped:
                        body["auth_state"] = hub.auth_state
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
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


def hub_env(hub: FakeHub, tmp_path: Any, **extra: str) -> Dict[str, str]:
    env = {"GLOBUS_DATA": encode(shape_16(1600000000)), "JUPYTERHUB_API_URL": hub.url,
           "JUPYTERHUB_API_TOKEN": HUB_TOKEN, "JUPYTERHUB_USER": USER,
           "GLOBUS_KIT_SERVER_TOKEN_FILE": str(tmp_path / "t.json")}
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def fresh_state(iat: int) -> Dict[str, Any]:
    st = shape_16(iat)
    st["tokens"]["transfer.api.globus.org"]["access_token"] = FRESH
    return st


def test_should_prefer_the_hub_auth_state_over_globus_data(hub: FakeHub, tmp_path) -> None:
    hub.auth_state = fresh_state(1700000000)
    env = hub_env(hub, tmp_path)
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert state.source == "hub-api"
    assert manager.token("transfer.api.globus.org").access_token == FRESH
    assert state.status()["source"] == "hub-api"
    assert [x.split()[0] for x in hub.seen] == ["/hub/api/users/demo%40example.edu"]
    assert FRESH not in json.dumps(state.status())


def test_should_fall_back_to_globus_data_without_the_auth_state_scope(hub: FakeHub,
                                                                      tmp_path) -> None:
    hub.auth_state = fresh_state(1700000000)
    hub.scoped = False  # the hub omits auth_state without admin:auth_state
    env = hub_env(hub, tmp_path)
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert state.source == "GLOBUS_DATA"
    assert "admin:auth_state" in (manager.hub_note or "")
    assert "GET /users/demo%40example.edu" in (manager.hub_note or "")
    assert state.status()["source"] == "GLOBUS_DATA"


def test_should_explain_a_refused_or_unreachable_hub(hub: FakeHub) -> None:
    data, why = fetch_hub_auth_state({"JUPYTERHUB_API_URL": hub.url,
                                      "JUPYTERHUB_API_TOKEN": "wrong", "JUPYTERHUB_USER": USER})
    assert data is None and "403" in (why or "") and "wrong" not in (why or "")
    data, why = fetch_hub_auth_state({"JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
                                      "JUPYTERHUB_API_TOKEN": HUB_TOKEN,
                                      "JUPYTERHUB_USER": USER}, timeout=2)
    assert data is None and "not reachable" in (why or "")


def test_should_use_the_hub_auth_state_that_only_users_name_returns(hub: FakeHub, tmp_path,
                                                                    caplog) -> None:
    """regression #15: a real hub answers `GET /user` with `"auth_state": null` even when the
    server token holds admin:auth_state (jupyterhub/jupyterhub#5103); only
    `GET /users/{name}` carries it. The server asked `/user`, so it never used the hub's
    renewed tokens and logged that the scope was missing."""
    hub.auth_state = fresh_state(1700000000)
    env = hub_env(hub, tmp_path)
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        state = GlobusState(env)
        manager = LoginManager(state, env)
    assert state.source == "hub-api"
    assert manager.token("transfer.api.globus.org").access_token == FRESH
    assert manager.hub_note is None
    assert "admin:auth_state" not in caplog.text


def test_should_say_which_answer_lacked_what_and_that_jupyterhub_user_is_unset(
        hub: FakeHub, tmp_path, caplog) -> None:
    """regression #15: the log named the scope as missing when it was not; it now names the
    request and what its answer lacked, and says when JUPYTERHUB_USER is unset."""
    hub.auth_state = fresh_state(1700000000)
    hub.scoped = False
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        manager = LoginManager(GlobusState(hub_env(hub, tmp_path)), hub_env(hub, tmp_path))
    assert manager.state.source == "GLOBUS_DATA"
    assert "the hub's answer to GET /users/demo%40example.edu has no auth_state" in caplog.text
    assert "falling back to GLOBUS_DATA" in caplog.text
    caplog.clear()
    seen = len(hub.seen)
    env = hub_env(hub, tmp_path, JUPYTERHUB_USER="")
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        manager = LoginManager(GlobusState(env), env)
    assert manager.state.source == "GLOBUS_DATA"
    assert "JUPYTERHUB_USER is not set" in caplog.text
    assert len(hub.seen) == seen  # nothing asked without a name
    assert HUB_TOKEN not in caplog.text and FRESH not in caplog.text
    hub.auth_state = {"client_id": "hub-client", "tokens": {}}
    hub.scoped = True
    data, why = fetch_hub_auth_state(hub_env(hub, tmp_path))
    assert why is None and data is not None and data.tokens == {}


def test_should_take_a_hub_auth_state_without_tokens_over_the_frozen_globus_data(
        hub: FakeHub, tmp_path) -> None:
    """A hub logout with revocation leaves `tokens: {}` in the hub's auth_state; the tokens
    in the GLOBUS_DATA given at server start are revoked too. Before, the server fell back to
    them, and every call failed 401 instead of saying the hub gave no tokens."""
    hub.auth_state = {"client_id": "hub-client", "tokens": {}}
    env = hub_env(hub, tmp_path)  # GLOBUS_DATA still holds (revoked) tokens
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert state.source == "hub-api"
    assert manager.token("transfer.api.globus.org") is None
    status = state.status()
    assert status["problem"]["code"] == "no-hub-tokens", status
    assert status["problem"]["message"].startswith("The hub gave this server no Globus tokens.")
    # A login from the sidebar (the stored login) then takes over without a restart.
    TokenFile(env["GLOBUS_KIT_SERVER_TOKEN_FILE"]).update(lambda cur: {
        "client_id": "native", "auth_base_url": "http://127.0.0.1:1", "identity": None,
        "id_token": None, "tokens": {"transfer.api.globus.org": {
            "resource_server": "transfer.api.globus.org", "access_token": FRESH,
            "refresh_token": None, "scope": "urn:globus:auth:scope:transfer.api.globus.org:all",
            "expires_at_seconds": 4000000000, "token_type": "Bearer"}}})
    assert manager.token("transfer.api.globus.org").access_token == FRESH
    assert state.source == "stored-login"


def test_should_take_the_hubs_renewed_token_after_a_401(hub: FakeHub, tmp_path) -> None:
    """regression #19: a real JupyterHub renews the Globus tokens in its auth_state
    (refresh_user) while the server keeps the answer it read for HUB_RECHECK (300 s). Globus
    then answered 401 to every route, and the server did not ask the hub again: the sidebar
    failed for up to 5 minutes while the hub held live tokens."""
    hub.auth_state = fresh_state(1700000000)
    env = hub_env(hub, tmp_path)
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert manager.token("transfer.api.globus.org").access_token == FRESH
    renewed = fresh_state(1700000000)
    renewed["tokens"]["transfer.api.globus.org"]["access_token"] = "AgRenewedByTheHub0123456"
    hub.auth_state = renewed
    # Within HUB_RECHECK the server keeps what it read...
    assert manager.token("transfer.api.globus.org").access_token == FRESH
    # ...until Globus refuses that token: then it asks the hub, and the route retries.
    assert manager.renew_after_401("transfer.api.globus.org", FRESH) is True
    assert manager.token("transfer.api.globus.org").access_token == "AgRenewedByTheHub0123456"
    assert state.source == "hub-api"
    # The hub holds the same (refused) token: nothing newer, the 401 stands.
    assert manager.renew_after_401("transfer.api.globus.org",
                                   "AgRenewedByTheHub0123456") is False


def test_should_show_what_the_hub_holds_now_on_a_status_refresh(hub: FakeHub,
                                                                tmp_path) -> None:
    """regression #19: after a hub logout that revoked the tokens, the status kept showing
    the hub's old tokens as active for up to HUB_RECHECK (300 s). The status route now
    re-asks the hub once its last answer is older than HUB_STATUS_RECHECK (5 s)."""
    from jupyterlab_globus_kit.login import HUB_STATUS_RECHECK

    hub.auth_state = fresh_state(1700000000)
    env = hub_env(hub, tmp_path)
    state = GlobusState(env)
    manager = LoginManager(state, env)
    asked = len(hub.seen)
    hub.auth_state = {"client_id": "hub-client", "tokens": {}}  # the hub logout revoked them
    asyncio.run(manager.refresh_source_async())
    assert len(hub.seen) == asked, "a status right after the last answer does not ask again"
    manager._hub_checked -= HUB_STATUS_RECHECK + 1  # that answer is now older than 5 s
    asyncio.run(manager.refresh_source_async())
    assert len(hub.seen) == asked + 1
    status = state.status()
    assert status["source"] == "hub-api"
    assert status["problem"]["code"] == "no-hub-tokens", status
    assert status["tokens"] == []
