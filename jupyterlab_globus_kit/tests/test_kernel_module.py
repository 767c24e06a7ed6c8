"""Issue #18: ``jupyterlab_globus_kit.kernel`` against a real server's broker and the
emulator: tokens, the globus-sdk-style authorizer (renewal after a 401, a logout in the
sidebar reaching a running kernel), typed errors, nothing secret in any repr. (The same
module in a real ipykernel started by the server: test/python-kernel-broker.test.mjs.)"""

from __future__ import annotations

import subprocess
import sys
import urllib.parse
from typing import Iterator

import pytest
import requests

from jupyterlab_globus_kit import kernel as gk

from .processes import ROOT, Emulator, JupyterServer, serve_for_logins
from .test_broker import (
    MAPPED, TRANSFER, TRANSFER_ALL, Kernelside, kernel_env, login,
    stored, transfer_call,
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    emu = Emulator("--auto-approve")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[JupyterServer]:
    yield from serve_for_logins(emulator)


@pytest.fixture
def broker_env(server: JupyterServer, monkeypatch: pytest.MonkeyPatch) -> Kernelside:
    inherited = kernel_env(server)
    for key, value in inherited.items():
        monkeypatch.setenv(key, value)
    return Kernelside(inherited)


def test_outside_a_server_it_says_there_is_no_broker() -> None:
    code = ("from jupyterlab_globus_kit.kernel import access_token, BrokerUnavailableError\n"
            "try:\n    access_token('transfer.api.globus.org')\n"
            "except BrokerUnavailableError as e:\n    print(e.code); print(e.message)\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out.startswith("BROKER_UNAVAILABLE\n")
    assert "not started by a Jupyter server with jupyterlab-globus-kit" in out
    assert "GLOBUS_KIT_TOKEN_BROKER_URL and GLOBUS_KIT_TOKEN_BROKER_SECRET not set" in out


def test_an_unreachable_broker_is_broker_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(gk.URL_VAR, "http://127.0.0.1:9/globus-kit/broker")
    monkeypatch.setenv(gk.SECRET_VAR, "s" * 43)
    with pytest.raises(gk.BrokerUnavailableError) as err:
        gk.tokens()
    assert err.value.code == "BROKER_UNAVAILABLE" and "restart this kernel" in err.value.message


def test_before_login_no_credentials(broker_env: Kernelside) -> None:
    assert gk.tokens().source == "none"
    with pytest.raises(gk.GlobusKitError) as err:
        gk.access_token(TRANSFER)
    assert err.value.code == "NO_CREDENTIALS"
    with pytest.raises(gk.GlobusKitError):
        gk.authorizer(TRANSFER).get_authorization_header()
    with pytest.raises(gk.GlobusKitError) as bad:
        gk.access_token("  ")
    assert bad.value.code == "BAD_INPUT"


def test_tokens_headers_and_authorizer_after_login(
        server: JupyterServer, broker_env: Kernelside, emulator: Emulator) -> None:
    login(server)
    token = gk.access_token(TRANSFER)
    assert token == stored(server)["tokens"][TRANSFER]["access_token"]
    assert gk.access_token(TRANSFER_ALL) == token
    assert gk.headers(TRANSFER) == {"Authorization": f"Bearer {token}"}
    assert transfer_call(emulator, token) == 200
    status = gk.tokens()
    assert status.source == "stored-login" and status.username
    assert any(t["resourceServer"] == TRANSFER for t in status.tokens)
    auth = gk.authorizer(TRANSFER)
    assert auth.get_authorization_header() == f"Bearer {token}"
    secrets = [t[k] for t in stored(server)["tokens"].values()
               for k in ("access_token", "refresh_token") if t.get(k)]
    for shown in (repr(status), str(status), repr(auth)):
        assert not any(s in shown for s in secrets)
    assert status.username in repr(status) and "transfer.api.globus.org: active" in repr(status)
    assert repr(auth) == "BrokerAuthorizer('transfer.api.globus.org', token held (redacted))"


def test_a_missing_consent_carries_its_url(broker_env: Kernelside) -> None:
    with pytest.raises(gk.GlobusKitError) as err:
        gk.access_token(MAPPED)
    e = err.value
    assert e.code == "CONSENT_REQUIRED" and e.consent_url and e.required_scopes
    assert MAPPED in e.consent_url
    html = e._repr_html_()
    assert "Grant consent</a>" in html and "<b>CONSENT_REQUIRED</b>" in html


def test_a_consent_granted_in_the_sidebar_reaches_the_running_kernel(
        server: JupyterServer, broker_env: Kernelside, emulator: Emulator) -> None:
    scope = f"https://auth.globus.org/scopes/{MAPPED}/https"
    with pytest.raises(gk.GlobusKitError) as before:
        gk.access_token(MAPPED)
    assert before.value.code == "CONSENT_REQUIRED" and before.value.required_scopes == [scope]
    # The sidebar's step-up: a login that adds the missing scope (auto-approved).
    start = server.post("/globus-kit/login", {"redirect": "paste", "addScopes": [scope]})
    assert start.status_code == 200, start.text
    r = requests.get(start.json()["url"], allow_redirects=False, timeout=10)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["Location"]).query)["code"][0]
    assert server.post("/globus-kit/login/complete", {"code": code}).status_code == 200
    # Same process, no restart: the next call has the collection's token.
    token = gk.access_token(MAPPED)
    assert token == stored(server)["tokens"][MAPPED]["access_token"]
    assert gk.access_token(TRANSFER) == stored(server)["tokens"][TRANSFER]["access_token"]


def test_the_authorizer_renews_after_a_401(
        server: JupyterServer, broker_env: Kernelside, emulator: Emulator) -> None:
    auth = gk.authorizer(TRANSFER)
    first = auth.get_authorization_header().split(" ", 1)[1]
    emulator.admin_call("POST", "/clock", {"advanceMs": 49 * 3600 * 1000})
    assert transfer_call(emulator, first) == 401
    assert auth.handle_missing_authorization() is True
    second = auth.get_authorization_header().split(" ", 1)[1]
    assert second != first and transfer_call(emulator, second) == 200


def test_a_logout_in_the_sidebar_reaches_the_running_authorizer(
        server: JupyterServer, broker_env: Kernelside, emulator: Emulator) -> None:
    auth = gk.authorizer(TRANSFER)
    held = auth.get_authorization_header().split(" ", 1)[1]
    assert server.post("/globus-kit/logout", {}).status_code == 200
    assert transfer_call(emulator, held) == 401  # revoked at logout
    with pytest.raises(gk.GlobusKitError) as err:
        auth.handle_missing_authorization()
    assert err.value.code == "NO_CREDENTIALS"
    assert held not in str(err.value)


def test_the_module_needs_only_the_standard_library() -> None:
    code = ("import sys\nimport jupyterlab_globus_kit.kernel\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('tornado', 'jupyter_server', 'requests', 'jupyter_core', 'globus_sdk')]\n"
            "print(','.join(sorted(bad)))\n")
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.strip() == ""


def test_links_refuse_bad_input_and_web_app_url_points_at_the_folder() -> None:
    for args in (("", "/a"), ("c", "a/b"), ("c", 5)):
        with pytest.raises(gk.GlobusKitError) as err:
            gk.https_url(*args)  # type: ignore[arg-type]
        assert err.value.code == "BAD_INPUT"
    assert gk.web_app_url(MAPPED, "/data/x y.csv") == (
        "https://app.globus.org/file-manager?origin_id=" + MAPPED + "&origin_path=%2Fdata%2F")
