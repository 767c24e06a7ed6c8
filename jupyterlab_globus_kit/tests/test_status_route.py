"""GET /globus-kit/status against a real jupyter_server process (pytest-jupyter is not
available here, so the server runs as a subprocess with a known token)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest
import requests

from .conftest import AUTH_TOKEN, SECRETS, encode, shape_16

ROOT = Path(__file__).resolve().parents[2]
SERVER_TOKEN = "test-server-token-not-a-globus-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, globus_data: Optional[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="globus-kit-server-")
        env: Dict[str, str] = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("GLOBUS_", "JUPYTER_"))
        }
        for name in ("config", "data", "runtime"):
            Path(self.tmp.name, name).mkdir()
        env.update(
            JUPYTER_CONFIG_DIR=str(Path(self.tmp.name, "config")),
            JUPYTER_DATA_DIR=str(Path(self.tmp.name, "data")),
            JUPYTER_RUNTIME_DIR=str(Path(self.tmp.name, "runtime")),
            # The source tree wins over an installed wheel, so the tests test this code.
            PYTHONPATH=str(ROOT),
        )
        if globus_data is not None:
            env["GLOBUS_DATA"] = globus_data
        self.log = open(Path(self.tmp.name, "server.log"), "w+")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter_server",
                "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={SERVER_TOKEN}",
                f"--ServerApp.root_dir={self.tmp.name}",
                # Only our extension: the others installed in the venv only slow the start.
                "--ServerApp.jpserver_extensions={'jupyterlab_globus_kit': True, "
                "'jupyterlab': False, 'jupyter_lsp': False, 'jupyter_server_terminals': False, "
                "'notebook_shim': False}",
            ] + (["--allow-root"] if os.geteuid() == 0 else []),
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp.name,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                requests.get(f"{self.url}/api", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        output = self.output()
        self.stop()
        raise RuntimeError(f"jupyter_server did not start:\n{output}")

    def get(self, path: str, token: Optional[str] = SERVER_TOKEN) -> requests.Response:
        headers = {"Authorization": f"token {token}"} if token else {}
        return requests.get(f"{self.url}{path}", headers=headers, timeout=10)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        self.tmp.cleanup()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server(encode(shape_16(iat=int(time.time())), 4))
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
    s = Server(None)
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

    s = Server(encode(Evil(), 4))
    try:
        body = s.get("/globus-kit/status").json()
    finally:
        s.stop()
    assert body["available"] is False
    assert body["problem"]["code"] == "globus-data-forbidden-class"
    assert not (tmp_path / "pwned").exists()
