"""Real processes for the route tests: the emulator CLI and a jupyter_server with this
extension (pytest-jupyter is not available here, so the server runs as a subprocess)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVER_TOKEN = "route-test-server-token-not-a-globus-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """``node emulator/dist/cli.js`` with a data folder the test can write into."""

    def __init__(self, *args: str) -> None:
        cli = ROOT / "emulator" / "dist" / "cli.js"
        if not cli.exists():
            raise RuntimeError("emulator/dist/cli.js is missing: run `npm run build` first")
        self.tmp = tempfile.TemporaryDirectory(prefix="globus-kit-emu-")
        self.data_dir = Path(self.tmp.name)
        self.proc = subprocess.Popen(
            ["node", str(cli), "--data", str(self.data_dir), *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
        )
        self.env: Dict[str, str] = {}
        deadline = time.monotonic() + 60
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                break
            key, sep, value = line.partition("=")
            if sep:
                self.env[key] = value
            if time.monotonic() > deadline:
                break
        if "GLOBUS_DATA" not in self.env:
            self.stop()
            raise RuntimeError("the emulator did not start")
        self.admin = self.env["GLOBUS_EMULATOR_ADMIN_URL"]

    def collection_dir(self, collection_id: str) -> Path:
        return self.data_dir / "collections" / collection_id

    def admin_call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.admin + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def add_fault(self, rule: Dict[str, Any]) -> None:
        self.admin_call("POST", "/faults", rule)

    def clear_faults(self) -> None:
        self.admin_call("DELETE", "/faults")

    def issued_secrets(self) -> List[str]:
        """Every token, code, verifier, client secret and (with ``--platform``) STS key the
        emulator issued, for leak scans."""
        doc = self.admin_call("GET", "/issued-secrets")
        values = doc.values() if isinstance(doc, dict) else []
        return [s for v in values if isinstance(v, list) for s in v
                if isinstance(s, str) and len(s) >= 8]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.tmp.cleanup()


class JupyterServer:
    """A jupyter_server with only this extension, the given environment and a known token.

    Every response body is kept in ``responses`` so a test can scan them all for tokens.
    """

    def __init__(self, env_extra: Dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = tempfile.TemporaryDirectory(prefix="globus-kit-routes-")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GLOBUS_", "JUPYTER_"))}
        for name in ("config", "data", "runtime"):
            Path(self.tmp.name, name).mkdir()
        env.update(
            JUPYTER_CONFIG_DIR=str(Path(self.tmp.name, "config")),
            JUPYTER_DATA_DIR=str(Path(self.tmp.name, "data")),
            JUPYTER_RUNTIME_DIR=str(Path(self.tmp.name, "runtime")),
            PYTHONPATH=str(ROOT),  # the source tree, not an installed wheel
        )
        env.update(env_extra)
        self.responses: List[str] = []
        self.log = open(Path(self.tmp.name, "server.log"), "w+")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
                f"--port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={SERVER_TOKEN}",
                f"--ServerApp.root_dir={self.tmp.name}",
                "--ServerApp.jpserver_extensions={'jupyterlab_globus_kit': True, "
                "'jupyterlab': False, 'jupyter_lsp': False, 'jupyter_server_terminals': False, "
                "'notebook_shim': False}",
            ] + (["--allow-root"] if os.geteuid() == 0 else []),
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp.name,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                requests.get(f"{self.url}/api", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        output = self.output()
        self.stop()
        raise RuntimeError(f"jupyter_server did not start:\n{output}")

    def request(self, method: str, path: str, *, token: Optional[str] = SERVER_TOKEN,
                **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"token {token}"
        r = requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
        self.responses.append(r.text)
        return r

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=body if body is not None else {}, **kwargs)

    def cookie_session(self) -> requests.Session:
        """A session logged in as a browser is: the login page sets ``_xsrf``, the login
        form (with it) sets the login cookie; no ``_xsrf`` header on later requests."""
        s = requests.Session()
        s.get(f"{self.url}/login", timeout=10)
        xsrf = s.cookies.get("_xsrf")
        assert xsrf, "the login page should set an _xsrf cookie"
        r = s.post(f"{self.url}/login", data={"password": SERVER_TOKEN, "_xsrf": xsrf},
                   allow_redirects=False, timeout=10)
        assert r.status_code == 302
        return s

    def assert_no_secret(self, secrets: List[str]) -> None:
        """None of ``secrets`` in any response body kept so far nor in the server's log."""
        for text in self.responses:
            for secret in secrets:
                assert secret not in text
        log = self.output()
        for secret in secrets:
            assert secret not in log

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


#: The emulator's native-app client (emulator/src/state/seed.ts NATIVE_CLIENT_ID).
NATIVE_CLIENT_ID = "d1b9f3a5-2c4e-4f6a-9b0c-1d2e3f4a5b66"


def serve_for_logins(emulator: "Emulator") -> Iterator["JupyterServer"]:
    """A server pointed at the emulator's services, with its native client for logins and
    no GLOBUS_DATA: the login, token-file, renewal and broker tests' server."""
    env = {k: v for k, v in emulator.env.items() if k.startswith("GLOBUS_SDK_SERVICE_URL_")}
    env["GLOBUS_KIT_CLIENT_ID"] = NATIVE_CLIENT_ID
    srv = JupyterServer(env)
    yield srv
    srv.stop()


def serve_with_globus_data(emulator: "Emulator", timeout: Optional[str] = "3",
                           extra_env: Optional[Dict[str, str]] = None
                           ) -> Iterator["JupyterServer"]:
    """A server with the emulator's GLOBUS_DATA and services (and, with ``timeout``, a short
    Globus request timeout in seconds; ``extra_env`` on top): the API routes' tests' server."""
    env = {k: v for k, v in emulator.env.items() if k.startswith("GLOBUS_SDK_") or
           k == "GLOBUS_DATA"}
    if timeout is not None:
        env["GLOBUS_KIT_REQUEST_TIMEOUT"] = timeout
    env.update(extra_env or {})
    srv = JupyterServer(env)
    yield srv
    srv.stop()


def secrets_of(globus_data: str) -> Dict[str, str]:
    """resource server → access token, decoded with the project's own decoder."""
    from jupyterlab_globus_kit.globus_data import load

    data = load(globus_data)
    out = {rs: t.access_token for rs, t in data.tokens.items()}
    for rs, t in data.tokens.items():
        if t.refresh_token:
            out[f"{rs}#refresh"] = t.refresh_token
    return out
