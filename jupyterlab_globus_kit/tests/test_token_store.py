"""The token file: format, mode, atomic locked updates, bad files moved aside, and the
same file read and written by kernel-helpers (Node) and this package (Python)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from jupyterlab_globus_kit.token_store import (
    FileLock, TokenFile, TokenFileError, token_file_path,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN_FILE_JS = ROOT / "kernel-helpers" / "dist" / "login" / "token-file.js"
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


def node(script: str, *args: str) -> subprocess.CompletedProcess:
    if not TOKEN_FILE_JS.exists():
        pytest.skip("kernel-helpers is not built")
    return subprocess.run(["node", "-e", script, str(TOKEN_FILE_JS), *args],
                          capture_output=True, text=True, timeout=60)


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


def test_should_follow_jupyter_data_dir(tmp_path: Path) -> None:
    assert token_file_path({"JUPYTER_DATA_DIR": "/d"}) == "/d/globus-kit/tokens.json"
    assert token_file_path({"GLOBUS_KIT_TOKEN_FILE": "/t.json"}) == "/t.json"


NODE_READ = """
const { TokenFile } = require(process.argv[1]);
new TokenFile(process.argv[2]).read().then(doc => {
  const t = doc.tokens['transfer.api.globus.org'];
  console.log(JSON.stringify({ revision: doc.revision,
    sameSecret: t.access_token === process.argv[3],
    refresh: Boolean(t.refresh_token), exp: t.expires_at_seconds }));
}, e => { console.log(JSON.stringify({ error: e.code })); });
"""

NODE_WRITE = """
const { TokenFile } = require(process.argv[1]);
const file = new TokenFile(process.argv[2], { timeoutMs: Number(process.argv[3] || 10000) });
file.update(doc => ({ ...doc, tokens: { ...doc.tokens,
  'groups.api.globus.org': { resource_server: 'groups.api.globus.org',
  access_token: 'AgNodeWritten',
  refresh_token: null, scope: 'urn:globus:auth:scope:groups.api.globus.org:all',
  expires_at_seconds: null,
  token_type: 'Bearer' } } })).then(d => console.log(JSON.stringify({ revision: d.revision })),
  e => console.log(JSON.stringify({ error: e.code })));
"""


def test_should_be_readable_by_node_when_python_writes(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    TokenFile(str(path)).update(lambda cur: sample())
    out = node(NODE_READ, str(path), SECRET)
    assert json.loads(out.stdout) == {"revision": 1, "sameSecret": True, "refresh": True,
                                      "exp": 2000000000}, out.stderr


def test_should_read_what_node_writes_and_share_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    f = TokenFile(str(path))
    f.update(lambda cur: sample())
    out = node(NODE_WRITE, str(path))
    assert json.loads(out.stdout) == {"revision": 2}, out.stderr
    doc = f.read()
    assert doc["tokens"]["groups.api.globus.org"]["access_token"] == "AgNodeWritten"
    assert doc["tokens"]["transfer.api.globus.org"]["access_token"] == SECRET
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with FileLock(str(path)):
        out = node(NODE_WRITE, str(path), "300")
    assert json.loads(out.stdout) == {"error": "TOKEN_FILE_LOCKED"}
    assert f.read()["revision"] == 2


def test_node_should_move_a_file_python_rejects_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("not json")
    out = node(NODE_READ, str(path), SECRET)
    assert json.loads(out.stdout) == {"error": "TOKEN_FILE_CORRUPT"}
    assert not path.exists()
    assert any(p.name.startswith("tokens.json.bad-") for p in tmp_path.iterdir())


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
    env = {"GLOBUS_KIT_TOKEN_FILE": str(path)}
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
