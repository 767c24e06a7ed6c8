"""The provider and OIDC routes (issue #9) in a real jupyter_server against the emulator's
OIDC realm (``--platform --auto-approve``): providers, status with client credentials and
with a stored login, a PKCE login through the server callback and by pasted code, the token
file it writes (same format and path rule as the kernel's), refresh, logout, and no secret
in any answer or the server log."""

from __future__ import annotations

import hashlib
import json
import stat
import time
import urllib.parse
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from jupyterlab_globus_kit.oidc import oidc_token_file_path
from jupyterlab_globus_kit.token_store import TokenFile

from .processes import SERVER_TOKEN, Emulator, JupyterServer

APP_CLIENT = "app-client"
NOTEBOOK_CLIENT = "notebook-client"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator("--platform", "--auto-approve")
    yield emu
    emu.stop()


def oidc_env(emulator: Emulator, app: bool) -> Dict[str, str]:
    env = {"GLOBUS_KIT_OIDC_ISSUER": emulator.env["GLOBUS_KIT_OIDC_ISSUER"],
           "GLOBUS_KIT_PLATFORM_URL": emulator.env.get("GLOBUS_KIT_PLATFORM_URL", "")}
    if app:
        env["GLOBUS_KIT_OIDC_CLIENT_ID"] = emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_ID"]
        env["GLOBUS_KIT_OIDC_CLIENT_SECRET"] = emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_SECRET"]
    else:
        env["GLOBUS_KIT_OIDC_CLIENT_ID"] = emulator.env["GLOBUS_KIT_OIDC_CLIENT_ID"]
    return env


@pytest.fixture(scope="module")
def app_server(emulator: Emulator) -> Iterator[JupyterServer]:
    srv = JupyterServer(oidc_env(emulator, app=True))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def login_server(emulator: Emulator) -> Iterator[JupyterServer]:
    srv = JupyterServer(oidc_env(emulator, app=False))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def plain_server(emulator: Emulator) -> Iterator[JupyterServer]:
    env = {k: v for k, v in emulator.env.items() if k.startswith("GLOBUS_SDK_SERVICE_URL_")}
    env["GLOBUS_DATA"] = emulator.env["GLOBUS_DATA"]
    srv = JupyterServer(env)
    yield srv
    srv.stop()


def token_file(server: JupyterServer, emulator: Emulator) -> Path:
    issuer = emulator.env["GLOBUS_KIT_OIDC_ISSUER"]
    return Path(oidc_token_file_path(issuer, NOTEBOOK_CLIENT,
                                     {"JUPYTER_DATA_DIR": str(Path(server.tmp.name, "data"))}))


