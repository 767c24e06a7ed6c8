"""The login routes in a real jupyter_server against the emulator (auto-approve): paste-code
and callback logins, the status source, refresh with rotation written back, a revoked
refresh token, step-up consent unlocking the mapped collection, and logout."""

from __future__ import annotations

import json
import os
import stat
import time
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest
import requests

from jupyterlab_globus_kit.token_store import TokenFile

from .processes import NATIVE_CLIENT_ID, Emulator, JupyterServer, serve_for_logins

PUBLIC = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"
MAPPED = "e56c36e4-1063-4a6e-a747-22000bf2d559"
TRANSFER = "transfer.api.globus.org"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator("--auto-approve")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[JupyterServer]:
    yield from serve_for_logins(emulator)


def token_path(server: JupyterServer) -> Path:
    return Path(server.tmp.name, "data", "globus-kit", "server", "tokens.json")


def approve(url: str) -> str:
    """Auto-approve answers the authorize URL with a redirect carrying the code."""
    r = requests.get(url, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def login_with_paste(server: JupyterServer, **body: object) -> dict:
    start = server.post("/globus-kit/login", {"redirect": "paste", **body})
    assert start.status_code == 200, start.text
    location = approve(start.json()["url"])
    assert location.startswith(start.json()["redirectUri"])
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    done = server.post("/globus-kit/login/complete", {"code": code})
    assert done.status_code == 200, done.text
    return done.json()


def stored_secrets(server: JupyterServer) -> list:
    doc = TokenFile(str(token_path(server))).read() or {"tokens": {}}
    out = []
    for t in doc["tokens"].values():
        out += [t["access_token"], t["refresh_token"]]
    return [s for s in out if s]


def test_should_report_no_source_and_that_login_is_possible(server: JupyterServer) -> None:
    body = server.get("/globus-kit/login").json()
    assert body["source"] == "none" and body["loginAvailable"] is True
    assert server.get("/globus-kit/status").json()["source"] == "none"


def test_should_log_in_with_a_pasted_code_pkce_offline(server: JupyterServer) -> None:
    start = server.post("/globus-kit/login", {"redirect": "paste"}).json()
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(start["url"]).query)
    assert q["code_challenge_method"] == ["S256"] and q["access_type"] == ["offline"]
    assert q["client_id"] == [NATIVE_CLIENT_ID]
    assert q["redirect_uri"][0].endswith("/v2/web/auth-code")
    location = approve(start["url"])
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
    done = server.post("/globus-kit/login/complete", {"code": location})  # whole URL works too
    assert done.status_code == 200, done.text
    assert done.json()["identity"]["preferred_username"]
    assert TRANSFER in done.json()["resourceServers"]
    assert stat.S_IMODE(os.stat(token_path(server)).st_mode) == 0o600
    status = server.get("/globus-kit/status").json()
    assert status["source"] == "stored-login" and status["available"] is True
    assert any(t["resourceServer"] == TRANSFER and t["hasRefreshToken"] for t in status["tokens"])
    again = server.post("/globus-kit/login/complete", {"code": code})
    assert again.status_code in (400, 409) and again.json()["code"] in (
        "LOGIN_FAILED", "NO_PENDING_LOGIN")


def test_should_log_in_through_the_server_callback(server: JupyterServer) -> None:
    start = server.post("/globus-kit/login", {"redirect": "callback"}).json()
    assert start["redirectUri"] == f"{server.url}/globus-kit/login/callback"
    location = approve(start["url"])
    assert location.startswith(start["redirectUri"])
    page = server.get(urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl())
    assert page.status_code == 200, page.text
    assert "Logged in" in page.text


def test_should_show_only_an_oauth_error_code_on_the_callback_page(
        server: JupyterServer) -> None:
    # Anyone can send the user a callback link: only an OAuth error code is echoed.
    for error, shown in [("access_denied", "access_denied"),
                         ("Call 555-0100 to restore your account", "no code"),
                         ("<b>bold</b>", "no code")]:
        page = server.get("/globus-kit/login/callback?" + urllib.parse.urlencode(
            {"error": error}))
        assert page.status_code == 400
        assert page.headers["Cache-Control"] == "no-store"
        assert f"Globus answered: {shown}." in page.text
        assert "555-0100" not in page.text and "bold" not in page.text


