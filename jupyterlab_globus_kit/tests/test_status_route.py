"""GET /globus-kit/status against a real jupyter_server process (pytest-jupyter is not
available here, so the server runs as a subprocess with a known token)."""

from __future__ import annotations

import json
import time
from typing import Iterator, Optional

import pytest

from .conftest import AUTH_TOKEN, SECRETS, encode, shape_16
from .processes import JupyterServer


def start_server(globus_data: Optional[str]) -> JupyterServer:
    """A jupyter_server with this extension, given GLOBUS_DATA (or none)."""
    return JupyterServer({} if globus_data is None else {"GLOBUS_DATA": globus_data})


@pytest.fixture(scope="module")
def server() -> Iterator[JupyterServer]:
    s = start_server(encode(shape_16(iat=int(time.time())), 4))
    yield s
    s.stop()


class TestStatusRoute:
    def test_should_answer_identity_and_tokens(self, server):
        r = server.get("/globus-kit/status")
        assert r.status_code == 200
        body = r.json()
        assert body["available"] is True
        assert body["shape"] == "16+"
        assert body["identity"]["name"] == "Demo User"
        rows = {t["resourceServer"]: t for t in body["tokens"]}
        assert set(rows) == {"auth.globus.org", "groups.api.globus.org", "transfer.api.globus.org"}
        assert rows["transfer.api.globus.org"]["status"] == "active"
        assert rows["transfer.api.globus.org"]["expiresAt"] > time.time()
        assert r.headers["Cache-Control"] == "no-store"

    def test_should_not_contain_any_token(self, server):
        text = server.get("/globus-kit/status").text
        for secret in SECRETS:
            assert secret not in text
        id_token = shape_16(iat=0)["token_response"]["id_token"]
        assert id_token.split(".")[2] not in text  # the JWT's signature segment

    def test_should_require_authentication(self, server):
        r = server.get("/globus-kit/status", token=None)
        assert r.status_code in (401, 403)
        assert AUTH_TOKEN not in r.text

    def test_server_log_should_not_contain_any_token(self, server):
        server.get("/globus-kit/status")
        log = server.output()
        assert "jupyterlab_globus_kit" in log
        for secret in SECRETS:
            assert secret not in log


def test_status_without_globus_data_says_what_to_do():
    s = start_server(None)
    try:
        body = s.get("/globus-kit/status").json()
    finally:
        s.stop()
    assert body["available"] is False
    assert body["source"] == "none"
    assert body["problem"]["code"] == "no-globus-data"
    assert "GLOBUS_DATA" in body["problem"]["message"]


def test_status_with_a_hostile_pickle_reports_a_typed_problem(tmp_path):
    class Evil:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    s = start_server(encode(Evil(), 4))
    try:
        body = s.get("/globus-kit/status").json()
    finally:
        s.stop()
    assert body["available"] is False
    assert body["problem"]["code"] == "globus-data-forbidden-class"
    assert not (tmp_path / "pwned").exists()


def strict_loads(text: str):
    """JSON.parse's rules: NaN and Infinity are not JSON."""
    def refuse(word: str):
        raise ValueError(f"{word} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("field,value", [("expires_in", float("nan")),
                                         ("expires_at_seconds", float("inf")),
                                         ("expires_at_seconds", float("-inf"))])
def test_status_with_a_non_finite_expiry_is_valid_json_with_an_unknown_expiry(field, value):
    """regression #15: `expires_in: NaN` (or an infinite `expires_at_seconds`) in GLOBUS_DATA
    made /globus-kit/status write `NaN` / `Infinity`, which the sidebar cannot parse."""
    data = shape_16(iat=int(time.time()))
    data["tokens"]["transfer.api.globus.org"].pop("expires_in")
    data["tokens"]["transfer.api.globus.org"][field] = value
    s = start_server(encode(data, 4))
    try:
        r = s.get("/globus-kit/status")
    finally:
        s.stop()
    assert r.status_code == 200
    body = strict_loads(r.text)
    rows = {t["resourceServer"]: t for t in body["tokens"]}
    assert rows["transfer.api.globus.org"]["expiresAt"] is None
    assert rows["transfer.api.globus.org"]["status"] == "unknown"
    assert rows["transfer.api.globus.org"]["expiresAtSource"] == "unknown"
    assert rows["auth.globus.org"]["status"] == "active"  # the other tokens are untouched


HUB_GAVE_NONE = "The hub gave this server no Globus tokens. Log out of the hub and log in again"


@pytest.mark.parametrize("empty", [{}, ""])
def test_status_with_no_hub_tokens_says_only_what_is_known(empty):
    """regression #15: after a hub logout that revokes the tokens (`tokens: {}`, or `""`
    before 0.12) the sidebar said they "were revoked at hub logout" and the routes that the
    hub admin should "add the scope": causes the server cannot know. The status now has its
    own code and says what is known and what to do; the revoked copies in token_response
    are not offered as tokens."""
    data = shape_16(iat=int(time.time()))
    data["tokens"] = empty
    s = start_server(encode(data, 4))
    try:
        body = strict_loads(s.get("/globus-kit/status").text)
        r = s.get("/globus-kit/collections/a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01")
    finally:
        s.stop()
    assert body["source"] == "GLOBUS_DATA" and body["tokens"] == []
    assert body["problem"] == {"code": "no-hub-tokens", "message": HUB_GAVE_NONE + "."}
    assert body["identity"]["name"] == "Demo User"  # what the hub did give is still shown
    assert r.status_code == 401
    assert r.json()["code"] == "NO_CREDENTIALS" and r.json()["message"] == HUB_GAVE_NONE + "."


def test_no_hub_tokens_offers_the_sidebar_login_when_a_native_client_is_configured(tmp_path):
    """regression #15: with GLOBUS_KIT_CLIENT_ID the remedy adds the sidebar login, and a
    stored login is then used instead of the empty GLOBUS_DATA (it used to be shadowed)."""
    from jupyterlab_globus_kit.login import LoginManager
    from jupyterlab_globus_kit.status import GlobusState
    from jupyterlab_globus_kit.token_store import TokenFile

    data = shape_16(iat=int(time.time()))
    data["tokens"] = {}
    env = {"GLOBUS_DATA": encode(data, 4), "GLOBUS_KIT_CLIENT_ID": "native-client",
           "GLOBUS_KIT_SERVER_TOKEN_FILE": str(tmp_path / "tokens.json")}
    state = GlobusState(env)
    manager = LoginManager(state, env)
    problem = state.status()["problem"]
    assert problem == {"code": "no-hub-tokens", "message": HUB_GAVE_NONE
                       + ", or log in with Globus from the sidebar."}
    TokenFile(env["GLOBUS_KIT_SERVER_TOKEN_FILE"]).update(lambda cur: {
        "client_id": "native-client", "auth_base_url": "http://127.0.0.1:9", "identity": None,
        "id_token": None, "tokens": {"transfer.api.globus.org": {
            "resource_server": "transfer.api.globus.org", "access_token": "AgStoredLogin0123",
            "refresh_token": None, "scope": "urn:globus:auth:scope:transfer.api.globus.org:all",
            "expires_at_seconds": None, "token_type": "Bearer"}}})
    assert manager.token("transfer.api.globus.org").access_token == "AgStoredLogin0123"
    status = state.status()
    assert status["source"] == "stored-login" and status["problem"] is None
