"""Issue #18: the token broker for kernels, in a real jupyter_server against the emulator.

The broker's URL and secret are read the way a kernel gets them: the server starts a
kernel (a kernelspec whose "kernel" writes its inherited environment to a file and exits),
through the server's kernels API. Every refusal and every answer is checked, and no
response, nor the server log, holds the secret or a refresh token.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from jupyterlab_globus_kit.broker import SECRET_HEADER, broker_url, is_loopback_host
from jupyterlab_globus_kit.token_store import TokenFile

from .conftest import REFRESH_TOKEN, TRANSFER_TOKEN, encode, shape_pre_012
from .processes import (
    NATIVE_CLIENT_ID, ROOT, SERVER_TOKEN, Emulator, JupyterServer, serve_for_logins,
)

MAPPED = "e56c36e4-1063-4a6e-a747-22000bf2d559"
TRANSFER = "transfer.api.globus.org"
TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all"


def kernel_env(server: JupyterServer) -> Dict[str, str]:
    """Start an "env dump" kernel through POST /api/kernels; return what it inherited."""
    out = Path(server.tmp.name, f"kernel-env-{time.monotonic_ns()}.json")
    spec = Path(server.tmp.name, "data", "kernels", "envdump")
    spec.mkdir(parents=True, exist_ok=True)
    code = ("import json, os, sys; json.dump({k: v for k, v in os.environ.items() "
            "if k.startswith('GLOBUS_KIT_TOKEN_BROKER')}, open(sys.argv[1], 'w'))")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", code, str(out)], "display_name": "env dump",
        "language": "python"}))
    r = server.post("/api/kernels", {"name": "envdump"})
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 20
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    server.request("DELETE", f"/api/kernels/{r.json()['id']}")
    return json.loads(out.read_text())


class Kernelside:
    """Calls the broker as a kernel does: its URL, the secret header, nothing else."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.url = env["GLOBUS_KIT_TOKEN_BROKER_URL"]
        self.secret = env["GLOBUS_KIT_TOKEN_BROKER_SECRET"]
        self.responses: List[str] = []

    def post(self, op: str, body: object = None, *, secret: object = True,
             headers: Dict[str, str] = None, **kwargs: object) -> requests.Response:
        h = dict(headers or {})
        if secret is True:
            h[SECRET_HEADER] = self.secret
        elif isinstance(secret, str):
            h[SECRET_HEADER] = secret
        r = requests.post(f"{self.url}/{op}", json=body if body is not None else {},
                          headers=h, timeout=30, **kwargs)
        self.responses.append(r.text)
        return r

    def token(self, resource: str, **extra: object) -> requests.Response:
        return self.post("token", {"resource": resource, **extra})


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator("--auto-approve")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[JupyterServer]:
    yield from serve_for_logins(emulator)


@pytest.fixture(scope="module")
def kernel(server: JupyterServer) -> Kernelside:
    return Kernelside(kernel_env(server))


@pytest.fixture(scope="module")
def hub_server(emulator: Emulator) -> Iterator[JupyterServer]:
    """GLOBUS_DATA whose transfer token expired an hour ago (with a refresh token the
    server must never hand out)."""
    env = {k: v for k, v in emulator.env.items() if k.startswith("GLOBUS_SDK_SERVICE_URL_")}
    env["GLOBUS_DATA"] = encode(shape_pre_012(time.time() - 7200))
    srv = JupyterServer(env)
    yield srv
    srv.stop()


def login(server: JupyterServer) -> None:
    start = server.post("/globus-kit/login", {"redirect": "paste"})
    assert start.status_code == 200, start.text
    r = requests.get(start.json()["url"], allow_redirects=False, timeout=10)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)["code"][0]
    done = server.post("/globus-kit/login/complete", {"code": code})
    assert done.status_code == 200, done.text


def stored(server: JupyterServer) -> dict:
    path = Path(server.tmp.name, "data", "globus-kit", "server", "tokens.json")
    return TokenFile(str(path)).read() or {"tokens": {}}


