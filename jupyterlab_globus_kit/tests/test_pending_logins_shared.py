"""The server's own ``pending-logins.json`` (next to its token file since issue #18) holds its
Globus logins; an entry of another provider (0.1.0 shared the file with OIDC logins and
kernels) is never taken by a Globus completion without a state, nor dropped by a logout."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from jupyterlab_globus_kit.login import LoginManager
from jupyterlab_globus_kit.status import GlobusState
from jupyterlab_globus_kit.token_store import TokenFileError, write_atomically

AUTH = "http://127.0.0.1:9"  # never called: nothing here reaches Auth
ISSUER = "http://127.0.0.1:9/realms/platform"


def entry(state: str, base: str, client: str) -> dict:
    return {"state": state, "code_verifier": "v-" + state, "scopes": ["openid"],
            "redirect_uri": base + "/oob", "client_id": client, "auth_base_url": base,
            "created_at": time.time()}


@pytest.fixture()
def manager(tmp_path: Path) -> LoginManager:
    env = {"GLOBUS_KIT_SERVER_TOKEN_FILE": str(tmp_path / "globus-kit" / "tokens.json"),
           "GLOBUS_SDK_SERVICE_URL_AUTH": AUTH, "GLOBUS_KIT_CLIENT_ID": "globus-client"}
    (tmp_path / "globus-kit").mkdir(mode=0o700)
    return LoginManager(GlobusState(), env)


def write_pending(manager: LoginManager, *entries: dict) -> None:
    write_atomically(manager.pending_path,
                     json.dumps({"pending": {e["state"]: e for e in entries}}))


def read_pending(manager: LoginManager) -> dict:
    return json.loads(Path(manager.pending_path).read_text())["pending"]


def test_complete_without_state_should_not_take_an_oidc_login(manager: LoginManager) -> None:
    write_pending(manager, entry("oidc-1", ISSUER, "notebook-client"))
    with pytest.raises(TokenFileError) as err:
        manager.complete("a-code")
    assert err.value.code == "NO_PENDING_LOGIN"
    assert list(read_pending(manager)) == ["oidc-1"], "the OIDC login still waits"


def test_logout_should_forget_globus_logins_only(manager: LoginManager) -> None:
    write_pending(manager, entry("globus-1", AUTH, "globus-client"),
                  entry("oidc-1", ISSUER, "notebook-client"))
    manager.logout()
    assert list(read_pending(manager)) == ["oidc-1"]


def test_complete_with_an_oidc_state_should_not_take_that_login(manager: LoginManager) -> None:
    write_pending(manager, entry("oidc-1", ISSUER, "notebook-client"))
    with pytest.raises(TokenFileError) as err:
        manager.complete("a-code", "oidc-1")
    assert err.value.code == "NO_PENDING_LOGIN"
    assert list(read_pending(manager)) == ["oidc-1"], "the OIDC login still waits"


@pytest.mark.parametrize("pasted", [
    "https://auth.globus.org/v2/web/auth-code?code=not%20a%20code&state=globus-1",
    "https://auth.globus.org/v2/web/auth-code?code=" + "x" * 600,
    "<script>alert(1)</script>",
])
def test_complete_should_refuse_what_is_not_a_code_and_keep_the_login(
        manager: LoginManager, pasted: str) -> None:
    write_pending(manager, entry("globus-1", AUTH, "globus-client"))
    with pytest.raises(TokenFileError) as err:
        manager.complete(pasted)
    assert err.value.code == "LOGIN_FAILED"
    assert "does not look like an authorization code" in str(err.value)
    assert list(read_pending(manager)) == ["globus-1"], "the login still waits for its code"


def test_regression_15_a_refused_exchange_keeps_the_login(manager: LoginManager) -> None:
    """The login is only dropped once Auth accepted the code (here Auth cannot be reached,
    as a refused code would be refused): the right code can still finish it."""
    write_pending(manager, entry("globus-1", AUTH, "globus-client"))
    for state in (None, "globus-1"):
        with pytest.raises(TokenFileError) as err:
            manager.complete("a-code", state)
        assert err.value.code == "LOGIN_FAILED"
        assert list(read_pending(manager)) == ["globus-1"], "the login still waits"


def test_regression_15_an_issuer_that_is_not_auth_is_refused_first(
        manager: LoginManager) -> None:
    write_pending(manager, entry("globus-1", AUTH, "globus-client"))
    with pytest.raises(TokenFileError) as err:
        manager.complete("a-code", "globus-1", iss="https://attacker.example")
    assert err.value.code == "LOGIN_FAILED" and "another issuer" in str(err.value)
    assert list(read_pending(manager)) == ["globus-1"]
