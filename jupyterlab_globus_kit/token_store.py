"""The server's own token file: its standalone Globus login (issue #18).

The server owns the live credentials and kernels ask its token broker, so this file is the
server's alone: kernel-helpers' standalone login (plain Node, tslab outside JupyterLab)
keeps its own file (``login/token-file.ts``), and neither reads the other's. The OIDC
provider's stored login (:mod:`.oidc`) uses these classes too; that file is still read by
kernels' ``connectOidc()``, because the broker never hands out another provider's token.

- path: ``GLOBUS_KIT_SERVER_TOKEN_FILE``, else
  ``<jupyter data dir>/globus-kit/server/tokens.json`` (pending logins next to it);
- mode 0600 in a 0700 folder; every write is a temp file + ``os.replace``;
- every read-modify-write holds ``<file>.lock`` (created with ``O_EXCL``; a lock older than
  30 s is stale and broken) and bumps ``revision``, so two server processes of one user
  (or a server and a kernel on the OIDC file) never renew or rewrite it at once;
- a file that is not JSON, or JSON that is not ours, is moved aside (never deleted) and
  reported as a :class:`TokenFileError`; a newer ``format_version`` is left untouched;
- :func:`import_shared_login`: the login that version 0.1.0 kept in the file it shared
  with kernels (``GLOBUS_KIT_TOKEN_FILE``, else ``<jupyter data dir>/globus-kit/tokens.json``)
  is copied into the server's file once, so an upgrade does not log anyone out.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import stat
import time
from typing import Any, Callable, Dict, Mapping, Optional

from jupyter_core.paths import jupyter_data_dir

from .globus_data import finite_number

#: The ``format`` marker of the token file.
TOKEN_FILE_FORMAT = "jupyterlab-globus-kit/tokens"
#: The format version written (and the newest read).
TOKEN_FILE_VERSION = 1
#: Default wait for the lock, seconds.
LOCK_TIMEOUT = 10.0
#: Age after which a lock file is stale, seconds.
LOCK_STALE = 30.0

RELOGIN_REMEDY = 'Log in again: click "Log in with Globus" in the Globus sidebar.'

#: Sentinel a change function returns to delete the file.
DELETE = object()

#: A stored token is renewed when it expires within this many seconds (and a status
#: calls it ``expiring`` then).
REFRESH_WINDOW = 60.0


def expiry_of(entry: Mapping[str, Any]) -> Optional[float]:
    """A stored token's ``expires_at_seconds``, or None when it is absent or not a finite
    number (JSON readers accept ``NaN`` and ``Infinity``: both mean an unknown expiry)."""
    return finite_number(entry.get("expires_at_seconds"))


def fresh(entry: Mapping[str, Any]) -> bool:
    """Whether a stored token is good for more than the renewal window (unknown expiry: yes)."""
    exp = expiry_of(entry)
    return exp is None or exp - time.time() > REFRESH_WINDOW


def renewed_elsewhere(entry: Mapping[str, Any], stale_access_token: str) -> bool:
    """Whether another process renewed the token since ``stale_access_token`` was read
    (a different token that is fresh): it is adopted, not renewed again."""
    return entry["access_token"] != stale_access_token and fresh(entry)


def with_renewed(doc: Mapping[str, Any], resource_server: str, renewed: Dict[str, Any],
                 previous: Mapping[str, Any]) -> Dict[str, Any]:
    """``doc`` with ``renewed`` stored for ``resource_server``; a provider that did not
    rotate the refresh token leaves the previous one in place."""
    renewed["refresh_token"] = renewed.get("refresh_token") or previous["refresh_token"]
    new = dict(doc)
    new["tokens"] = {**doc["tokens"], resource_server: renewed}
    return new


class TokenFileError(Exception):
    """A token-file or login problem with a stable ``code`` (same codes as kernel-helpers'
    ``LoginError``) and a ``remedy``. Never carries a token."""

    def __init__(self, code: str, message: str, remedy: str,
                 moved_to: Optional[str] = None) -> None:
        super().__init__(f"{message} {remedy}")
        self.code = code
        self.remedy = remedy
        self.moved_to = moved_to


def _data_dir(env: Mapping[str, str], explicit_env: bool) -> str:
    if explicit_env and env.get("JUPYTER_DATA_DIR"):
        return env["JUPYTER_DATA_DIR"]
    return jupyter_data_dir()


def token_file_path(environ: Optional[Mapping[str, str]] = None) -> str:
    """The server's token file: ``GLOBUS_KIT_SERVER_TOKEN_FILE``, else
    ``<jupyter data dir>/globus-kit/server/tokens.json``. Not ``GLOBUS_KIT_TOKEN_FILE``:
    kernels inherit the server's environment, and that variable names their own file."""
    env = os.environ if environ is None else environ
    explicit = env.get("GLOBUS_KIT_SERVER_TOKEN_FILE")
    if explicit:
        return explicit
    return os.path.join(_data_dir(env, environ is not None), "globus-kit", "server",
                        "tokens.json")


