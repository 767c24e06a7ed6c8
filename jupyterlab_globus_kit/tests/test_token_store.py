"""The server's token file: format, mode, atomic locked updates, bad files moved aside, its
own path apart from kernel-helpers' file, and the one-time import of the login version
0.1.0 kept in the file it shared with kernels (issue #18)."""

from __future__ import annotations

import json
import os
import stat
import logging
import threading
from pathlib import Path

import pytest

from jupyterlab_globus_kit.token_store import (
    IMPORT_MARKER, FileLock, TokenFile, TokenFileError, shared_token_file_path, token_file_path,
)

SECRET = "AgStoredAccessSecret0123456789"


def sample() -> dict:
    return {
        "client_id": "client", "auth_base_url": "http://127.0.0.1:1", "identity": None,
        "id_token": None,
        "tokens": {"transfer.api.globus.org": {
            "resource_server": "transfer.api.globus.org", "access_token": SECRET,
            "refresh_token": "AgStoredRefreshSecret",
            "scope": "urn:globus:auth:scope:transfer.api.globus.org:all",
            "expires_at_seconds": 2000000000, "token_type": "Bearer"}},
    }


def test_should_write_0600_with_format_version_and_bump_revision(tmp_path: Path) -> None:
    f = TokenFile(str(tmp_path / "d" / "tokens.json"))
    doc = f.update(lambda cur: sample())
    assert doc["revision"] == 1 and doc["format_version"] == 1
    assert doc["format"] == "jupyterlab-globus-kit/tokens"
    assert stat.S_IMODE(os.stat(f.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "d").st_mode) == 0o700
    assert f.update(lambda cur: cur)["revision"] == 2
    assert sorted(os.listdir(tmp_path / "d")) == ["tokens.json"]


def test_should_lose_no_update_when_threads_race(tmp_path: Path) -> None:
    f = TokenFile(str(tmp_path / "tokens.json"))
    f.update(lambda cur: sample())

    def bump() -> None:
        for _ in range(5):
            f.update(lambda cur: {
                **cur, "identity": {"sub": (cur["identity"] or {"sub": ""})["sub"] + "x"}})

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doc = f.read()
    assert doc["revision"] == 21
    assert doc["identity"]["sub"] == "x" * 20


def test_should_move_a_corrupt_file_aside_without_quoting_it(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"format": ' + SECRET)
    with pytest.raises(TokenFileError) as info:
        TokenFile(str(path)).read()
    assert info.value.code == "TOKEN_FILE_CORRUPT"
    assert SECRET not in str(info.value)
    assert "Log in again" in str(info.value)
    assert not path.exists()
    assert SECRET in Path(info.value.moved_to).read_text()


def test_should_move_a_foreign_file_aside_and_keep_a_newer_version(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"transfer": {"access_token": "x"}}))
    with pytest.raises(TokenFileError) as info:
        TokenFile(str(foreign)).read()
    assert info.value.code == "TOKEN_FILE_FOREIGN" and not foreign.exists()
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**sample(), "format": "jupyterlab-globus-kit/tokens",
                                 "format_version": 7, "revision": 1}))
    with pytest.raises(TokenFileError) as info:
        TokenFile(str(newer)).read()
    assert info.value.code == "TOKEN_FILE_UNSUPPORTED" and newer.exists()


def test_the_server_file_is_its_own_not_the_kernels(tmp_path: Path) -> None:
    """issue #18: kernels inherit the server's environment, so the server's file is named by
    its own variable; GLOBUS_KIT_TOKEN_FILE names kernel-helpers' file and is not used."""
    assert token_file_path({"JUPYTER_DATA_DIR": "/d"}) == "/d/globus-kit/server/tokens.json"
    assert token_file_path({"JUPYTER_DATA_DIR": "/d", "GLOBUS_KIT_TOKEN_FILE": "/k.json"}) \
        == "/d/globus-kit/server/tokens.json"
    assert token_file_path({"GLOBUS_KIT_SERVER_TOKEN_FILE": "/s.json"}) == "/s.json"
    assert shared_token_file_path({"JUPYTER_DATA_DIR": "/d"}) == "/d/globus-kit/tokens.json"
    assert shared_token_file_path({"GLOBUS_KIT_TOKEN_FILE": "/k.json"}) == "/k.json"


