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
