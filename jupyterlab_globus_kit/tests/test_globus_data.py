"""The GLOBUS_DATA decoder: every auth_state shape, and refusal of anything but data."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import pytest

from jupyterlab_globus_kit.globus_data import (
    SHAPE_012_15,
    SHAPE_16_PLUS,
    SHAPE_PRE_012,
    GlobusDataError,
    decode,
    load,
    loads_restricted,
    normalise,
)

from .conftest import (
    AUTH_TOKEN,
    GROUPS_TOKEN,
    REFRESH_TOKEN,
    SECRETS,
    TRANSFER_SCOPE,
    TRANSFER_TOKEN,
    encode,
    shape_012_15,
    shape_16,
    shape_pre_012,
)

VECTORS = Path(__file__).resolve().parents[2] / "test" / "vectors" / "globus-data"


class Evil:
    """Pickles to a REDUCE of os.system: must never run."""

    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > /dev/null",))


class TestDecode:
    @pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
    def test_should_decode_every_protocol(self, protocol, now):
        data = shape_pre_012(now)
        assert decode(encode(data, protocol)) == data

    def test_should_accept_bytes_repr_whitespace_and_missing_padding(self, now):
        text = encode(shape_pre_012(now)).rstrip("=")
        assert decode(f"  b'{text}'\n")["client_id"] == "hub-client"

    def test_should_refuse_global_with_a_typed_error(self):
        with pytest.raises(GlobusDataError) as info:
            decode(encode(Evil(), 2))
        assert info.value.code == "forbidden-class"
        assert "posix.system" in str(info.value) or "os.system" in str(info.value)

    @pytest.mark.parametrize("protocol", [2, 4, 5])
    def test_should_refuse_a_class_instance(self, protocol):
        with pytest.raises(GlobusDataError) as info:
            decode(encode({"x": Path("/tmp")}, protocol))
        assert info.value.code == "forbidden-class"

    def test_should_refuse_reduce_without_global(self):
        # PROTO 2, two empty tuples, REDUCE, STOP: REDUCE on a non-callable.
        raw = b"\x80\x02)\x29R."
        with pytest.raises(GlobusDataError) as info:
            decode(base64.b64encode(raw).decode())
        assert info.value.code == "malformed"

    def test_should_refuse_bytes_values(self):
        with pytest.raises(GlobusDataError) as info:
            decode(encode({"k": b"raw"}, 3))
        assert info.value.code == "unexpected-type"

    @pytest.mark.parametrize("text", ["not base64!!", "", "AAAA"])
    def test_should_refuse_garbage_as_malformed(self, text):
        with pytest.raises(GlobusDataError) as info:
            decode(text)
        assert info.value.code == "malformed"

    def test_should_refuse_non_dict(self):
        with pytest.raises(GlobusDataError) as info:
            decode(encode(["a"]))
        assert info.value.code == "unexpected-shape"

    def test_error_message_should_not_contain_the_payload(self, now):
        text = encode(shape_pre_012(now))[:-8]  # truncated
        with pytest.raises(GlobusDataError) as info:
            decode(text)
        assert TRANSFER_TOKEN not in str(info.value)
        assert info.value.__cause__ is None


class TestNormalise:
    def test_pre_012_uses_absolute_expiry(self, now):
        g = load(encode(shape_pre_012(now), 3), reference_time=now - 100)
        assert g.shape == SHAPE_PRE_012
        t = g.tokens["transfer.api.globus.org"]
        assert t.expires_at == int(now) + 3600
        assert t.expires_at_source == "absolute"
        assert t.refresh_token == REFRESH_TOKEN
        assert t.scopes == (TRANSFER_SCOPE,)

    def test_012_15_estimates_expiry_from_server_start(self, now):
        g = load(encode(shape_012_15(), 4), reference_time=1000.0)
        assert g.shape == SHAPE_012_15
        t = g.tokens["transfer.api.globus.org"]
        assert t.expires_at == 1000.0 + 172800
        assert t.expires_at_source == "estimated"
        assert t.refresh_token is None
        assert g.identity is None

    def test_16_uses_id_token_iat_and_globus_user(self, now):
        g = load(encode(shape_16(iat=5000), 5), reference_time=now)
        assert g.shape == SHAPE_16_PLUS
        assert g.identity == {
            "sub": "user-uuid",
            "preferred_username": "demo@example.edu",
            "name": "Demo User",
            "identity_provider": "idp-uuid",
        }
        assert g.tokens["transfer.api.globus.org"].expires_at == 5000 + 172800
        assert g.tokens["transfer.api.globus.org"].origin == "tokens"
        # Auth and Groups tokens come only from the unfiltered token_response.
        assert g.tokens["auth.globus.org"].origin == "token_response"
        assert g.tokens["groups.api.globus.org"].access_token == GROUPS_TOKEN
        assert g.groups == ["group-uuid"]

    def test_tokens_revoked_at_logout(self):
        for empty in ("", {}):
            g = load(encode({"client_id": "c", "tokens": empty}))
            assert g.tokens == {}

    def test_repr_and_public_status_hold_no_secret(self, now):
        g = load(encode(shape_16(iat=int(now)), 4))
        text = repr(g) + json.dumps(g.public_status(now))
        for secret in SECRETS:
            assert secret not in text
        assert set(g.secrets()) == {TRANSFER_TOKEN, AUTH_TOKEN, GROUPS_TOKEN}

    def test_public_status_marks_expired_tokens(self, now):
        g = load(encode(shape_pre_012(now)))
        rows = g.public_status(now + 7200)["tokens"]
        assert [r["status"] for r in rows] == ["expired"]
        rows = g.public_status(now)["tokens"]
        assert rows[0]["status"] == "active"
        assert rows[0]["hasRefreshToken"] is True


MALICIOUS = VECTORS.parent / "malicious"


def _vectors(folder: Path):
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _tag(value):
    """The vectors' tagged JSON form (see test/vectors/make-vectors.py)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 - 1 else {"$bigint": str(value)}
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_tag(v) for v in value]
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    raise TypeError(type(value).__name__)