def shared_token_file_path(environ: Optional[Mapping[str, str]] = None) -> str:
    """Where version 0.1.0 kept the login it shared with kernels (and where kernel-helpers'
    standalone login still keeps its own): ``GLOBUS_KIT_TOKEN_FILE``, else
    ``<jupyter data dir>/globus-kit/tokens.json``. Read only by :func:`import_shared_login`."""
    env = os.environ if environ is None else environ
    explicit = env.get("GLOBUS_KIT_TOKEN_FILE")
    if explicit:
        return explicit
    return os.path.join(_data_dir(env, environ is not None), "globus-kit", "tokens.json")


class FileLock:
    """``<path>.lock`` held for a ``with`` block: created with ``O_EXCL``, stale after
    ``stale`` seconds. kernel-helpers' file-lock.ts follows the same protocol on the OIDC
    token file, which the sidebar and kernels' ``connectOidc()`` still share."""

    def __init__(self, path: str, timeout: float = LOCK_TIMEOUT, stale: float = LOCK_STALE):
        self.lock_path = path + ".lock"
        self.timeout = timeout
        self.stale = stale

    def __enter__(self) -> "FileLock":
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while True:
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    json.dump({"pid": os.getpid(), "host": socket.gethostname(),
                               "created": time.time()}, fh)
                return self
            try:
                if time.time() - os.stat(self.lock_path).st_mtime > self.stale:
                    os.unlink(self.lock_path)
                    continue
            except FileNotFoundError:
                continue
            if time.monotonic() > deadline:
                raise TokenFileError(
                    "TOKEN_FILE_LOCKED",
                    f"The token file is locked by another process ({self.lock_path}).",
                    f"Try again; if no other Jupyter process is running, delete {self.lock_path}.",
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def __exit__(self, *exc: Any) -> None:
        try:
            os.unlink(self.lock_path)
        except FileNotFoundError:
            pass


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` through a 0600 temp file in the same folder and a rename."""
    tmp = f"{path}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


#: How long a started login can be completed (kernel-helpers' PENDING_LOGIN_TTL_SECONDS).
PENDING_TTL = 900.0


def update_pending_logins(path: str, change: Callable[[Dict[str, Any]], Dict[str, Any]]
                          ) -> None:
    """Read-modify-write a ``pending-logins.json`` (``{"pending": {state: entry}}``, 0600)
    under its lock. Expired or malformed entries are dropped before ``change`` sees them; an
    empty result removes the file. The server's Globus logins wait next to its own token
    file; the OIDC provider's wait next to the OIDC token file, in the file kernels'
    ``connectOidc().login()`` uses too (kernel-helpers' pending-logins.ts format), shared with
    their Globus logins: ``change`` must keep others' entries."""
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    with FileLock(path):
        try:
            with open(path, encoding="utf-8") as fh:
                pending = json.load(fh).get("pending") or {}
        except (FileNotFoundError, ValueError, AttributeError):
            pending = {}
        cutoff = time.time() - PENDING_TTL
        pending = {k: v for k, v in pending.items()
                   if isinstance(v, dict) and v.get("state") == k
                   and isinstance(v.get("created_at"), (int, float))
                   and v["created_at"] >= cutoff}
        pending = change(pending)
        if pending:
            write_atomically(path, json.dumps({"pending": pending}, indent=2) + "\n")
        else:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


class TokenFile:
    """The token file at one path: validated reads, locked atomic updates, removal.

    :param log: where a file readable by others is reported (default: this package's logger).
    """

    def __init__(self, path: str, lock_timeout: float = LOCK_TIMEOUT,
                 log: Optional[logging.Logger] = None) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        self.log = log or logging.getLogger("jupyterlab_globus_kit")

    def read(self) -> Optional[Dict[str, Any]]:
        """The document, or None when there is no file (raises :class:`TokenFileError`).
        A file that group or others may read or write is put back to 0600, with a warning."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                self._tighten(fh.fileno())
                text = fh.read()
        except FileNotFoundError:
            return None
        return self._validate(text)

    def _tighten(self, fd: int) -> None:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if not mode & 0o077:
            return
        try:
            os.fchmod(fd, 0o600)
            done = "its mode was set to 0600"
        except OSError as err:  # not our file (another owner), or a read-only file system
            done = f"its mode could not be changed ({type(err).__name__})"
        self.log.warning("jupyterlab_globus_kit: the Globus token file %s had mode %s, so "
                         "other users of this machine could read or change it; %s. "
                         "Check who else had access.", self.path, oct(mode), done)

    def update(self, change: Callable[[Optional[Dict[str, Any]]], Any]) -> Optional[Dict[str, Any]]:
        """Read-modify-write under the lock. ``change`` returns the new document, None to
        leave the file alone, or :data:`DELETE`. Returns what is on disk afterwards."""
        os.makedirs(os.path.dirname(self.path) or ".", mode=0o700, exist_ok=True)
        with FileLock(self.path, timeout=self.lock_timeout):
            current = self.read()
            nxt = change(current)
            if nxt is None:
                return current
            if nxt is DELETE:
                try:
                    os.unlink(self.path)
                except FileNotFoundError:
                    pass
                return None
            doc = dict(nxt)
            doc.update(
                format=TOKEN_FILE_FORMAT,
                format_version=TOKEN_FILE_VERSION,
                revision=int((current or {}).get("revision", 0)) + 1,
                updated_at=int(time.time()),
            )
            write_atomically(self.path, json.dumps(doc, indent=2) + "\n")
            return doc

    def remove(self) -> None:
        """Delete the file (a corrupt one was already moved aside by :meth:`read`)."""
        try:
            self.update(lambda _doc: DELETE)
        except TokenFileError as err:
            if err.code == "TOKEN_FILE_UNSUPPORTED":
                raise

    # ------------------------------------------------------------------ internals

    def _validate(self, text: str) -> Dict[str, Any]:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            moved = self._move_aside()
            raise TokenFileError(
                "TOKEN_FILE_CORRUPT",
                f"The Globus token file {self.path} is not valid JSON; it was moved to {moved}.",
                RELOGIN_REMEDY, moved)
        if value.get("format") != TOKEN_FILE_FORMAT:
            moved = self._move_aside()
            raise TokenFileError(
                "TOKEN_FILE_FOREIGN",
                f"{self.path} is not a jupyterlab-globus-kit token file; it was moved to {moved}.",
                RELOGIN_REMEDY, moved)
        version = value.get("format_version")
        if not isinstance(version, (int, float)) or isinstance(version, bool) \
                or version > TOKEN_FILE_VERSION:
            raise TokenFileError(
                "TOKEN_FILE_UNSUPPORTED",
                f"The Globus token file {self.path} has format version {version!r}, newer than "
                f"this version reads ({TOKEN_FILE_VERSION}); it was left as it is.",
                "Upgrade jupyterlab-globus-kit in this environment, or set "
                "GLOBUS_KIT_TOKEN_FILE to another path.")
        if not _valid_body(value):
            moved = self._move_aside()
            raise TokenFileError(
                "TOKEN_FILE_CORRUPT",
                f"The Globus token file {self.path} has missing or mistyped fields; it was "
                f"moved to {moved}.", RELOGIN_REMEDY, moved)
        return value

    def _move_aside(self) -> str:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        target = f"{self.path}.bad-{stamp}-{secrets.token_hex(3)}"
        os.replace(self.path, target)
        return target


def _valid_body(doc: Mapping[str, Any]) -> bool:
    if not isinstance(doc.get("revision"), int) or isinstance(doc.get("revision"), bool):
        return False
    if not isinstance(doc.get("client_id"), str) or not isinstance(doc.get("auth_base_url"), str):
        return False
    tokens = doc.get("tokens")
    if not isinstance(tokens, dict):
        return False
    for rs, tok in tokens.items():
        if not isinstance(tok, dict) or tok.get("resource_server") != rs:
            return False
        if not isinstance(tok.get("access_token"), str) or not isinstance(tok.get("scope"), str):
            return False
        if tok.get("refresh_token") is not None and not isinstance(tok.get("refresh_token"), str):
            return False
        exp = tok.get("expires_at_seconds")
        if exp is not None and (not isinstance(exp, (int, float)) or isinstance(exp, bool)):
            return False
    return True


#: Next to the server's token file once :func:`import_shared_login` has looked at the old
#: shared file: a later logout (which deletes the server's file) is not undone by a second
#: import at the next start.
IMPORT_MARKER = "imported-shared-login"


def import_shared_login(server_file: "TokenFile", shared_path: str,
                        log: Optional[logging.Logger] = None) -> Optional[str]:
    """Copy the login version 0.1.0 kept in the token file it shared with kernels into the
    server's own file, once: only when the server has no file of its own yet and has not
    imported before (:data:`IMPORT_MARKER`). The old file stays where it is, for
    kernel-helpers' standalone login, which keeps using it outside JupyterLab.

    :returns: what happened, for the log (``None`` when there was nothing to look at)
    """
    log = log or logging.getLogger("jupyterlab_globus_kit")
    marker = os.path.join(os.path.dirname(server_file.path) or ".", IMPORT_MARKER)
    if os.path.abspath(shared_path) == os.path.abspath(server_file.path) \
            or os.path.exists(marker) or os.path.exists(server_file.path) \
            or not os.path.exists(shared_path):
        return None
    try:
        old = TokenFile(shared_path, log=log).read()
    except TokenFileError as err:
        outcome = f"not imported ({err.code})"
        old = None
    else:
        outcome = "nothing to import (no tokens)"
    if old and old.get("tokens"):
        copied = {k: v for k, v in old.items()
                  if k not in ("format", "format_version", "revision", "updated_at")}
        # Under the server file's lock: another server process starting at the same time
        # finds the file written and keeps it.
        server_file.update(lambda current: copied if current is None else None)
        outcome = f"imported ({len(old['tokens'])} tokens)"
    os.makedirs(os.path.dirname(marker) or ".", mode=0o700, exist_ok=True)
    write_atomically(marker, json.dumps({"from": shared_path, "outcome": outcome,
                                         "at": int(time.time())}) + "\n")
    log.info("jupyterlab_globus_kit: the Globus login of %s (shared with kernels up to "
             "0.1.0): %s into the server's own token file %s; the old file is left for "
             "kernel-helpers' own login outside JupyterLab", shared_path, outcome,
             server_file.path)
    return outcome