def test_a_held_lock_makes_an_update_wait_then_give_up(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    f = TokenFile(str(path))
    f.update(lambda cur: sample())
    with FileLock(str(path)):  # another server process renewing
        with pytest.raises(TokenFileError) as info:
            TokenFile(str(path), lock_timeout=0.3).update(lambda cur: {**cur, "identity": None})
    assert info.value.code == "TOKEN_FILE_LOCKED"
    assert f.read()["revision"] == 1


# ------------------------------------------------------------------ the one-time import

def manager_for(tmp_path: Path, env_extra: dict = None):
    from jupyterlab_globus_kit.login import LoginManager
    from jupyterlab_globus_kit.status import GlobusState

    env = {"JUPYTER_DATA_DIR": str(tmp_path / "data"), **(env_extra or {})}
    state = GlobusState(env)
    return LoginManager(state, env), state


def shared_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "globus-kit" / "tokens.json"


def test_regression_18_an_upgrade_keeps_the_login_of_the_shared_file_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """issue #18: the server no longer reads the file it shared with kernels; a login kept
    there by version 0.1.0 is copied into the server's own file at the first start, so the
    upgrade logs nobody out. The old file stays for kernel-helpers' own login."""
    old = shared_file(tmp_path)
    TokenFile(str(old)).update(lambda cur: sample())
    before = old.read_text()
    with caplog.at_level(logging.INFO, logger="jupyterlab_globus_kit"):
        manager, state = manager_for(tmp_path)
    assert state.source == "stored-login"
    assert state.data.tokens["transfer.api.globus.org"].access_token == SECRET
    own = Path(manager.token_path)
    assert own == tmp_path / "data" / "globus-kit" / "server" / "tokens.json"
    assert stat.S_IMODE(os.stat(own).st_mode) == 0o600
    assert TokenFile(str(own)).read()["tokens"] == sample()["tokens"]
    assert old.read_text() == before, "the kernel's file is left as it was"
    assert "imported (1 tokens)" in caplog.text and str(old) in caplog.text
    assert SECRET not in caplog.text
    # The server's file is its own from now on: a change of the old file is not seen.
    TokenFile(str(old)).update(lambda cur: {**cur, "tokens": {}})
    os.utime(old, None)
    assert manager.summary()["source"] == "stored-login"
    assert manager.state.data.tokens["transfer.api.globus.org"].access_token == SECRET


def test_regression_18_a_logout_after_the_import_is_not_undone_at_the_next_start(
        tmp_path: Path) -> None:
    TokenFile(str(shared_file(tmp_path))).update(lambda cur: sample())
    manager, _ = manager_for(tmp_path)
    Path(manager.token_path).unlink()  # what the sidebar's logout leaves on disk
    assert (Path(manager.token_path).parent / IMPORT_MARKER).exists()
    _, state = manager_for(tmp_path)
    assert state.source == "none"
    assert not Path(manager.token_path).exists()


def test_regression_18_the_import_never_overwrites_the_servers_own_login(
        tmp_path: Path) -> None:
    own = tmp_path / "data" / "globus-kit" / "server" / "tokens.json"
    mine = sample()
    mine["tokens"]["transfer.api.globus.org"]["access_token"] = "AgServersOwn"
    TokenFile(str(own)).update(lambda cur: mine)
    TokenFile(str(shared_file(tmp_path))).update(lambda cur: sample())
    _, state = manager_for(tmp_path)
    assert state.data.tokens["transfer.api.globus.org"].access_token == "AgServersOwn"


def test_regression_18_a_bad_shared_file_is_not_imported_and_says_so(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = shared_file(tmp_path)
    old.parent.mkdir(parents=True)
    old.write_text('{"format": ' + SECRET)
    with caplog.at_level(logging.INFO, logger="jupyterlab_globus_kit"):
        manager, state = manager_for(tmp_path)
    assert state.source == "none"
    assert not Path(manager.token_path).exists()
    assert "not imported (TOKEN_FILE_CORRUPT)" in caplog.text
    assert SECRET not in caplog.text


def test_regression_18_the_import_follows_an_explicit_kernel_token_file(tmp_path: Path) -> None:
    """A server configured with GLOBUS_KIT_TOKEN_FILE (0.1.0's one variable) finds the
    login there; its own file is in the data dir."""
    old = tmp_path / "elsewhere" / "t.json"
    TokenFile(str(old)).update(lambda cur: sample())
    manager, state = manager_for(tmp_path, {"GLOBUS_KIT_TOKEN_FILE": str(old)})
    assert state.source == "stored-login"
    assert manager.token_path == str(tmp_path / "data" / "globus-kit" / "server" / "tokens.json")


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_stored_expiry_is_an_unknown_expiry(tmp_path: Path, word: str) -> None:
    """regression #15: a token file with `"expires_at_seconds": NaN` (JSON readers take it)
    gave the status a NaN expiry; it is an unknown expiry, never renewed for being near."""
    from jupyterlab_globus_kit.login import stored_to_globus_data
    from jupyterlab_globus_kit.token_store import fresh

    path = tmp_path / "tokens.json"
    TokenFile(str(path)).update(lambda cur: sample())
    path.write_text(path.read_text().replace('"expires_at_seconds": 2000000000',
                                             f'"expires_at_seconds": {word}'))
    doc = TokenFile(str(path)).read()
    entry = doc["tokens"]["transfer.api.globus.org"]
    assert fresh(entry) is True
    token = stored_to_globus_data(doc).tokens["transfer.api.globus.org"]
    assert token.expires_at is None and token.expires_at_source == "unknown"
    status = stored_to_globus_data(doc).public_status()
    assert json.loads(json.dumps(status, allow_nan=False))["tokens"][0]["status"] == "unknown"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10 ** 400])
