"""Fuzzing the server extension's GLOBUS_DATA decoder: seeded mutations and truncations of
every pickle under test/vectors/globus-data must either decode to plain data or raise the
typed GlobusDataError, never any other exception, never run code, and never quote the
payload in the message."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import List

import pytest

from jupyterlab_globus_kit.globus_data import GlobusDataError, decode, load

ROOT = Path(__file__).resolve().parents[2]
VECTORS = sorted((ROOT / "test" / "vectors" / "globus-data").glob("*.json"))
CASES = 12_000
SEED = 8

# Pickle opcodes that build values, push marks or reference globals: splicing them in makes
# structurally interesting inputs (stack underflow, wrong types, globals, memo misuse).
OPCODES = b"().0123456789FGIJKLMNPQRSTUVX]abcdeghijklmoqrstu}~\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98"


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
            data[i : i + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80", b"\xff\xff\xff\xff"])
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