def transfer_call(emulator: Emulator, token: str) -> int:
    base = emulator.env["GLOBUS_SDK_SERVICE_URL_TRANSFER"] + "/v0.10"
    return requests.get(f"{base}/task_list", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------ the environment

def test_kernels_inherit_a_loopback_url_and_a_long_random_secret(
        server: JupyterServer, kernel: Kernelside) -> None:
    assert kernel.url == f"http://127.0.0.1:{server.port}/globus-kit/broker"
    assert len(kernel.secret) >= 40
    assert SERVER_TOKEN not in kernel.secret


def test_the_secret_is_new_at_every_server_start_and_an_old_one_is_refused(
        kernel: Kernelside, hub_server: JupyterServer) -> None:
    other = Kernelside(kernel_env(hub_server))
    assert other.secret != kernel.secret
    replayed = other.post("status", secret=kernel.secret)
    assert replayed.status_code == 403 and replayed.json()["code"] == "FORBIDDEN"
    assert other.post("status").status_code == 200


@pytest.mark.parametrize("ip,port,base,sock,cert,want", [
    ("", 8888, "/", "", "", "http://127.0.0.1:8888/globus-kit/broker"),
    ("0.0.0.0", 9000, "/user/alice/", "", "", "http://127.0.0.1:9000/user/alice/globus-kit/broker"),
    ("localhost", 9000, "/", "", "/c.pem", "https://127.0.0.1:9000/globus-kit/broker"),
    ("::", 9000, "/", "", "", "http://[::1]:9000/globus-kit/broker"),
    ("10.1.2.3", 9000, "/", "", "", None),
    ("", 0, "/", "/run/jupyter.sock", "", None),
])
def test_broker_url_is_loopback_or_none(ip: str, port: int, base: str, sock: str, cert: str,
                                        want: object) -> None:
    assert broker_url(ip, port, base, sock, cert) == want


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1:8888", True), ("localhost:8888", True), ("[::1]:8888", True),
    ("LOCALHOST", True), ("127.9.9.9", True), ("evil.example:8888", False),
    ("127.0.0.1.evil.example", False), ("", False), (None, False), ("[::1", False),
])
def test_loopback_host_check(host: object, ok: bool) -> None:
    assert is_loopback_host(host) is ok  # type: ignore[arg-type]


# ------------------------------------------------------------------ refusals

def test_refuses_a_request_without_the_secret(server: JupyterServer, kernel: Kernelside) -> None:
    r = kernel.post("token", {"resource": TRANSFER}, secret=None)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"


def test_refuses_a_wrong_secret(kernel: Kernelside) -> None:
    for wrong in (kernel.secret[:-1], kernel.secret + "x", "x" * len(kernel.secret), "ü"):
        r = kernel.post("status", secret=wrong)
        assert r.status_code == 403, wrong


def test_refuses_a_valid_jupyter_token_and_cookie_without_the_secret(
        server: JupyterServer, kernel: Kernelside) -> None:
    browser = requests.Session()
    # A logged-in browser: the server's login cookie and its XSRF cookie.
    page = browser.get(f"{server.url}/api/me?token={SERVER_TOKEN}", timeout=10)
    assert page.status_code == 200
    assert browser.get(f"{server.url}/globus-kit/status", timeout=10).status_code == 200
    xsrf = browser.cookies.get("_xsrf") or ""
    for r in (
        browser.post(f"{kernel.url}/status", json={}, timeout=10,
                     headers={"X-XSRFToken": xsrf}),
        browser.post(f"{kernel.url}/token", json={"resource": TRANSFER}, timeout=10,
                     headers={"Authorization": f"token {SERVER_TOKEN}", "X-XSRFToken": xsrf}),
        kernel.post("token", {"resource": TRANSFER}, secret=None,
                    headers={"Authorization": f"token {SERVER_TOKEN}"}),
    ):
        assert r.status_code == 403, r.text
        assert r.json() == {"code": "FORBIDDEN", "message":
                            "The token broker answers only kernels started by this server."}