def test_a_non_finite_expires_in_from_auth_is_stored_as_unknown(value: float) -> None:
    """regression #15: `int(now + NaN)` raised, so a token response with a NaN `expires_in`
    failed the login or renewal with a ValueError."""
    from jupyterlab_globus_kit.errors import strict_json
    from jupyterlab_globus_kit.login import stored_tokens_of

    stored = stored_tokens_of({"resource_server": "auth.globus.org", "access_token": "a",
                               "scope": "openid", "expires_in": value}, now=1000.0)
    assert stored[0]["expires_at_seconds"] is None
    with pytest.raises(ValueError):
        strict_json({"expiresAt": float("nan")})


def test_a_token_file_others_may_read_is_put_back_to_0600_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """regression #15: a 0666 token file was used silently."""
    path = tmp_path / "tokens.json"
    f = TokenFile(str(path))
    f.update(lambda cur: sample())
    os.chmod(path, 0o666)
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        assert f.read()["tokens"]["transfer.api.globus.org"]["access_token"] == SECRET
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "had mode 0o666" in caplog.text and str(path) in caplog.text
    assert SECRET not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        f.read()
    assert caplog.text == ""  # 0600 now: nothing more to say


def test_non_string_identity_fields_are_dropped_with_a_log_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """regression #15: identity fields of any type went from the token file to /status."""
    from jupyterlab_globus_kit.login import LoginManager
    from jupyterlab_globus_kit.status import GlobusState

    path = tmp_path / "tokens.json"
    doc = sample()
    doc["identity"] = {"sub": "user-sub", "name": {"html": "<b>x</b>"}, "email": 5,
                       "preferred_username": ["a", "b"], "organization": "Org"}
    TokenFile(str(path)).update(lambda cur: doc)
    env = {"GLOBUS_KIT_SERVER_TOKEN_FILE": str(path)}
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        state = GlobusState(env)
        LoginManager(state, env)
    assert state.status()["identity"] == {"sub": "user-sub", "organization": "Org"}
    for field, kind in [("name", "dict"), ("email", "int"), ("preferred_username", "list")]:
        assert f"identity.{field} is a {kind}" in caplog.text
    assert "<b>" not in caplog.text
    TokenFile(str(path)).update(lambda cur: {**cur, "identity": "someone"})
    with caplog.at_level("WARNING", logger="jupyterlab_globus_kit"):
        state = GlobusState(env)
        LoginManager(state, env)
    assert state.status()["identity"] is None
    assert "identity is a str, not an object" in caplog.text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_oidc_token_status_and_storage_treat_a_non_finite_expiry_as_unknown(value) -> None:
    """regression #15: `oidc/status` of a token file with an infinite expiry raised
    OverflowError (int(inf)), and a NaN `expires_in` from the provider a ValueError."""
    from jupyterlab_globus_kit.errors import strict_json
    from jupyterlab_globus_kit.oidc import _stored_token, token_status

    status = token_status(value, ["openid"], now=1000.0)
    assert status == {"expires_in": None, "expires_at": None, "scopes": ["openid"],
                      "status": "ok"}
    strict_json(status)
    stored = _stored_token({"access_token": "a", "expires_in": value}, now=1000.0)
    assert stored["expires_at_seconds"] is None


def test_regression_15_a_route_never_sees_the_new_stamp_with_the_old_tokens(
        tmp_path: Path) -> None:
    """The token file's stamp was recorded before the file was read and published, so a
    route that checked it during the read (on the event loop, while a worker thread read)
    took the tokens from before the change: one of test_renewal_off_loop's two routes
    answered at once with the old token in about 1 run of 6."""
    from jupyterlab_globus_kit.login import LoginManager
    from jupyterlab_globus_kit.status import GlobusState

    path = tmp_path / "tokens.json"
    TokenFile(str(path)).update(lambda cur: sample())
    env = {"GLOBUS_KIT_SERVER_TOKEN_FILE": str(path)}
    state = GlobusState(env)
    manager = LoginManager(state, env)
    assert state.source == "stored-login" and not manager._source_stale()

    def renewed(cur: dict) -> dict:
        cur["tokens"]["transfer.api.globus.org"]["access_token"] = "AgRenewedElsewhere0123"
        return cur

    TokenFile(str(path)).update(renewed)
    assert manager._source_stale()
    reading, release = threading.Event(), threading.Event()
    real_read = manager.file.read

    def slow_read() -> dict:
        doc = real_read()
        reading.set()
        assert release.wait(10)
        return doc

    manager.file.read = slow_read
    worker = threading.Thread(target=manager.select_source, kwargs={"force_hub": False})
    worker.start()
    try:
        assert reading.wait(10)
        # The read is done but not yet published: the source must still count as stale.
        assert manager._source_stale(), "new stamp visible with the old tokens"
        assert state.data.tokens["transfer.api.globus.org"].access_token == SECRET
    finally:
        release.set()
        worker.join(10)
    assert not manager._source_stale()
    assert state.data.tokens["transfer.api.globus.org"].access_token == "AgRenewedElsewhere0123"