def log_in_by_callback(server: JupyterServer) -> requests.Response:
    start = server.post("/globus-kit/oidc/login", {})
    assert start.status_code == 200, start.text
    body = start.json()
    assert body["redirectUri"] == f"{server.url}/globus-kit/oidc/login/callback"
    r = requests.get(body["url"], allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    location = r.headers["Location"]
    assert location.startswith(body["redirectUri"] + "?")
    # The browser follows the redirect with its Jupyter cookie; the test sends the token.
    return server.get(location[len(server.url):])


def stored_secrets(path: Path) -> List[str]:
    doc = TokenFile(str(path)).read() or {"tokens": {}}
    out = [doc.get("id_token") or ""]
    for t in doc["tokens"].values():
        out += [t["access_token"], t.get("refresh_token") or ""]
    return [s for s in out if s]


class TestProviders:
    def test_should_list_globus_and_the_oidc_issuer_host(self, app_server: JupyterServer,
                                                         emulator: Emulator) -> None:
        r = app_server.get("/globus-kit/providers")
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "no-store"
        providers = {p["id"]: p for p in r.json()["providers"]}
        issuer = emulator.env["GLOBUS_KIT_OIDC_ISSUER"]
        assert providers["globus"] == {"id": "globus", "label": "Globus", "configured": False}
        assert providers["oidc"]["configured"] is True
        assert providers["oidc"]["issuer"] == issuer
        assert providers["oidc"]["label"] == urllib.parse.urlsplit(issuer).netloc

    def test_should_report_oidc_unconfigured_without_the_variables(
            self, plain_server: JupyterServer) -> None:
        providers = {p["id"]: p for p in plain_server.get("/globus-kit/providers").json()
                     ["providers"]}
        assert providers["globus"]["configured"] is True
        assert providers["oidc"]["configured"] is False
        status = plain_server.get("/globus-kit/oidc/status").json()
        assert status["configured"] is False and status["source"] == "none"
        r = plain_server.get("/globus-kit/workspaces")
        assert r.status_code == 404 and r.json()["code"] == "OIDC_NOT_CONFIGURED"

    def test_should_need_jupyter_authentication(self, app_server: JupyterServer) -> None:
        for path in ("/globus-kit/providers", "/globus-kit/oidc/status",
                     "/globus-kit/workspaces"):
            assert app_server.get(path, token=None).status_code == 403


class TestOidcStatus:
    def test_should_use_client_credentials_of_the_app(self, app_server: JupyterServer) -> None:
        r = app_server.get("/globus-kit/oidc/status")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["source"] == "client-credentials"
        assert body["problem"] is None
        assert body["identity"]["preferred_username"] == "service-account-app-client"
        assert body["token"]["status"] == "ok"
        assert 200 < body["token"]["expires_in"] <= 300
        assert "platform" in body["token"]["scopes"]
        assert abs(body["serverTime"] - time.time()) < 5

    def test_should_say_none_before_a_login(self, login_server: JupyterServer) -> None:
        body = login_server.get("/globus-kit/oidc/status").json()
        assert body["source"] == "none" and body["identity"] is None and body["token"] is None
        assert body["loginAvailable"] is True
        r = login_server.get("/globus-kit/workspaces")
        assert r.status_code == 401 and r.json()["code"] == "OIDC_LOGIN_REQUIRED"


class TestOidcLogin:
    def test_should_log_in_through_the_callback_and_store_the_kernels_file(
            self, login_server: JupyterServer, emulator: Emulator) -> None:
        page = log_in_by_callback(login_server)
        assert page.status_code == 200, page.text
        assert "Logged in as alice" in page.text
        path = token_file(login_server, emulator)
        assert path.exists()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        doc = json.loads(path.read_text())
        assert doc["format"] == "jupyterlab-globus-kit/tokens" and doc["format_version"] == 1
        assert doc["client_id"] == NOTEBOOK_CLIENT
        assert doc["auth_base_url"] == emulator.env["GLOBUS_KIT_OIDC_ISSUER"]
        assert doc["identity"]["preferred_username"] == "alice"
        token = doc["tokens"]["oidc"]
        assert token["resource_server"] == "oidc"
        assert token["refresh_token"] and token["expires_at_seconds"] > time.time() + 200
        # the path rule: first 16 hex of sha256(issuer + "\n" + client id)
        h = hashlib.sha256(f"{doc['auth_base_url']}\n{NOTEBOOK_CLIENT}".encode()).hexdigest()
        assert path.name == f"oidc-{h[:16]}.json"

        body = login_server.get("/globus-kit/oidc/status").json()
        assert body["source"] == "stored-login"
        assert body["identity"] == {"sub": doc["identity"]["sub"],
                                    "preferred_username": "alice",
                                    "name": "Alice Researcher", "email": "alice@example.org"}
        assert body["token"]["status"] == "ok"

    def test_should_renew_an_expiring_token_with_the_refresh_token(
            self, login_server: JupyterServer, emulator: Emulator) -> None:
        path = token_file(login_server, emulator)
        store = TokenFile(str(path))
        before = store.read()
        assert before is not None
        old = before["tokens"]["oidc"]

        def expire(doc: dict) -> dict:
            doc["tokens"]["oidc"]["expires_at_seconds"] = int(time.time()) + 10
            return doc

        store.update(expire)
        body = login_server.get("/globus-kit/oidc/status").json()
        assert body["problem"] is None, body
        assert body["token"]["expires_in"] > 200
        after = store.read()
        assert after is not None
        new = after["tokens"]["oidc"]
        assert new["access_token"] != old["access_token"]
        assert new["refresh_token"] != old["refresh_token"]  # rotated and written back

    def test_should_refuse_a_code_with_no_login_waiting(
            self, login_server: JupyterServer) -> None:
        r = login_server.post("/globus-kit/oidc/login/complete", {"code": "abc", "state": "x"})
        assert r.status_code == 409 and r.json()["code"] == "OIDC_NO_PENDING_LOGIN"
        r = login_server.post("/globus-kit/oidc/login/complete", {"code": "a b\u0000"})
        assert r.status_code == 400 and r.json()["code"] == "BAD_INPUT"
        r = login_server.post("/globus-kit/oidc/login", {"redirect": "elsewhere"})
        assert r.status_code == 400

    def test_should_log_in_with_a_pasted_code(self, login_server: JupyterServer) -> None:
        start = login_server.post("/globus-kit/oidc/login", {"redirect": "paste"})
        assert start.status_code == 200, start.text
        body = start.json()
        assert body["redirectUri"].endswith("/protocol/openid-connect/oob")
        r = requests.get(body["url"], allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)
        done = login_server.post("/globus-kit/oidc/login/complete",
                                 {"code": query["code"][0], "state": query["state"][0]})
        assert done.status_code == 200, done.text
        assert done.json()["identity"]["preferred_username"] == "alice"
        # a code works once
        again = login_server.post("/globus-kit/oidc/login/complete",
                                  {"code": query["code"][0], "state": query["state"][0]})
        assert again.status_code == 409

    def test_issue_15_login_body_cannot_set_the_authorize_urls_parameters(
            self, login_server: JupyterServer) -> None:
        """oidc/login reads only ``redirect``: its authorize URL comes from the server's
        configuration, whatever else the body holds (checked for issue 15's hole in the
        Globus login route; this route never had it)."""
        evil = "https://attacker.example/cb"
        r = login_server.post("/globus-kit/oidc/login", {
            "redirect": "paste", "redirect_uri": evil, "client_id": "attacker",
            "code_challenge": "x", "authorizationParameters": {"redirect_uri": evil,
                                                               "code_challenge": "x"}})
        assert r.status_code == 200, r.text
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.json()["url"]).query)
        assert q["redirect_uri"][0].endswith("/protocol/openid-connect/oob")
        assert q["client_id"] == [NOTEBOOK_CLIENT]
        assert q["code_challenge"] != ["x"] and q["code_challenge_method"] == ["S256"]
        assert evil not in r.text

    def test_should_show_only_an_oauth_error_code_on_the_callback_page(
            self, login_server: JupyterServer) -> None:
        for error, shown in [("access_denied", "access_denied"),
                             ("Call 555-0100 to restore your account", "no code")]:
            r = login_server.get("/globus-kit/oidc/login/callback?" + urllib.parse.urlencode(
                {"error": error}))
            assert r.status_code == 400
            assert f"The provider answered: {shown}." in r.text
            assert "555-0100" not in r.text

    @staticmethod
    def approved(server: JupyterServer) -> Dict[str, str]:
        """Start a callback login and let the realm approve it: the query the browser
        comes back with (code, state, iss)."""
        start = server.post("/globus-kit/oidc/login", {})
        assert start.status_code == 200, start.text
        r = requests.get(start.json()["url"], allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)
        return {k: v[0] for k, v in query.items()}

    @staticmethod
    def callback(server: JupyterServer, query: Dict[str, str]) -> requests.Response:
        return server.get("/globus-kit/oidc/login/callback?" + urllib.parse.urlencode(query))

    @pytest.mark.parametrize("crafted", [
        lambda real: {"code": "AttackersOwnCode", "iss": real["iss"]},  # no state
        lambda real: {"code": "AttackersOwnCode", "state": "never-made", "iss": real["iss"]},
        lambda real: {"code": "AttackersOwnCode", "state": real["state"],
                      "iss": "http://127.0.0.1:1/realms/evil"},
        # the realm advertises authorization_response_iss_parameter_supported: iss required
        lambda real: {"code": real["code"], "state": real["state"]},
        lambda real: {"code": "NotTheRightCode", "state": real["state"], "iss": real["iss"]},
    ])
    def test_regression_15_a_crafted_callback_link_does_not_spoil_the_real_login(
            self, login_server: JupyterServer, crafted) -> None:
        real = self.approved(login_server)
        query = crafted(real)
        page = self.callback(login_server, query)
        done = self.callback(login_server, real)
        assert done.status_code == 200, done.text
        assert "Logged in as alice" in done.text
        assert page.status_code in (400, 409), page.text
        assert "Login failed" in page.text
        assert "Start the login again from the sidebar." in page.text
        if "state" not in query:
            assert "missing its state" in page.text
        if "iss" not in query:
            assert "does not name its issuer" in page.text

    def test_regression_15_a_refused_pasted_code_keeps_the_login_waiting(
            self, login_server: JupyterServer) -> None:
        start = login_server.post("/globus-kit/oidc/login", {"redirect": "paste"}).json()
        r = requests.get(start["url"], allow_redirects=False, timeout=10)
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)
        wrong = login_server.post("/globus-kit/oidc/login/complete", {"code": "NotTheRightCode"})
        assert wrong.status_code == 400 and wrong.json()["code"] == "OIDC_LOGIN_FAILED", wrong.text
        done = login_server.post("/globus-kit/oidc/login/complete", {"code": code["code"][0]})
        assert done.status_code == 200, done.text

    def test_should_refuse_a_callback_from_another_issuer(
            self, login_server: JupyterServer) -> None:
        start = login_server.post("/globus-kit/oidc/login", {}).json()
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(start["url"]).query)["state"][0]
        r = login_server.get("/globus-kit/oidc/login/callback?" + urllib.parse.urlencode(
            {"code": "x", "state": state, "iss": "http://127.0.0.1:1/realms/evil"}))
        assert r.status_code == 400 and "another issuer" in r.text