@pytest.mark.parametrize("key,value", [
    ("redirect_uri", "https://attacker.example/cb"), ("client_id", "attacker-client"),
    ("code_challenge", "attacker-challenge"), ("code_challenge_method", "plain"),
    ("state", "attacker-state"), ("scope", "openid"), ("access_type", "online"),
    ("response_type", "token"), ("required_scopes", ["openid"]),
])
def test_regression_15_authorization_parameters_cannot_overwrite_the_logins_own(
        server: JupyterServer, key: str, value: object) -> None:
    r = server.post("/globus-kit/login", {"redirect": "paste",
                                          "authorizationParameters": {key: value}})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "BAD_INPUT"
    for allowed in ("session_required_identities", "session_required_mfa", "session_message",
                    "prompt"):
        assert allowed in body["message"]


@pytest.mark.parametrize("params", [
    {"session_required_mfa": "yes"}, {"session_required_identities": "a,b"},
    {"session_required_policies": [5]}, {"session_message": {"a": 1}}, {"prompt": ["login"]},
])
def test_regression_15_authorization_parameters_of_the_wrong_type_are_bad_input(
        server: JupyterServer, params: dict) -> None:
    r = server.post("/globus-kit/login", {"redirect": "paste", "authorizationParameters": params})
    assert r.status_code == 400 and r.json()["code"] == "BAD_INPUT", r.text


def test_should_put_the_step_up_parameters_into_the_authorize_url(
        server: JupyterServer) -> None:
    r = server.post("/globus-kit/login", {"redirect": "paste", "authorizationParameters": {
        "session_required_identities": ["id-1", "id-2"], "session_required_mfa": True,
        "session_required_single_domain": ["example.edu"],
        "session_required_policies": ["policy-1"], "session_message": "Use your campus login",
        "prompt": "login"}})
    assert r.status_code == 200, r.text
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.json()["url"]).query)
    assert q["session_required_identities"] == ["id-1,id-2"]
    assert q["session_required_mfa"] == ["true"]
    assert q["session_required_single_domain"] == ["example.edu"]
    assert q["session_required_policies"] == ["policy-1"]
    assert q["session_message"] == ["Use your campus login"] and q["prompt"] == ["login"]
    assert q["client_id"] == [NATIVE_CLIENT_ID] and q["code_challenge_method"] == ["S256"]
    assert q["redirect_uri"][0].endswith("/v2/web/auth-code")


def start_callback_login(server: JupyterServer) -> "tuple[str, str]":
    """Start a callback login and let Auth approve it: (the callback path with the real
    code and state the browser would open, the state)."""
    start = server.post("/globus-kit/login", {"redirect": "callback"})
    assert start.status_code == 200, start.text
    location = approve(start.json()["url"])
    return urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl(), \
        start.json()["state"]


@pytest.mark.parametrize("crafted", [
    {"code": "AttackersOwnCode0123456789"},  # no state: the newest login used to be taken
    {"code": "AttackersOwnCode0123456789", "state": "a-state-this-server-never-made"},
    {"code": "AttackersOwnCode0123456789", "iss": "https://attacker.example"},
])
def test_regression_15_a_crafted_callback_link_does_not_spoil_the_real_login(
        server: JupyterServer, crafted: dict) -> None:
    real, state = start_callback_login(server)
    if "iss" in crafted:
        crafted = {**crafted, "state": state}  # even with the real state: iss is checked first
    page = server.get("/globus-kit/login/callback?" + urllib.parse.urlencode(crafted))
    done = server.get(real)
    assert done.status_code == 200, done.text
    assert "Logged in" in done.text
    assert page.status_code in (400, 409), page.text
    assert "Login failed" in page.text and "Start the login again from the sidebar." in page.text
    if "state" not in crafted:
        assert "missing its state" in page.text


