"""Fuzzing the server extension: (1) its GLOBUS_DATA decoder: seeded mutations and
truncations of every pickle under test/vectors/globus-data must either decode to plain data
or raise the typed GlobusDataError, never any other exception, never run code, and never
quote the payload in the message; (2) its routes: seeded malformed JSON bodies on every
route that reads one must get a typed answer, never a 500 or a traceback in the log."""

from __future__ import annotations

import base64
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from jupyterlab_globus_kit.globus_data import GlobusDataError, decode, load

from .processes import SERVER_TOKEN, JupyterServer

ROOT = Path(__file__).resolve().parents[2]
VECTORS = sorted((ROOT / "test" / "vectors" / "globus-data").glob("*.json"))
CASES = 12_000
SEED = 8

# Pickle opcodes that build values, push marks or reference globals: splicing them in makes
# structurally interesting inputs (stack underflow, wrong types, globals, memo misuse).
OPCODES = (b"().0123456789FGIJKLMNPQRSTUVX]abcdeghijklmoqrstu}~"
           + bytes(range(0x80, 0x99)))


def originals() -> List[bytes]:
    out = []
    for path in VECTORS:
        doc = json.loads(path.read_text())
        if isinstance(doc.get("pickle_b64"), str):
            out.append(base64.b64decode(doc["pickle_b64"]))
    return out


