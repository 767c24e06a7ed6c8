"""Decode and normalise ``GLOBUS_DATA``, the hub's pickled Globus ``auth_state``.

JupyterHub's Globus authenticator sets ``GLOBUS_DATA = base64(pickle.dumps(auth_state))``.
A pickle can name any importable callable, so we decode it with an unpickler whose
``find_class`` refuses every class: legitimate payloads are JSON-typed data (dicts, lists,
strings, numbers, booleans, None) and never reference one.

The payload has had three shapes across authenticator versions; :func:`normalise` turns
each into one :class:`GlobusData`:

* pre-0.12: ``{client_id, tokens}``, each token with an absolute ``expires_at_seconds``;
* 0.12-15: ``{client_id, tokens}``, each token with a relative ``expires_in`` only;
* 16+: as 0.12 plus ``token_response`` (the raw token response, id_token included),
  ``globus_user`` (userinfo claims) and ``globus_groups``.

Raw tokens stay in this process: :class:`TokenInfo` keeps them out of ``repr`` and
:meth:`GlobusData.public_status` never includes them.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import pickle
import pickletools
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

#: Longest ``GLOBUS_DATA`` we accept; real payloads are a few kilobytes.
MAX_ENCODED_LENGTH = 1_000_000

SHAPE_PRE_012 = "pre-0.12"
SHAPE_012_15 = "0.12-15"
SHAPE_16_PLUS = "16+"


class GlobusDataError(ValueError):
    """``GLOBUS_DATA`` could not be decoded safely.

    ``code`` is stable: ``malformed`` (not base64 or not a pickle), ``forbidden-class``
    (the pickle references a class or callable), ``unexpected-type`` (a value that JSON
    cannot hold) or ``unexpected-shape`` (not an auth_state dict). The message never
    contains any part of the payload.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> Tuple[Any, ...]:
        return (GlobusDataError, (self.code, str(self)))


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global, so no pickle can run code."""

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle API
        # Say what was referenced (module and name are code identifiers, not secrets) so a
        # hub admin can see why the payload was refused.
        raise GlobusDataError(
            "forbidden-class",
            f"GLOBUS_DATA references {module}.{name}; only plain data is allowed",
        )

    def persistent_load(self, pid: Any) -> Any:
        raise GlobusDataError("forbidden-class", "GLOBUS_DATA uses a persistent id")


_BYTES_REPR = re.compile(r"""^b(['"])(.*)\1$""", re.S)


#: Deepest nesting accepted; auth_state is four levels deep.
MAX_DEPTH = 64
#: Most values accepted. Memo references let a small pickle describe a huge tree (the
#: "billion laughs"); walking it would take exponential time.
MAX_VALUES = 200_000


def _check_plain(value: Any) -> Any:
    """Return ``value`` as JSON-typed data (tuples become lists) or raise."""
    budget = [MAX_VALUES]

    def visit(v: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise GlobusDataError("unexpected-type", "GLOBUS_DATA holds too many values")
        if depth > MAX_DEPTH:  # also stops self-referencing (cyclic) containers
            raise GlobusDataError("unexpected-type", "GLOBUS_DATA is nested too deeply")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, (list, tuple)):
            return [visit(x, depth + 1) for x in v]
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if not isinstance(k, str):
                    raise GlobusDataError("unexpected-type", "GLOBUS_DATA has a non-string key")
                out[k] = visit(x, depth + 1)
            return out
        raise GlobusDataError(
            "unexpected-type", f"GLOBUS_DATA holds a {type(v).__name__}, not plain data"
        )

    return visit(value, 0)


_MAX_MEMO_INDEX = 1 << 20
_MEMO_OPCODES = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"})


def _check_memo_indexes(raw: bytes) -> None:
    """Refuse memo indexes no real pickle of this size can have.

    CPython's C unpickler grows its memo table to the largest index it is given, so a
    500-byte pickle with ``LONG_BINPUT 258479985`` made it allocate about 2 GB and spend
    seconds doing so. Picklers number memo entries from 0, one per memoised value; a cap of
    2**20 (an 8 MB table at most) leaves room for hand-made pickles that skip numbers.
    """
    try:
        for opcode, arg, _pos in pickletools.genops(raw):
            if opcode.name in _MEMO_OPCODES:
                index = int(arg)
                if index < 0 or index >= _MAX_MEMO_INDEX:
                    raise GlobusDataError("malformed", "GLOBUS_DATA is not a valid pickle")
            elif opcode.name == "STOP":
                return
    except GlobusDataError:
        raise
    except Exception:  # a truncated or unknown opcode: the unpickler reports it below
        return


def loads_restricted(raw: bytes) -> Any:
    """Unpickle ``raw`` without resolving any global; the whole input must be one pickle.

    The result may still hold bytes, sets or other non-JSON values built by opcodes that
    need no global; :func:`decode` rejects those.
    """
    _check_memo_indexes(raw)
    stream = io.BytesIO(raw)
    try:
        value = _RestrictedUnpickler(stream).load()
    except GlobusDataError:
        raise
    except RecursionError:
        raise GlobusDataError("malformed", "GLOBUS_DATA is nested too deeply") from None
    except Exception:  # any unpickling failure: truncated, bad opcode, stack underflow …
        # `from None`: the original exception may quote payload bytes.
        raise GlobusDataError("malformed", "GLOBUS_DATA is not a valid pickle") from None
    if stream.tell() != len(raw):
        raise GlobusDataError("malformed", "GLOBUS_DATA has data after the pickle")
    return value


def decode(encoded: str) -> Dict[str, Any]:
    """Decode a ``GLOBUS_DATA`` string into plain data, never executing anything.

    Accepts surrounding whitespace, a ``b'…'`` wrapper (old authenticators stored the
    bytes repr) and missing base64 padding.
    """
    if not isinstance(encoded, str):
        raise GlobusDataError("malformed", "GLOBUS_DATA must be a string")
    text = encoded.strip()
    if len(text) > MAX_ENCODED_LENGTH:
        raise GlobusDataError("malformed", "GLOBUS_DATA is too long")
    m = _BYTES_REPR.match(text)
    if m:
        text = m.group(2).strip()
    text = re.sub(r"\s+", "", text)
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise GlobusDataError("malformed", "GLOBUS_DATA is not valid base64") from None
    value = _check_plain(loads_restricted(raw))
    if not isinstance(value, dict):
        raise GlobusDataError("unexpected-shape", "GLOBUS_DATA is not a dict")
    return value


@dataclass(frozen=True)
class TokenInfo:
    """One resource server's token. The secrets are excluded from ``repr``."""

    resource_server: str
    scopes: Tuple[str, ...]
    expires_at: Optional[float]
    #: ``absolute`` (expires_at_seconds), ``id_token`` (iat + expires_in),
    #: ``estimated`` (server start + expires_in: issuance time unknown) or ``unknown``.
    expires_at_source: str
    origin: str  # "tokens" or "token_response"
    token_type: str = "Bearer"
    access_token: str = field(default="", repr=False)
    refresh_token: Optional[str] = field(default=None, repr=False)


@dataclass(frozen=True)
class GlobusData:
    """The normalised content of ``GLOBUS_DATA``."""

    shape: str
    client_id: Optional[str]
    identity: Optional[Dict[str, Any]]
    tokens: Dict[str, TokenInfo]
    groups: List[str]

    def secrets(self) -> List[str]:
        """Every raw token string held, for redaction checks."""
        out = []
        for t in self.tokens.values():
            out.append(t.access_token)
            if t.refresh_token:
                out.append(t.refresh_token)
        return [s for s in out if s]

    def public_status(self, now: Optional[float] = None) -> Dict[str, Any]:
        """A JSON-able summary without any token, id_token or secret."""
        now = time.time() if now is None else now
        tokens = []
        for rs in sorted(self.tokens):
            t = self.tokens[rs]
            if t.expires_at is None:
                status = "unknown"
            elif t.expires_at <= now:
                status = "expired"
            else:
                status = "active"
            tokens.append(
                {
                    "resourceServer": t.resource_server,
                    "scopes": list(t.scopes),
                    "expiresAt": t.expires_at,
                    "expiresAtSource": t.expires_at_source,
                    "status": status,
                    "hasRefreshToken": bool(t.refresh_token),
                    "origin": t.origin,
                }
            )
        return {
            "shape": self.shape,
            "clientId": self.client_id,
            "identity": self.identity,
            "tokens": tokens,
            "groups": list(self.groups),
        }


_IDENTITY_KEYS = ("sub", "name", "preferred_username", "email", "identity_provider",
                  "identity_provider_display_name", "organization")


def _jwt_claims(token: Any) -> Optional[Dict[str, Any]]:
    """Read a JWT's claims without verifying it: used only for display and ``iat``.

    The id_token came from the hub together with the tokens it describes; nothing here
    grants access based on it.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def finite_number(value: Any) -> Optional[float]:
    """``value`` as a float when it is a finite int or float, else None: a NaN or infinite
    expiry (a pickle can hold both) is an unknown expiry, never a number we compute or send
    as JSON with."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return number if math.isfinite(number) else None


def _scopes(value: Any) -> Tuple[str, ...]:
    if isinstance(value, str):
        return tuple(s for s in value.split() if s)
    if isinstance(value, list):
        return tuple(s for s in value if isinstance(s, str) and s)
    return ()


def normalise(data: Mapping[str, Any], reference_time: Optional[float] = None) -> GlobusData:
    """Turn any known auth_state shape into :class:`GlobusData`.

    :param data: the decoded payload (see :func:`decode`).
    :param reference_time: when this server started; since 0.12 tokens carry only
        ``expires_in`` and, without an id_token, the best bound we have is counting it
        from the time the hub spawned us.
    """
    if not isinstance(data, Mapping):
        raise GlobusDataError("unexpected-shape", "GLOBUS_DATA is not a dict")
    reference_time = time.time() if reference_time is None else reference_time
    raw_tokens = data.get("tokens")
    revoked_pre_012 = raw_tokens == ""
    if raw_tokens in ("", None):  # revoked on hub logout: '' (0.7.2-0.11) or {} (0.12+)
        raw_tokens = {}
    if not isinstance(raw_tokens, Mapping):
        raise GlobusDataError("unexpected-shape", "GLOBUS_DATA 'tokens' is not a dict")

    is_16 = any(k in data for k in ("token_response", "globus_user", "globus_groups"))
    has_absolute = any(
        isinstance(t, Mapping) and "expires_at_seconds" in t for t in raw_tokens.values()
    )
    shape = (
        SHAPE_16_PLUS
        if is_16
        else SHAPE_PRE_012 if has_absolute or revoked_pre_012 else SHAPE_012_15
    )

    token_response = data.get("token_response")
    token_response = token_response if isinstance(token_response, Mapping) else {}
    id_claims = _jwt_claims(token_response.get("id_token"))
    issued_at = finite_number(id_claims.get("iat")) if id_claims else None

    def make(rs: str, t: Mapping[str, Any], origin: str) -> TokenInfo:
        absolute = finite_number(t.get("expires_at_seconds"))
        expires_in = finite_number(t.get("expires_in"))
        if absolute is not None:
            expires_at, source = absolute, "absolute"
        elif expires_in is not None and issued_at is not None:
            expires_at, source = issued_at + expires_in, "id_token"
        elif expires_in is not None:
            expires_at, source = reference_time + expires_in, "estimated"
        else:
            expires_at, source = None, "unknown"
        if expires_at is not None and not math.isfinite(expires_at):  # 1e308 + 1e308
            expires_at, source = None, "unknown"
        access = t.get("access_token")
        refresh = t.get("refresh_token")
        return TokenInfo(
            resource_server=rs,
            scopes=_scopes(t.get("scope")),
            expires_at=expires_at,
            expires_at_source=source,
            origin=origin,
            token_type=str(t.get("token_type") or "Bearer"),
            access_token=access if isinstance(access, str) else "",
            refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        )

    tokens: Dict[str, TokenInfo] = {}
    for key, t in raw_tokens.items():
        if not isinstance(t, Mapping):
            raise GlobusDataError("unexpected-shape", "a GLOBUS_DATA token is not a dict")
        rs = t.get("resource_server") if isinstance(t.get("resource_server"), str) else key
        tokens[rs] = make(rs, t, "tokens")
    # Since 16.0 the unfiltered token response is also present; it holds the Auth (and
    # Groups) tokens that `exclude_tokens` removed from `tokens`. An empty `tokens` is what
    # revoke-on-logout leaves, with the same (revoked) tokens still in token_response: they
    # are not offered as usable (as kernel-helpers' normalise does).
    if token_response and tokens:
        others = token_response.get("other_tokens")
        candidates = [token_response] + (list(others) if isinstance(others, list) else [])
        for t in candidates:
            if not isinstance(t, Mapping):
                continue
            rs = t.get("resource_server")
            if isinstance(rs, str) and rs and rs not in tokens and t.get("access_token"):
                tokens[rs] = make(rs, t, "token_response")

    identity: Optional[Dict[str, Any]] = None
    user = data.get("globus_user")
    source = user if isinstance(user, Mapping) else id_claims
    if source:
        identity = {k: source[k] for k in _IDENTITY_KEYS if isinstance(source.get(k), str)}
        identity = identity or None

    groups_raw = data.get("globus_groups")
    groups = [g for g in groups_raw if isinstance(g, str)] if isinstance(groups_raw, list) else []
    client_id = data.get("client_id")
    return GlobusData(
        shape=shape,
        client_id=client_id if isinstance(client_id, str) else None,
        identity=identity,
        tokens=tokens,
        groups=groups,
    )


def load(encoded: str, reference_time: Optional[float] = None) -> GlobusData:
    """:func:`decode` then :func:`normalise`."""
    return normalise(decode(encoded), reference_time)