@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Mode": "cors"},
    {"Host": "evil.example"},
    {"Host": "127.0.0.1.nip.example:8888"},
])
def test_refuses_browser_and_cross_origin_requests_even_with_the_secret(
        kernel: Kernelside, headers: Dict[str, str]) -> None:
    r = kernel.post("status", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", headers


def test_answers_only_post(kernel: Kernelside) -> None:
    r = requests.get(f"{kernel.url}/status", headers={SECRET_HEADER: kernel.secret}, timeout=10)
    assert r.status_code == 405


def test_logs_refusals_without_the_secret(server: JupyterServer, kernel: Kernelside) -> None:
    kernel.post("status", secret=kernel.secret + "tail")
    kernel.post("status", headers={"Origin": "https://evil.example"})
    log = server.output()
    assert "token broker: refused POST /globus-kit/broker/status" in log
    assert "a wrong broker secret" in log and "a cross-origin request" in log
    assert kernel.secret not in log


# ------------------------------------------------------------------ answers

def test_no_credentials_before_any_login(kernel: Kernelside) -> None:
    r = kernel.token(TRANSFER)
    assert r.status_code == 401 and r.json()["code"] == "NO_CREDENTIALS", r.text
    assert "log in with Globus" in r.json()["message"]
    status = kernel.post("status").json()
    assert status["source"] == "none" and status["tokens"] == []


def test_bad_input_is_a_typed_400(kernel: Kernelside) -> None:
    for body in ({}, {"resource": ""}, {"resource": 5}, {"resource": "a[b"},
                 {"resource": TRANSFER, "rejected": "not-a-hash"},
                 {"resource": "openid urn:globus:auth:scope:transfer.api.globus.org:all"}):
        r = kernel.post("token", body)
        assert r.status_code == 400 and r.json()["code"] in ("BAD_INPUT", "BAD_SCOPE"), body
    r = kernel.post("token", data=b"[1, 2", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "BAD_INPUT"


def test_fuzzed_bodies_are_typed_answers_never_a_500(server: JupyterServer,
                                                    kernel: Kernelside) -> None:
    import random

    from .test_reliability_fuzz import fuzz_body

    rng = random.Random(18)
    tally: Dict[str, int] = {}
    with requests.Session() as http:
        for _ in range(300):
            category, body = fuzz_body(rng, ("resource", "rejected"))
            r = http.post(f"{kernel.url}/token", data=body, timeout=30, headers={
                SECRET_HEADER: kernel.secret, "Content-Type": "application/json"})
            assert r.status_code in (400, 401, 403), (category, body[:200], r.text[:300])
            code = r.json()["code"]
            assert code in ("BAD_INPUT", "BAD_SCOPE", "NO_CREDENTIALS", "CONSENT_REQUIRED"), code
            tally[code] = tally.get(code, 0) + 1
    assert tally.get("BAD_INPUT", 0) > 150, tally
    assert "Traceback" not in server.output()


def test_after_login_hands_out_an_access_token_that_works_never_a_refresh_token(
        server: JupyterServer, kernel: Kernelside, emulator: Emulator) -> None:
    login(server)
    r = kernel.token(TRANSFER)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert set(doc) == {"resourceServer", "accessToken", "tokenType", "expiresAt", "scopes",
                        "source"}
    assert doc["resourceServer"] == TRANSFER and doc["source"] == "stored-login"
    assert TRANSFER_ALL in doc["scopes"] and doc["expiresAt"] > time.time() + 3600
    file = stored(server)
    assert doc["accessToken"] == file["tokens"][TRANSFER]["access_token"]
    assert transfer_call(emulator, doc["accessToken"]) == 200
    by_scope = kernel.token(TRANSFER_ALL).json()
    assert by_scope["accessToken"] == doc["accessToken"]
    status = kernel.post("status").json()
    assert status["source"] == "stored-login" and status["identity"]
    refresh = [t["refresh_token"] for t in file["tokens"].values() if t.get("refresh_token")]
    assert refresh
    for text in kernel.responses:
        assert not any(secret in text for secret in refresh)
        assert "refreshToken" not in text and "refresh_token" not in text


def test_a_missing_consent_is_consent_required_with_the_consent_url(
        kernel: Kernelside) -> None:
    r = kernel.token(MAPPED)
    assert r.status_code == 403, r.text
    doc = r.json()
    assert doc["code"] == "CONSENT_REQUIRED"
    assert doc["requiredScopes"] == [f"https://auth.globus.org/scopes/{MAPPED}/https"]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(doc["consentUrl"]).query)
    assert q["scope"] == doc["requiredScopes"] and q["client_id"] == [NATIVE_CLIENT_ID]
    scope = f"https://auth.globus.org/scopes/{MAPPED}/data_access"
    assert kernel.token(scope).json()["requiredScopes"] == [scope]


def test_an_unknown_resource_server_is_no_credentials_not_a_500(kernel: Kernelside) -> None:
    r = kernel.token("api.example.org")
    assert r.status_code == 401 and r.json()["code"] == "NO_CREDENTIALS", r.text
    assert "pass the scope" in r.json()["message"]


def test_a_refused_token_is_renewed_by_the_server(
        server: JupyterServer, kernel: Kernelside, emulator: Emulator) -> None:
    before = kernel.token(TRANSFER).json()["accessToken"]
    # The emulator clock moves past the token's expiry; the server's clock does not, so
    # only the 401 tells: the kernel names the refused token by its hash.
    emulator.admin_call("POST", "/clock", {"advanceMs": 49 * 3600 * 1000})
    assert transfer_call(emulator, before) == 401
    r = kernel.token(TRANSFER, rejected=sha(before))
    assert r.status_code == 200, r.text
    after = r.json()["accessToken"]
    assert after != before and transfer_call(emulator, after) == 200
    assert stored(server)["tokens"][TRANSFER]["access_token"] == after
    # Asked again with the old hash: the current token is not the refused one, no renewal.
    assert kernel.token(TRANSFER, rejected=sha(before)).json()["accessToken"] == after


def test_after_logout_the_kernel_gets_no_credentials(
        server: JupyterServer, kernel: Kernelside) -> None:
    assert kernel.token(TRANSFER).status_code == 200
    out = server.post("/globus-kit/logout", {})
    assert out.status_code == 200, out.text
    r = kernel.token(TRANSFER)
    assert r.status_code == 401 and r.json()["code"] == "NO_CREDENTIALS"


def test_an_expired_hub_token_is_token_expired_with_the_remedy(
        hub_server: JupyterServer) -> None:
    k = Kernelside(kernel_env(hub_server))
    r = k.token(TRANSFER)
    assert r.status_code == 401, r.text
    doc = r.json()
    assert doc["code"] == "TOKEN_EXPIRED" and doc["resourceServer"] == TRANSFER
    assert "hub control panel" in doc["remedy"] and doc["remedy"] in doc["message"]
    for text in k.responses:
        assert TRANSFER_TOKEN not in text and REFRESH_TOKEN not in text


def test_no_response_or_log_holds_the_secret(server: JupyterServer,
                                            kernel: Kernelside) -> None:
    for text in kernel.responses + server.responses:
        assert kernel.secret not in text
    assert kernel.secret not in server.output()


def test_no_frontend_code_calls_the_broker() -> None:
    for folder in ("src", "lib", "jupyterlab_globus_kit/labextension"):
        for path in Path(ROOT, folder).rglob("*"):
            if path.is_file() and path.suffix in (".ts", ".tsx", ".js", ".json"):
                text = path.read_text(errors="replace")
                assert "globus-kit/broker" not in text and "BROKER_SECRET" not in text, path
