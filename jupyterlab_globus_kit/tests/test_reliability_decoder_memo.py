"""Regression: a tiny GLOBUS_DATA with a huge memo index (``LONG_BINPUT 258479985``) made
CPython's C unpickler grow its memo table to that size (about 2 GB, seconds of work) before
failing. Found by the reliability fuzz; the decoder now refuses such an index up front."""

from __future__ import annotations

import base64
import pickle
import struct
import time

import pytest

from jupyterlab_globus_kit.globus_data import GlobusDataError, decode


def test_huge_memo_index_is_refused_fast_without_allocating() -> None:
    raw = (
        b"\x80\x02}q\x00X\x01\x00\x00\x00a"
        + b"r" + struct.pack("<I", 258_479_985)  # LONG_BINPUT far beyond the pickle
        + b"K\x01s."
    )
    started = time.perf_counter()
    with pytest.raises(GlobusDataError) as info:
        decode(base64.b64encode(raw).decode("ascii"))
    assert info.value.code == "malformed"
    assert time.perf_counter() - started < 0.2


def test_real_pickles_with_memo_entries_still_decode() -> None:
    shared = {"k": "v"}
    value = {"a": shared, "b": shared, "c": [shared] * 3}
    for protocol in range(0, 6):
        raw = pickle.dumps(value, protocol=protocol)
        assert decode(base64.b64encode(raw).decode("ascii")) == value