def test_regression_15_a_refused_code_keeps_the_login_waiting(server: JupyterServer) -> None:
    """Only an accepted code uses the login up: a wrong code with the real state (callback)
    or without one (paste box) leaves it for the right code."""
    real, state = start_callback_login(server)
    page = server.get("/globus-kit/login/callback?" + urllib.parse.urlencode(
        {"code": "NotTheRightCode0123456789", "state": state}))
    assert server.get(real).status_code == 200
    assert page.status_code == 400 and "did not accept" in page.text, page.text
    assert "Start the login again from the sidebar." in page.text

    start = server.post("/globus-kit/login", {"redirect": "paste"}).json()
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(approve(start["url"])).query)["code"][0]
    wrong = server.post("/globus-kit/login/complete", {"code": "NotTheRightCode0123456789"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "LOGIN_FAILED", wrong.text
    done = server.post("/globus-kit/login/complete", {"code": code})
    assert done.status_code == 200, done.text


def test_callback_pages_should_say_what_happened_and_what_to_do(server: JupyterServer) -> None:
    for query, says in [({"code": "abc"}, "This sign-in link is missing its state"),
                        ({"state": "abc"}, "carries no authorization code"),
                        ({"code": "abc", "state": "unknown"}, "No login is waiting for this "
                                                              "sign-in link")]:
        page = server.get("/globus-kit/login/callback?" + urllib.parse.urlencode(query))
        assert page.status_code in (400, 409), page.text
        assert says in page.text and "Start the login again from the sidebar." in page.text


def test_should_renew_an_expiring_token_and_write_the_rotated_refresh_back(
        server: JupyterServer) -> None:
    f = TokenFile(str(token_path(server)))
    before = f.read()["tokens"][TRANSFER]

    def near_expiry(doc: dict) -> dict:
        doc["tokens"][TRANSFER]["expires_at_seconds"] = int(time.time()) + 5
        return doc

    f.update(near_expiry)
    r = server.get(f"/globus-kit/collections/{PUBLIC}")
    assert r.status_code == 200, r.text
    after = f.read()["tokens"][TRANSFER]
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert after["expires_at_seconds"] > time.time() + 600


def test_should_renew_on_401_once_and_retry_the_request(
        emulator: Emulator, server: JupyterServer) -> None:
    """A token Globus stops accepting before its recorded expiry (revoked, clock skew):
    the route renews it from the stored refresh token and sends the request again."""
    f = TokenFile(str(token_path(server)))
    before = f.read()["tokens"][TRANSFER]
    assert before["expires_at_seconds"] > time.time() + 600  # not renewed for being near expiry
    rule = {"id": "expire-on-401", "service": "transfer", "kind": "expireToken", "count": 1}
    added = requests.post(f"{emulator.admin}/faults", json=rule, timeout=10)
    assert added.status_code in (200, 201), added.text
    try:
        r = server.get(f"/globus-kit/collections/{PUBLIC}")
        assert r.status_code == 200, r.text
        after = f.read()["tokens"][TRANSFER]
        assert after["access_token"] != before["access_token"]
        assert after["refresh_token"] != before["refresh_token"]  # rotation written back
        rules = requests.get(f"{emulator.admin}/faults", timeout=10).json()["rules"]
        assert [x["hits"] for x in rules if x["id"] == "expire-on-401"] == [1]
    finally:
        # The admin origin needs a JSON content type on every state-changing request.
        requests.delete(
            f"{emulator.admin}/faults", headers={"Content-Type": "application/json"}, timeout=10
        )


def test_should_unlock_the_mapped_collection_after_a_step_up_login(server: JupyterServer) -> None:
    r = server.get(f"/globus-kit/collections/{MAPPED}/ls?path=/")
    assert r.status_code in (401, 403), r.text
    needed = r.json().get("requiredScopes") or []
    scope = ("urn:globus:auth:scope:transfer.api.globus.org:all"
             f"[*https://auth.globus.org/scopes/{MAPPED}/data_access]")
    assert scope in needed, r.json()
    start = server.post("/globus-kit/login", {"redirect": "paste", "addScopes": needed}).json()
    assert scope in start["scopes"] and "openid" in start["scopes"]
    assert "urn:globus:auth:scope:transfer.api.globus.org:all" not in start["scopes"]
    login_with_paste(server, addScopes=needed)
    r = server.get(f"/globus-kit/collections/{MAPPED}/ls?path=/")
    assert r.status_code == 200, r.text


def test_should_log_in_again_for_a_high_assurance_collection_then_transfer(
        server: JupyterServer, emulator: Emulator) -> None:
    # Issue #17: Transfer answers AuthPolicyFailed with authorization_parameters; the
    # route says SESSION_REQUIRED with them; a login with them unlocks the collection.
    login_with_paste(server)
    ha = emulator.admin_call("POST", "/seed/collections", {
        "display_name": "HA lab", "files": {"/in/keep.txt": "k\n"}})["id"]
    emulator.admin_call("PATCH", f"/seed/collections/{ha}",
                        {"session_required_single_domain": "globusid.org"})
    transfer = {"source": {"collection": PUBLIC, "path": "/share/godata/"},
                "destination": {"collection": ha, "path": "/in/"},
                "items": ["/share/godata/file1.txt"], "options": {"label": "ha"}}
    r = server.get(f"/globus-kit/collections/{ha}/ls?path=/in/")
    err = r.json()
    assert (r.status_code, err["code"]) == (403, "SESSION_REQUIRED"), r.text
    params = err["authorizationParameters"]
    assert params["session_required_single_domain"] == ["globusid.org"]
    assert "consentUrl" not in err and "requiredScopes" not in err
    r = server.post("/globus-kit/tasks/transfer", transfer)
    assert (r.status_code, r.json()["code"]) == (403, "SESSION_REQUIRED"), r.text
    assert r.json()["authorizationParameters"] == params
    start = server.post("/globus-kit/login",
                        {"redirect": "paste", "authorizationParameters": params}).json()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(start["url"]).query)
    assert query["session_required_single_domain"] == ["globusid.org"]
    login_with_paste(server, authorizationParameters=params)
    assert server.get(f"/globus-kit/collections/{ha}/ls?path=/in/").status_code == 200
    r = server.post("/globus-kit/tasks/transfer", transfer)
    assert r.status_code == 200, r.text
    assert r.json()["taskId"]


def test_should_say_log_in_again_when_the_refresh_token_is_revoked(
        server: JupyterServer, emulator: Emulator) -> None:
    f = TokenFile(str(token_path(server)))
    doc = f.read()
    refresh = doc["tokens"][TRANSFER]["refresh_token"]
    r = requests.post(f"{doc['auth_base_url']}/v2/oauth2/token/revoke",
                      data={"token": refresh, "client_id": NATIVE_CLIENT_ID}, timeout=10)
    assert r.status_code == 200

    def near_expiry(d: dict) -> dict:
        d["tokens"][TRANSFER]["expires_at_seconds"] = int(time.time()) + 5
        return d

    f.update(near_expiry)
    server.get(f"/globus-kit/collections/{PUBLIC}")
    problem = server.get("/globus-kit/login").json()["problem"]
    assert problem["code"] == "LOGIN_REQUIRED"
    assert "Log in" in problem["message"]
    assert refresh not in problem["message"]


def test_should_log_out_revoking_tokens_and_leaving_none_on_disk(server: JupyterServer) -> None:
    login_with_paste(server)
    secrets = stored_secrets(server)
    assert secrets
    r = server.post("/globus-kit/logout")
    assert r.status_code == 200, r.text
    assert r.json()["removed"] is True and r.json()["revoked"] >= 1
    assert r.json()["source"] == "none"
    folder = token_path(server).parent
    for p in folder.iterdir():
        text = p.read_text(errors="replace")
        assert not any(s in text for s in secrets), p.name
    assert not token_path(server).exists()
    assert server.get("/globus-kit/status").json()["source"] == "none"


def test_no_response_should_hold_a_token_or_verifier(server: JupyterServer) -> None:
    body = "\n".join(server.responses)
    assert "code_verifier" not in body
    assert "access_token" not in body and "refresh_token" not in body


#: A second server process of the same user renewing the same login: it waits until the
#: given start time, renews, and prints how many token requests it sent (never a token).
OTHER_SERVER_PROCESS = """
import json, sys, time
from jupyterlab_globus_kit import login as login_module
from jupyterlab_globus_kit.login import LoginManager
from jupyterlab_globus_kit.status import GlobusState
from jupyterlab_globus_kit.token_store import TokenFile
path, start_at = sys.argv[1], float(sys.argv[2])
env = {"GLOBUS_KIT_SERVER_TOKEN_FILE": path}
manager = LoginManager(GlobusState(env), env)
stale = TokenFile(path).read()["tokens"]["transfer.api.globus.org"]["access_token"]
calls = []
real = login_module._token_call
login_module._token_call = lambda *a, **k: (calls.append(1), real(*a, **k))[1]
time.sleep(max(0.0, start_at - time.time()))
manager.refresh("transfer.api.globus.org", stale)
print(json.dumps({"refreshed": len(calls)}))
"""


def test_two_server_processes_refreshing_at_once_should_not_clobber(
        server: JupyterServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes of this package (two servers of one user, or a server and its restart)
    renew the same stored login at the same moment; Auth rotates refresh tokens, so a second
    use of the old one would fail. Exactly one may call Auth (the file lock and adopting the
    other's renewal). The kernel has its own file since issue #18, so this is the one
    concurrent writer of the server's file left."""
    import subprocess
    import sys
    import threading

    from jupyterlab_globus_kit import login as login_module
    from jupyterlab_globus_kit.login import LoginManager
    from jupyterlab_globus_kit.status import GlobusState

    login_with_paste(server)
    path = str(token_path(server))
    env = {"GLOBUS_KIT_SERVER_TOKEN_FILE": path}
    manager = LoginManager(GlobusState(env), env)
    stale = TokenFile(path).read()["tokens"][TRANSFER]["access_token"]
    calls = []
    real = login_module._token_call

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(login_module, "_token_call", counting)
    start_at = time.time() + 1.5
    proc = subprocess.Popen(
        [sys.executable, "-c", OTHER_SERVER_PROCESS, path, str(start_at)],
        stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    errors = []

    def this_side() -> None:
        time.sleep(max(0.0, start_at - time.time()))
        try:
            manager.refresh(TRANSFER, stale)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    t = threading.Thread(target=this_side)
    t.start()
    out, _ = proc.communicate(timeout=60)
    t.join(60)
    assert proc.returncode == 0, out
    assert not errors, errors
    other = json.loads(out.strip().splitlines()[-1])
    assert other["refreshed"] + len(calls) == 1, (other, calls)
    final = TokenFile(path).read()["tokens"][TRANSFER]
    assert final["access_token"] != stale
    assert manager.state.data.tokens[TRANSFER].access_token == final["access_token"]
    # the stored (rotated) refresh token is the live one
    manager.refresh(TRANSFER, final["access_token"])
    assert TokenFile(path).read()["tokens"][TRANSFER]["refresh_token"] != final["refresh_token"]


def test_regression_18_a_kernel_login_does_not_reach_the_server(
        server: JupyterServer, emulator: Emulator) -> None:
    """issue #18: kernel-helpers' standalone login (plain Node, as outside JupyterLab) keeps
    its own file; the server neither reads it nor takes its waiting logins (0.1.0 shared
    both, so a kernel's file changed what the sidebar showed)."""
    import subprocess

    index_js = Path(__file__).resolve().parents[2] / "kernel-helpers" / "dist" / "index.js"
    if not index_js.exists():
        pytest.skip("kernel-helpers is not built")
    server.post("/globus-kit/logout", {})
    kernel_file = Path(server.tmp.name, "data", "globus-kit", "tokens.json")
    script = ("const kh = require(process.argv[1]);"
              "kh.login({}).then(async s => {"
              " const r = await fetch(s.url, { redirect: 'manual' });"
              " const code = new URL(r.headers.get('location')).searchParams.get('code');"
              " const done = await kh.login.complete(code);"
              " process.stdout.write(JSON.stringify({ file: done.tokenFile }));"
              "}, e => { console.error(e.code); process.exit(1); })")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLOBUS_KIT_TOKEN_BROKER")}
    env.update({"JUPYTER_DATA_DIR": str(Path(server.tmp.name, "data")),
                "GLOBUS_KIT_CLIENT_ID": NATIVE_CLIENT_ID,
                "GLOBUS_SDK_SERVICE_URL_AUTH": emulator.env["GLOBUS_SDK_SERVICE_URL_AUTH"]})
    out = subprocess.run(["node", "-e", script, str(index_js)], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["file"] == str(kernel_file)
    assert TokenFile(str(kernel_file)).read()["tokens"]
    status = server.get("/globus-kit/status").json()
    assert status["source"] == "none", "the server does not read the kernel's file"
    assert not token_path(server).exists()
    assert server.post("/globus-kit/login/complete", {"code": "AnyCode123"}).json()["code"] \
        == "NO_PENDING_LOGIN"


def test_should_report_a_corrupt_token_file_and_keep_it_aside(server: JupyterServer) -> None:
    path = token_path(server)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ not json")
    os.utime(path, None)
    body = server.get("/globus-kit/login").json()
    assert body["problem"]["code"] == "TOKEN_FILE_CORRUPT"
    assert body["source"] == "none"
    assert not path.exists()
    assert any(p.name.startswith("tokens.json.bad-") for p in path.parent.iterdir())


def test_status_should_follow_the_token_file_when_another_process_changes_it(
        server: JupyterServer) -> None:
    """regression #15: /globus-kit/status kept the source and identity it had last read
    until some other route looked at the file; it now re-reads the file when its mtime
    changes (here: a kernel logs in as someone else, then logs out)."""
    login_with_paste(server)
    assert server.get("/globus-kit/status").json()["source"] == "stored-login"
    f = TokenFile(str(token_path(server)))

    def other_login(doc: dict) -> dict:
        doc["identity"] = {"sub": "kernel-sub", "preferred_username": "kernel@example.org"}
        return doc

    f.update(other_login)
    body = server.get("/globus-kit/status").json()
    assert body["source"] == "stored-login"
    assert body["identity"]["preferred_username"] == "kernel@example.org"
    f.remove()
    body = server.get("/globus-kit/status").json()
    assert body["source"] == "none" and body["identity"] is None and body["tokens"] == []