def mutate(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    kind = rng.randrange(7)
    if kind == 0 and data:  # truncate
        return bytes(data[: rng.randrange(len(data))])
    if kind == 1 and data:  # flip bytes
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 2:  # insert opcodes
        for _ in range(rng.randint(1, 4)):
            data.insert(rng.randrange(len(data) + 1), rng.choice(OPCODES))
    elif kind == 3 and data:  # delete a run
        i = rng.randrange(len(data))
        del data[i : i + rng.randint(1, 16)]
    elif kind == 4 and data:  # duplicate a run (memo ids, marks, frames repeat)
        i = rng.randrange(len(data))
        data[i:i] = data[i : i + rng.randint(1, 64)]
    elif kind == 5:  # garbage tail or head
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        data = bytearray(junk + data) if rng.random() < 0.5 else data + junk
    else:  # length fields: set a 4-byte little-endian window to a huge value
        if len(data) > 8:
            i = rng.randrange(len(data) - 4)
            data[i : i + 4] = rng.choice(
                [b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80", b"\xff\xff\xff\xff"])
    return bytes(data)


def test_should_raise_only_globus_data_error_on_mutated_pickles() -> None:
    bases = originals()
    assert len(bases) >= 50, "the vectors are there"
    rng = random.Random(SEED)
    outcomes = {"decoded": 0, "typed": 0}
    codes = set()
    for n in range(CASES):
        raw = mutate(rng, rng.choice(bases))
        text = base64.b64encode(raw).decode("ascii")
        try:
            value = load(text, reference_time=0)
            outcomes["decoded"] += 1
            assert value is not None
        except GlobusDataError as err:
            outcomes["typed"] += 1
            codes.add(err.code)
            assert err.__cause__ is None or isinstance(err.__cause__, GlobusDataError)
            if len(text) >= 40:
                assert text[8:40] not in str(err), "the message quotes no payload"
        except Exception as err:  # pragma: no cover - the failure we hunt for
            pytest.fail(f"case {n}: {type(err).__name__}: {err!r} (seed {SEED})")
    print(f"\nGLOBUS_DATA decoder fuzz (Python): {CASES} cases, {outcomes}, codes {sorted(codes)}")
    assert outcomes["typed"] > CASES // 2, "most mutations are refused"
    assert sum(outcomes.values()) == CASES


def test_should_refuse_every_truncation_of_every_vector() -> None:
    """Every prefix of a valid pickle is refused with the typed error (a short pickle never
    decodes to a smaller auth state)."""
    count = 0
    for raw in originals():
        try:
            decode(base64.b64encode(raw).decode("ascii"))
        except GlobusDataError:
            continue  # a malicious or non-dict vector: its prefixes are covered by the fuzz
        for cut in range(0, len(raw), max(1, len(raw) // 40)):
            count += 1
            with pytest.raises(GlobusDataError):
                decode(base64.b64encode(raw[:cut]).decode("ascii"))
    assert count >= 500


# ------------------------------------------------------------------ request bodies on the routes
#
# Regression #15: malformed JSON bodies (a number where a path goes, a list for the body, a
# 100,000-deep array) made routes answer 500 with a traceback in the log. Every route that
# reads a body now reads it through validation.parse_json_object and the typed getters. Here
# a real jupyter_server gets BODY_CASES seeded bodies on every POST/PUT/PATCH/DELETE route
# of its handler table that reads one: zero 500s, and no traceback in its log.

BODY_CASES = 1_000
BODY_SEED = 15
#: Seconds each fuzzed route may take on average (the whole fuzz's bound grows with them).
ROUTE_BUDGET_S = 30
BODY_METHODS = ("post", "put", "patch", "delete")
ANY_SEGMENT = "([^/]+)"
SOME_UUID = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"
#: Refused before the handler looks inside (too deep, too big, not UTF-8, not JSON, not an
#: object): these must be 400 BAD_INPUT exactly.
MUST_BE_BAD_INPUT = {"top-level", "deep", "bytes", "syntax", "huge"}


def route_table() -> "list[tuple[str, type, str]]":
    """(path, body fields, method) of every body-taking route, from the table the
    extension registers (``setup_handlers``), so a new route is fuzzed without editing
    this file."""
    import tornado.web

    from jupyterlab_globus_kit.handlers import setup_handlers
    from jupyterlab_globus_kit.status import GlobusState

    class Recorder:
        def __init__(self) -> None:
            self.settings = {"base_url": "/"}
            self.rules: list = []

        def add_handlers(self, _host: str, rules: list) -> None:
            self.rules.extend(rules)

    app = Recorder()
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        for key in list(os.environ):
            if key.startswith(("GLOBUS_", "JUPYTERHUB_")):
                mp.delenv(key)
        mp.setenv("GLOBUS_KIT_SERVER_TOKEN_FILE", os.path.join(tmp, "tokens.json"))
        setup_handlers(app, GlobusState({}))
    out = []
    for pattern, handler, *_ in app.rules:
        for method in BODY_METHODS:
            if getattr(handler, method) is getattr(tornado.web.RequestHandler, method):
                continue
            fields = getattr(handler, "body_fields", None)
            if isinstance(fields, dict):  # per method, e.g. PUT reads a body, DELETE none
                fields = fields.get(method)
            assert fields is not None, (
                f"{handler.__name__} answers {method.upper()} but does not declare "
                "body_fields (the body fields it reads, () for none)")
            if fields:
                out.append((pattern.replace(ANY_SEGMENT, SOME_UUID), fields, method))
    return out


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(12 if depth < 3 else 8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 5, 2**63, -(2**70), 1.5, 1e308])
    if kind == 3:
        return ""
    if kind == 4:  # control characters, NUL, bidi, a lone surrogate, markup
        return "".join(rng.choice(["/", "a", "\x00", "\n", "\u202e", "\ud800", "<b>", "..",
                                   " ", "é", "%00", "\\"]) for _ in range(rng.randint(1, 12)))
    if kind == 5:
        return "/" + "x" * rng.choice([10, 300, 5_000, 70_000])
    if kind == 6:
        return rng.choice(["/", "/~/", "/a/b/", "paste", "callback", "openid", "abc-123"])
    if kind == 7:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randint(1, 20)))
    if kind in (8, 9):
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["path", "code", "state", "scopes", "redirect", "session_message", "x", ""]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def fuzz_body(rng: random.Random, fields: "tuple[str, ...]") -> "tuple[str, bytes]":
    """One seeded malformed body for a route reading ``fields``: (category, bytes)."""
    roll = rng.random()
    if roll < 0.5:  # the route's fields, of random types and values
        doc = {f: random_value(rng) for f in fields if rng.random() < 0.8}
        if rng.random() < 0.2:
            doc[rng.choice(fields)] = {"nested": [random_value(rng)]}
        return "fields", json.dumps(doc).encode("utf-8", "surrogatepass")
    if roll < 0.62:  # valid JSON that is not an object
        value = rng.choice([[], ["/a"], [{"path": "/a"}], 5, -1.5, "text", True, None])
        return "top-level", json.dumps(value).encode()
    if roll < 0.74:  # nested deeper than the limit, at the top or in a field
        n = rng.choice([17, 40, 1_000, 5_000]) if rng.random() < 0.97 else 100_000
        opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
        deep = opener * n + "1" + closer * n
        if rng.random() < 0.3:
            deep = deep[: len(deep) // 2]  # and unterminated
        if rng.random() < 0.5:
            return "deep", f'{{"{rng.choice(fields)}": {deep}}}'.encode()
        return "deep", deep.encode()
    if roll < 0.90:  # broken syntax: a proper prefix of a body
        text = json.dumps({f: random_value(rng) for f in fields}).encode("utf-8",
                                                                           "surrogatepass")
        return "syntax", text[: rng.randrange(1, len(text))]
    if roll < 0.97:  # not UTF-8 (or not even text)
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        return "bytes", b'{"' + raw + b"\xff\xfe" + b'": 1}'
    if roll < 0.995:  # numbers and escapes Python's json reads in its own way
        return "numbers", rng.choice([
            b'{"path": NaN}', b'{"code": Infinity}', b'{"path": 1e999}',
            b'{"code": ' + b"9" * 5_000 + b"}", b'{"path": -0}',
            b'{"state": "\\ud800", "code": "\\udfff"}'])
    return "huge", json.dumps({fields[0]: "x" * 300_000}).encode()


@pytest.fixture(scope="module")
def body_server() -> Iterator[JupyterServer]:
    # Nothing answers at 127.0.0.1:9, so a body that passes validation fails fast, typed.
    srv = JupyterServer({"GLOBUS_KIT_CLIENT_ID": "fuzz-client",
                         "GLOBUS_SDK_SERVICE_URL_AUTH": "http://127.0.0.1:9",
                         "GLOBUS_SDK_SERVICE_URL_TRANSFER": "http://127.0.0.1:9/transfer/",
                         "GLOBUS_KIT_OIDC_ISSUER": "http://127.0.0.1:9/realms/fuzz",
                         "GLOBUS_KIT_OIDC_CLIENT_ID": "fuzz-oidc-client"})
    yield srv
    srv.stop()


def test_regression_15_malformed_bodies_on_every_route_are_typed_never_500(
        body_server: JupyterServer) -> None:
    routes = route_table()
    paths = {path for path, _h, _m in routes}
    assert {"/globus-kit/login", "/globus-kit/login/complete",
            f"/globus-kit/collections/{SOME_UUID}/mkdir",
            f"/globus-kit/collections/{SOME_UUID}/rename",
            "/globus-kit/oidc/login", "/globus-kit/oidc/login/complete",
            "/globus-kit/tasks/transfer", f"/globus-kit/tasks/{SOME_UUID}"} <= paths, paths
    session = requests.Session()  # one keep-alive connection for every request
    session.headers.update({"Authorization": f"token {SERVER_TOKEN}",
                            "Content-Type": "application/json"})
    started = time.monotonic()
    failures: "list[str]" = []
    tally: "dict[str, int]" = {}
    for path, fields, method in routes:
        rng = random.Random(f"{BODY_SEED}:{path}:{method}")
        for n in range(BODY_CASES):
            category, body = fuzz_body(rng, fields)
            r = session.request(method.upper(), body_server.url + path, data=body, timeout=30)
            try:
                code = r.json().get("code")
            except ValueError:
                code = None
            tally[f"{r.status_code} {code}"] = tally.get(f"{r.status_code} {code}", 0) + 1
            # A body that happens to be valid may succeed (2xx) or fail further on with a
            # typed error (a 502 when the unreachable provider is asked); never a 500.
            if r.status_code == 500 or r.status_code >= 300 and not isinstance(code, str) \
                    or category in MUST_BE_BAD_INPUT and (r.status_code, code) != (
                        400, "BAD_INPUT"):
                failures.append(f"{method.upper()} {path} case {n} ({category}, "
                                f"{body[:60]!r}…): {r.status_code} {r.text[:200]}")
            # Bounded per route, so a new route adds its own budget: about 4 s each when
            # the machine is quiet, 15 s with both cores busy.
            assert time.monotonic() - started < ROUTE_BUDGET_S * len(routes), \
                "the fuzz is bounded in time"
    elapsed = time.monotonic() - started
    print(f"\nroute body fuzz: {len(routes)} routes x {BODY_CASES} bodies in {elapsed:.1f} s: "
          f"{dict(sorted(tally.items()))}")
    assert not failures, f"{len(failures)} bad answers (seed {BODY_SEED}):\n" + \
        "\n".join(failures[:20])
    assert tally.get("400 BAD_INPUT", 0) > len(routes) * BODY_CASES // 2
    log = body_server.output()
    assert "Traceback" not in log, log[-3000:]
