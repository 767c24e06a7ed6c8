"""Shared helpers: build GLOBUS_DATA payloads the way the hub does (real CPython pickles),
and the default ``emulator`` and ``server`` fixtures of the API routes' tests (one emulator
and one server with its GLOBUS_DATA per module; a module that needs others defines its
own)."""

from __future__ import annotations

import base64
import json
import pickle
import time
from typing import Any, Dict, Iterator

import pytest

from .processes import Emulator, JupyterServer, serve_with_globus_data

# Fake but token-shaped secrets; the tests assert none of them ever leaves the server.
TRANSFER_TOKEN = "AgTransferSecret0123456789abcdefXYZ"
AUTH_TOKEN = "AgAuthSecret0123456789abcdefXYZ"
GROUPS_TOKEN = "AgGroupsSecret0123456789abcdefXYZ"
REFRESH_TOKEN = "AgRefreshSecret0123456789abcdefXYZ"
SECRETS = (TRANSFER_TOKEN, AUTH_TOKEN, GROUPS_TOKEN, REFRESH_TOKEN)

TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"


def encode(obj: Any, protocol: int = 4) -> str:
    """What JupyterHub's Globus authenticator puts in GLOBUS_DATA."""
    return base64.b64encode(pickle.dumps(obj, protocol=protocol)).decode("ascii")


def jwt(claims: Dict[str, Any]) -> str:
    """An unsigned JWT-shaped string (only the claims matter to the decoder)."""
    def seg(d: Dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'RS256'})}.{seg(claims)}.c2lnbmF0dXJl"


def shape_pre_012(now: float) -> Dict[str, Any]:
    return {
        "client_id": "hub-client",
        "tokens": {
            "transfer.api.globus.org": {
                "scope": TRANSFER_SCOPE,
                "access_token": TRANSFER_TOKEN,
                "refresh_token": REFRESH_TOKEN,
                "token_type": "Bearer",
                "expires_at_seconds": int(now) + 3600,
                "resource_server": "transfer.api.globus.org",
            }
        },
    }


def shape_012_15() -> Dict[str, Any]:
    return {
        "client_id": "hub-client",
        "tokens": {
            "transfer.api.globus.org": {
                "expires_in": 172800,
                "resource_server": "transfer.api.globus.org",
                "scope": TRANSFER_SCOPE,
                "token_type": "Bearer",
                "refresh_token": None,
                "access_token": TRANSFER_TOKEN,
            }
        },
    }


def shape_16(iat: int) -> Dict[str, Any]:
    data = json.loads(json.dumps(shape_012_15()))  # JSON round trip, as JupyterHub stores it
    data["token_response"] = {
        "access_token": AUTH_TOKEN,
        "id_token": jwt({"sub": "user-uuid", "iat": iat, "name": "Jwt Name"}),
        "expires_in": 172800,
        "resource_server": "auth.globus.org",
        "scope": "profile openid",
        "token_type": "Bearer",
        "state": "s",
        "other_tokens": [
            {
                "access_token": TRANSFER_TOKEN,
                "expires_in": 172800,
                "resource_server": "transfer.api.globus.org",
                "scope": TRANSFER_SCOPE,
                "token_type": "Bearer",
                "state": "s",
            },
            {
                "access_token": GROUPS_TOKEN,
                "expires_in": 172800,
                "resource_server": "groups.api.globus.org",
                "scope": ("urn:globus:auth:scope:groups.api.globus.org:"
                          "view_my_groups_and_memberships"),
                "token_type": "Bearer",
                "state": "s",
            },
        ],
    }
    data["globus_user"] = {
        "sub": "user-uuid",
        "preferred_username": "demo@example.edu",
        "name": "Demo User",
        "identity_provider": "idp-uuid",
    }
    data["globus_groups"] = ["group-uuid"]
    return data


@pytest.fixture
def now() -> float:
    return time.time()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """The module's emulator, seeded as it starts."""
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[JupyterServer]:
    """The module's server with the emulator's GLOBUS_DATA and services."""
    yield from serve_with_globus_data(emulator)


@pytest.fixture
def clean_faults(emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator without fault rules, before and after the test."""
    emulator.clear_faults()
    yield emulator
    emulator.clear_faults()