class TestSecrets:
    def test_should_never_send_or_log_a_secret(self, app_server: JupyterServer,
                                               login_server: JupyterServer,
                                               emulator: Emulator) -> None:
        path = token_file(login_server, emulator)
        secrets = stored_secrets(path)
        secrets.append(emulator.env["GLOBUS_KIT_OIDC_APP_CLIENT_SECRET"])
        secrets.append(SERVER_TOKEN)
        secrets += emulator.issued_secrets()  # incl. the STS keys the server got
        assert len(secrets) >= 4
        everything = app_server.responses + login_server.responses
        logs = app_server.output() + login_server.output()
        for secret in secrets:
            for text in everything:
                assert secret not in text
            assert secret not in logs
        for text in everything:
            assert "access_token" not in text and "refresh_token" not in text
            assert "code_verifier" not in text and "secret_key" not in text


class TestLogout:
    def test_should_revoke_and_delete_the_stored_login(
            self, login_server: JupyterServer, emulator: Emulator) -> None:
        path = token_file(login_server, emulator)
        doc = TokenFile(str(path)).read()
        assert doc is not None
        refresh = doc["tokens"]["oidc"]["refresh_token"]
        r = login_server.post("/globus-kit/oidc/logout")
        assert r.status_code == 200, r.text
        assert r.json()["removed"] is True and r.json()["revoked"] >= 1
        assert not path.exists()
        assert login_server.get("/globus-kit/oidc/status").json()["source"] == "none"
        # the revoked refresh token is dead at the realm
        issuer = emulator.env["GLOBUS_KIT_OIDC_ISSUER"]
        dead = requests.post(f"{issuer}/protocol/openid-connect/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh,
            "client_id": NOTEBOOK_CLIENT}, timeout=10)
        assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