@pytest.mark.skipif(not _vectors(VECTORS), reason="shared vectors not present")
@pytest.mark.parametrize("path", _vectors(VECTORS), ids=lambda p: p.stem)
def test_shared_vector(path):
    """The vectors kernel-helpers also decodes: same pickles, same values."""
    vector = json.loads(path.read_text())
    expected = json.loads(vector["expected_json"])
    raw = base64.b64decode(vector["pickle_b64"])
    assert _tag(loads_restricted(raw)) == expected
    if vector["kind"] == "auth-state":
        data = decode(vector["pickle_b64"])
        assert data == expected
        g = normalise(data, reference_time=0)
        assert g.shape == vector["shape"]
        for t in g.tokens.values():
            assert t.expires_at is None or t.expires_at > 0


@pytest.mark.skipif(not _vectors(MALICIOUS), reason="shared vectors not present")
@pytest.mark.parametrize("path", _vectors(MALICIOUS), ids=lambda p: p.stem)
def test_malicious_vector_is_refused(path, tmp_path, monkeypatch):
    """Every hostile or broken pickle ends in GlobusDataError, and nothing runs."""
    monkeypatch.chdir(tmp_path)
    vector = json.loads(path.read_text())
    with pytest.raises(GlobusDataError) as info:
        decode(vector["pickle_b64"])
    assert info.value.code in {"malformed", "forbidden-class", "unexpected-type",
                               "unexpected-shape"}
    if vector["expected_error"]["opcode"] in {"GLOBAL", "STACK_GLOBAL", "INST"}:
        assert info.value.code == "forbidden-class"
    assert list(tmp_path.iterdir()) == []