class TestSharedPendingLogins:
    def test_should_finish_a_login_the_kernel_started(self, login_server: JupyterServer,
                                                      emulator: Emulator) -> None:
        """A login started in a cell waits in ``pending-logins.json`` next to the token file
        (the kernel's entry shape, no nonce); the sidebar's paste box finishes it."""
        from jupyterlab_globus_kit.login import make_pkce_pair
        from jupyterlab_globus_kit.token_store import write_atomically

        issuer = emulator.env["GLOBUS_KIT_OIDC_ISSUER"]
        oob = f"{issuer}/protocol/openid-connect/oob"
        verifier, challenge = make_pkce_pair()
        path = token_file(login_server, emulator)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pending = path.parent / "pending-logins.json"
        entry = {"state": "kernel-state-1", "code_verifier": verifier,
                 "scopes": ["openid", "platform"], "redirect_uri": oob,
                 "client_id": NOTEBOOK_CLIENT, "auth_base_url": issuer,
                 "created_at": time.time()}
        write_atomically(str(pending), json.dumps({"pending": {entry["state"]: entry}}))
        url = f"{issuer}/protocol/openid-connect/auth?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": NOTEBOOK_CLIENT, "redirect_uri": oob,
            "scope": "openid platform", "state": entry["state"], "code_challenge": challenge,
            "code_challenge_method": "S256"})
        r = requests.get(url, allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.text
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)
        done = login_server.post("/globus-kit/oidc/login/complete", {"code": code["code"][0]})
        assert done.status_code == 200, done.text
        assert done.json()["identity"]["preferred_username"] == "alice"
        assert not pending.exists(), "the entry was taken"
        assert login_server.get("/globus-kit/oidc/status").json()["source"] == "stored-login"

    def test_should_leave_the_verifier_in_the_shared_file_not_the_answer(
            self, login_server: JupyterServer, emulator: Emulator) -> None:
        start = login_server.post("/globus-kit/oidc/login", {"redirect": "paste"})
        assert start.status_code == 200
        pending = token_file(login_server, emulator).parent / "pending-logins.json"
        doc = json.loads(pending.read_text())
        entry = doc["pending"][start.json()["state"]]
        assert stat.S_IMODE(pending.stat().st_mode) == 0o600
        assert entry["client_id"] == NOTEBOOK_CLIENT and entry["redirect_uri"].endswith("/oob")
        assert entry["code_verifier"] not in start.text
