#!/usr/bin/env python3
"""Generate the GLOBUS_DATA test vectors shared by the TypeScript and Python decoders.

Usage:
    python3 test/vectors/make-vectors.py             # (re)write globus-data/ and malicious/
    python3 test/vectors/make-vectors.py --random SEED COUNT
        # print COUNT random JSON-typed objects, pickled at every protocol that can hold
        # them, as JSON lines (used by the live differential tests)

Deterministic: fixed tokens (``AT-auth-…``), timestamps and ids; output depends only on
this file and the CPython version's pickler (3.8+). Nothing here ever unpickles an
untrusted pickle: the malicious vectors are only written, and the valid ones are checked
with ``pickle.loads`` only because they contain no class references (asserted first).

Formats (see README.md next to this file):
    globus-data/<name>.json: {"name", "protocol", "kind", "shape", "description",
                              "pickle_b64", "expected_json"}
    malicious/<name>.json:   {"name", "protocol", "category", "description",
                              "pickle_b64", "expected_error": {"reason", "opcode", "offset"}}
"""

import base64
import json
import math
import os
import pickle
import pickletools
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VALID_DIR = os.path.join(HERE, 'globus-data')
MALICIOUS_DIR = os.path.join(HERE, 'malicious')

MAX_SAFE = 2**53 - 1

# Opcodes a plain-data decoder must refuse (code execution, or types outside JSON data).
CODE_OPCODES = {
    'GLOBAL', 'STACK_GLOBAL', 'REDUCE', 'BUILD', 'INST', 'OBJ', 'NEWOBJ', 'NEWOBJ_EX',
    'EXT1', 'EXT2', 'EXT4', 'PERSID', 'BINPERSID', 'NEXT_BUFFER', 'READONLY_BUFFER',
}
SET_OPCODES = {'EMPTY_SET', 'ADDITEMS', 'FROZENSET'}


# --------------------------------------------------------------------------- encoding


def encode_expected(value):
    """Python value -> JSON-able value, tagging what JSON cannot hold.

    - int beyond +-(2**53 - 1) -> {"$bigint": "<decimal>"}
    - float nan / inf / -inf   -> {"$float": "nan" | "inf" | "-inf"}
    - bytes, bytearray         -> {"$bytes": "<standard base64, padded>"}
    - tuple                    -> list
    A dict with exactly one key starting with "$" is a tag, so the generator never makes
    data dicts like that.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE <= value <= MAX_SAFE else {'$bigint': str(value)}
    if isinstance(value, float):
        if math.isnan(value):
            return {'$float': 'nan'}
        if math.isinf(value):
            return {'$float': 'inf' if value > 0 else '-inf'}
        return value
    if isinstance(value, (bytes, bytearray)):
        return {'$bytes': base64.b64encode(bytes(value)).decode('ascii')}
    if isinstance(value, (list, tuple)):
        return [encode_expected(v) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            assert isinstance(k, str), 'only string keys'
            out[k] = encode_expected(v)
        return out
    raise TypeError(type(value).__name__)


def expected_json(value):
    return json.dumps(encode_expected(value), ensure_ascii=True, allow_nan=False)


def opcode_names(data):
    return [op.name for op, _arg, _pos in pickletools.genops(data)]


def b64(data):
    return base64.b64encode(data).decode('ascii')


# --------------------------------------------------------------------------- auth states

CLIENT_ID = '7a3c1e0f-5b2d-4c8e-9f10-1a2b3c4d5e6f'
IDENTITY = '0c9f3b6e-1d2a-4e5f-8a9b-0c1d2e3f4a5b'
COLLECTION = 'a6f165fa-aee2-4fe5-95f3-97429c28bf82'
GROUP = '5e1f0c2a-3b4d-4e6f-8a0b-1c2d3e4f5a6b'
IAT = 1767225600  # 2026-01-01T00:00:00Z
LIFETIME = 172800
TRANSFER_SCOPE = 'urn:globus:auth:scope:transfer.api.globus.org:all'
GROUPS_SCOPE = 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships'
HTTPS_SCOPE = f'https://auth.globus.org/scopes/{COLLECTION}/https'


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def id_token():
    """A JWT-shaped id_token with fixed claims; the signature is a placeholder."""
    header = {'alg': 'RS256', 'kid': 'vector-key-1', 'typ': 'JWT'}
    claims = {
        'sub': IDENTITY,
        'preferred_username': 'ada@example.edu',
        'name': 'Ada Lovelace',
        'email': 'ada@example.edu',
        'identity_provider': '41143743-f3c8-4d60-bbdb-eeecaba85bd9',
        'identity_provider_display_name': 'Example University',
        'organization': 'Example University',
        'iss': 'https://auth.globus.org',
        'aud': CLIENT_ID,
        'iat': IAT,
        'exp': IAT + LIFETIME,
        'at_hash': 'vector-at-hash',
    }
    parts = [json.dumps(header, separators=(',', ':')).encode(),
             json.dumps(claims, separators=(',', ':')).encode(),
             b'vector-signature-not-real']
    return '.'.join(b64url(p) for p in parts)


def raw_token(rs, scope, name, refresh=None):
    return {
        'access_token': f'AT-{name}-0001',
        'expires_in': LIFETIME,
        'resource_server': rs,
        'scope': scope,
        'token_type': 'Bearer',
        'refresh_token': refresh,
    }


def jsonish(value):
    """Round-trip through JSON, as JupyterHub's encrypted auth_state does.

    json.loads shares equal key strings, so the pickler memoizes them and repeated keys
    become memo GETs - exactly what real GLOBUS_DATA looks like.
    """
    return json.loads(json.dumps(value))


def state_pre_012(revoked=False):
    tokens = {
        'transfer.api.globus.org': {
            'scope': TRANSFER_SCOPE,
            'access_token': 'AT-transfer-0001',
            'refresh_token': 'RT-transfer-0001',
            'token_type': 'Bearer',
            'expires_at_seconds': IAT + LIFETIME,
            'resource_server': 'transfer.api.globus.org',
        },
        'auth.globus.org': {
            'scope': 'openid profile',
            'access_token': 'AT-auth-0001',
            'refresh_token': 'RT-auth-0001',
            'token_type': 'Bearer',
            'expires_at_seconds': IAT + LIFETIME,
            'resource_server': 'auth.globus.org',
        },
    }
    return jsonish({'client_id': CLIENT_ID, 'tokens': '' if revoked else tokens})


def state_012(revoked=False):
    tokens = {'transfer.api.globus.org': raw_token('transfer.api.globus.org', TRANSFER_SCOPE, 'transfer')}
    return jsonish({'client_id': CLIENT_ID, 'tokens': {} if revoked else tokens})


def token_response(with_groups=False, with_https=False):
    other = [raw_token('transfer.api.globus.org', TRANSFER_SCOPE, 'transfer')]
    if with_groups:
        other.append(raw_token('groups.api.globus.org', GROUPS_SCOPE, 'groups'))
    if with_https:
        other.append(raw_token(COLLECTION, HTTPS_SCOPE, 'https'))
    for t in other:
        t['state'] = 'vector-state'
        del t['refresh_token']
    return {
        'access_token': 'AT-auth-0001',
        'id_token': id_token(),
        'expires_in': LIFETIME,
        'resource_server': 'auth.globus.org',
        'scope': 'profile openid email',
        'token_type': 'Bearer',
        'state': 'vector-state',
        'other_tokens': other,
    }


def globus_user():
    return {
        'sub': IDENTITY,
        'preferred_username': 'ada@example.edu',
        'name': 'Ada Lovelace',
        'email': 'ada@example.edu',
        'identity_provider': '41143743-f3c8-4d60-bbdb-eeecaba85bd9',
        'identity_provider_display_name': 'Example University',
        'organization': 'Example University',
        'last_authentication': IAT,
        'identity_set': [{'sub': IDENTITY, 'username': 'ada@example.edu', 'name': 'Ada Lovelace'}],
    }


def state_16(groups=False, https=False, revoked=False, offline=False, user=True):
    resp = token_response(with_groups=groups, with_https=https)
    tokens = {}
    for t in resp['other_tokens']:
        if t['resource_server'] in ('auth.globus.org', 'groups.api.globus.org'):
            continue  # exclude_tokens default since 14.1.0
        entry = {k: v for k, v in t.items() if k != 'state'}
        entry['refresh_token'] = f"RT-{t['access_token'][3:]}" if offline else None
        tokens[t['resource_server']] = entry
    state = {
        'client_id': CLIENT_ID,
        'tokens': {} if revoked else tokens,
        'token_response': resp,
        'globus_groups': [GROUP] if groups else [],
    }
    if user:
        state['globus_user'] = globus_user()
    return jsonish(state)


AUTH_STATES = [
    ('auth-pre012', 'pre-0.12', 'OAuthenticator 0.7.2-0.11: expires_at_seconds and refresh tokens', state_pre_012()),
    ('auth-pre012-revoked', 'pre-0.12', "0.7.2-0.11 after revoke-on-logout: tokens == ''", state_pre_012(revoked=True)),
    ('auth-012', '0.12-15', 'OAuthenticator 0.12-15: raw tokens with expires_in only', state_012()),
    ('auth-012-revoked', '0.12-15', '0.12-15 after revoke-on-logout: tokens == {}', state_012(revoked=True)),
    ('auth-16', '16+', 'OAuthenticator 16+: token_response, globus_user, globus_groups (default config)', state_16()),
    ('auth-16-groups-https', '16+', '16+ with groups, a collection HTTPS token and offline refresh tokens',
     state_16(groups=True, https=True, offline=True)),
    ('auth-16-revoked', '16+', '16+ after revoke-on-logout: tokens == {}', state_16(revoked=True)),
    ('auth-16-no-user', '16+', '16+ whose globus_user was stripped by a hook: identity from the id_token',
     state_16(user=False)),
]


# --------------------------------------------------------------------------- plain values

shared = {'k': 'shared', 'n': 1}
shared_list = [1, 2]
VALUES = [
    ('unicode', 'strings: latin-1, CJK, astral emoji, NUL, BOM, CR/LF, ctrl-Z, backslashes, a lone surrogate',
     ['', 'ascii', 'caf\u00e9', '\u65e5\u672c\u8a9e', 'emoji \U0001f600 and \U0001f9ea', 'NUL\x00inside',
      '\ufeffleading BOM', 'line\nbreak\r\n', 'ctrl-Z \x1a', 'back\\slash \\u0041 not an escape',
      'lone \ud800 surrogate', 'quote \' and "', '\xff\x80 latin-1 high', 'x' * 300]),
    ('ints', 'ints around every encoding boundary, big ints as bigint',
     [0, 1, -1, 255, 256, 65535, 65536, 2**31 - 1, -2**31, 2**31, 2**32, MAX_SAFE, -MAX_SAFE,
      MAX_SAFE + 1, -(MAX_SAFE + 1), 2**63, 2**64, -2**100, 10**300, -(10**300)]),
    ('floats', 'floats incl. -0.0, subnormal, nan and +-inf (tagged in expected_json)',
     [0.0, -0.0, 1.5, 0.1, 1e300, -1e-300, 5e-324, 2.0, 1e16, float('nan'), float('inf'), float('-inf')]),
    ('scalars', 'None, True, False', [None, True, False, [None, True, False]]),
    ('empty', 'empty containers', {'dict': {}, 'list': [], 'tuple': (), 'str': ''}),
    ('tuples', 'tuples of every TUPLE opcode size, nested', [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((1,), ((2,),))]),
    ('shared', 'the same dict and list referenced several times (memo GET / BINGET)',
     {'a': shared, 'b': shared, 'l': [shared, shared_list, shared_list], 't': (shared, shared)}),
    ('keys', 'awkward dict keys: __proto__, constructor, dots, empty, unicode',
     {'__proto__': {'polluted': True}, 'constructor': 'x', 'a.b.c': 1, '': 2, '\u00e9\U0001f600': 3,
      'toString': None}),
    ('batches', 'over 1000 list items and dict items (APPENDS / SETITEMS batching) and >256 memo entries',
     {'list': list(range(1001)), 'dict': {str(i): i for i in range(1001)}}),
]
BYTES_VALUES = [
    ('bytes', 'bytes (protocol 3+): empty, binary, 300 bytes (BINBYTES)',
     [b'', b'\x00\xff\x80abc', bytes(range(256)) + b'x' * 44]),
]


# --------------------------------------------------------------------------- hand-made pickles
# Opcodes CPython 3 no longer writes (protocol-0/1 STRING forms, text PUT/GET, INT bools,
# LONG) and structural opcodes (POP, POP_MARK, DUP, FRAME, *8 lengths), written by hand
# and checked against pickle.loads below.

def u32(n):
    return n.to_bytes(4, 'little')


def u64(n):
    return n.to_bytes(8, 'little')


HANDMADE = [
    ('hand-string-p0', 0, "STRING with quotes and escapes, text INT bools, LONG, FLOAT, text PUT/GET, DICT/LIST/TUPLE from MARK",
     b"(dp0\nS'k\\x41\\n\\'q\\'\\101'\np1\n(lp2\nI01\naI00\naI-42\naL123456789012345678901234567890L\naF-1.5\naFnan\naFinf\naF-inf\nag1\na"
     b"(I1\nI2\ntp3\nasS\"dq\"\ng3\ns."),
    ('hand-binstring-p1', 1, 'BINSTRING and SHORT_BINSTRING, BINPUT/BINGET, LONG_BINPUT/LONG_BINGET, POP, POP_MARK',
     b"]q\x00(U\x02ab" + b"T" + u32(3) + b"xyz" + b"r" + u32(70000) + b"0(N1" + b"j" + u32(70000)
     + b"q\x05h\x05e."),
    ('hand-dup-p2', 2, 'DUP, TUPLE2/TUPLE3, LONG1 and LONG4, NEWTRUE/NEWFALSE',
     b"\x80\x02K\x07" + b"2\x86" + b"\x8a\x09" + (2**64).to_bytes(9, 'little', signed=True)
     + b"\x8b" + u32(13) + (-2**100).to_bytes(13, 'little', signed=True) + b"\x88\x89\x87\x87."),
    ('hand-long8-p4', 4, 'FRAME, BINUNICODE8, BINBYTES8, BINUNICODE, SHORT_BINUNICODE, MEMOIZE, BINGET',
     None),
    ('hand-bytearray8-p5', 5, 'BYTEARRAY8 (protocol 5 bytearray) in a list',
     b"\x80\x05]\x94(\x96" + u64(3) + b"a\x00b" + b"\x96" + u64(0) + b"e."),
    ('hand-unicode-p0', 0, 'UNICODE raw-unicode-escape: \\u and \\U escapes, escaped backslash, latin-1 bytes',
     b"(lp0\nVcaf\xe9 \\u65e5 \\U0001f600 \\u005cu0041 back\\\\slash\np1\naV\\u0000\naV\np2\na."),
]


def hand_long8():
    hey = 'h\u00e9y'.encode()
    smile = '\U0001f600'.encode()
    body = (b"(" + b"\x8d" + u64(len(hey)) + hey + b"\x94"
            + b"\x8e" + u64(2) + b"\x01\x02" + b"\x94"
            + b"X" + u32(len(smile)) + smile + b"\x94"
            + b"\x8c\x01k\x94" + b"h\x00" + b"t\x94.")
    return b"\x80\x04\x95" + u64(len(body)) + body


# --------------------------------------------------------------------------- malicious


class _Evil:
    """Pickles as a call to os.system. Only ever dumped here, never loaded."""

    def __reduce__(self):
        return (os.system, ('echo GLOBUS_KIT_MUST_NOT_RUN',))


def first_refused(data):
    for op, _arg, pos in pickletools.genops(data):
        if op.name in CODE_OPCODES or op.name in SET_OPCODES:
            return op.name, pos
    raise AssertionError('no refused opcode')


def truncation_expectation(data, cut):
    """(opcode, offset) a decoder reports for data[:cut]; (None, None) if cut at an op boundary."""
    ops = list(pickletools.genops(data))
    for i, (op, arg, pos) in enumerate(ops):
        end = ops[i + 1][2] if i + 1 < len(ops) else len(data)
        if op.name == 'FRAME' and pos < cut < pos + 9 + arg:
            return 'FRAME', pos
        if pos < cut < end:
            return op.name, pos
        if cut == pos:
            return None, None
    raise AssertionError('cut beyond data')


def malicious_vectors():
    out = []

    def add(name, protocol, category, description, data, reason, opcode=None, offset=None):
        out.append({
            'name': name, 'protocol': protocol, 'category': category, 'description': description,
            'pickle_b64': b64(data),
            'expected_error': {'reason': reason, 'opcode': opcode, 'offset': offset},
        })

    def add_refused(name, protocol, category, description, data):
        opcode, offset = first_refused(data)
        add(name, protocol, category, description, data, 'unsupported-opcode', opcode, offset)

    for p in range(6):
        add_refused(f'os-system-p{p}', p, 'code-execution',
                    'os.system through GLOBAL/STACK_GLOBAL + REDUCE (what pickle.dumps of a __reduce__ gives)',
                    pickle.dumps(_Evil(), protocol=p))
    state = state_16()
    state['tokens']['transfer.api.globus.org']['scope'] = _Evil()
    add_refused('os-system-inside-auth-state-p4', 4, 'code-execution',
                'a valid-looking 16+ auth state with os.system hidden in one token',
                pickle.dumps(state, protocol=4))
    cmd = b"S'echo GLOBUS_KIT_MUST_NOT_RUN'\n"
    add_refused('inst-p0', 0, 'code-execution', 'INST os.system (protocol 0 class instantiation)',
                b"(" + cmd + b"ios\nsystem\n.")
    add_refused('obj-p1', 1, 'code-execution', 'OBJ (protocol 1 class instantiation)', b"(N)o.")
    add_refused('newobj-p2', 2, 'code-execution', 'NEWOBJ', b"\x80\x02N)\x81.")
    add_refused('newobj-ex-p4', 4, 'code-execution', 'NEWOBJ_EX', b"\x80\x04N)}\x92.")
    add_refused('build-p2', 2, 'code-execution', 'BUILD (__setstate__)', b"\x80\x02}}b.")
    add_refused('reduce-p0', 0, 'code-execution', 'REDUCE of a non-class', b"N)R.")
    add_refused('ext1-p2', 2, 'code-execution', 'EXT1 (copyreg extension registry)', b"\x80\x02\x82\x01.")
    add_refused('ext2-p2', 2, 'code-execution', 'EXT2', b"\x80\x02\x83\x01\x00.")
    add_refused('ext4-p2', 2, 'code-execution', 'EXT4', b"\x80\x02\x84\x01\x00\x00\x00.")
    add_refused('persid-p0', 0, 'code-execution', 'PERSID (persistent_load)', b"Pfoo\n.")
    add_refused('binpersid-p2', 2, 'code-execution', 'BINPERSID', b"\x80\x02X\x03\x00\x00\x00fooQ.")
    add_refused('next-buffer-p5', 5, 'code-execution', 'NEXT_BUFFER (out-of-band buffer)', b"\x80\x05\x97.")
    add_refused('readonly-buffer-p5', 5, 'code-execution', 'READONLY_BUFFER', b"\x80\x05C\x01a\x98.")
    add_refused('set-p4', 4, 'unsupported-type', 'a set: EMPTY_SET/ADDITEMS (never in JSON auth state)',
                pickle.dumps({'a'}, protocol=4))
    add_refused('frozenset-p4', 4, 'unsupported-type', 'a frozenset: FROZENSET', pickle.dumps(frozenset({'a'}), protocol=4))
    add_refused('set-p2', 2, 'unsupported-type', 'a set at protocol 2 is GLOBAL builtins.set + REDUCE',
                pickle.dumps({'a'}, protocol=2))
    add_refused('bytes-p2', 2, 'unsupported-type', 'bytes at protocol 0-2 are GLOBAL _codecs.encode + REDUCE',
                pickle.dumps(b'\x00\xff', protocol=2))

    # Resource exhaustion. Limits differ between decoders, so only the reason is fixed.
    add('billion-laughs-dup-p4', 4, 'resource', '40 levels of DUP + TUPLE2: 2**40 values when expanded',
        b"\x80\x04]" + b"2\x86" * 40 + b".", 'too-many-values')
    laughs = b"\x80\x02]q\x000"
    for i in range(1, 41):
        laughs += b"(h" + bytes([i - 1]) + b"h" + bytes([i - 1]) + b"lq" + bytes([i]) + b"0"
    add('billion-laughs-memo-p2', 2, 'resource', '40 levels of lists holding two memo GETs of the level below',
        laughs + b"h\x28.", 'too-many-values')
    add('deep-tuple-100k-p2', 2, 'resource', '100,000 nested 1-tuples (TUPLE1)',
        b"\x80\x02N" + b"\x85" * 100000 + b".", 'too-deep')
    add('deep-list-20k-p2', 2, 'resource', '20,000 nested lists (EMPTY_LIST ... APPEND)',
        b"\x80\x02" + b"]" * 20000 + b"a" * 19999 + b".", 'too-deep')
    add('deep-marks-10k-p1', 1, 'resource', '10,000 open MARKs', b"(" * 10000 + b"N.", 'too-deep')
    add('cycle-p2', 2, 'malformed', 'a list that contains itself', b"\x80\x02]q\x00h\x00a.", 'cycle')

    # Truncations of a real 16+ auth state.
    for p in (0, 2, 4):
        data = pickle.dumps(state_16(), protocol=p)
        ops = list(pickletools.genops(data))
        string_op = next(x for x in ops if 'UNICODE' in x[0].name and len(x[1]) > 8)
        cuts = {'mid-string': string_op[2] + 6, 'before-stop': len(data) - 1, 'header': 1}
        for label, cut in cuts.items():
            opcode, offset = truncation_expectation(data, cut)
            add(f'truncated-{label}-p{p}', p, 'malformed', f'a 16+ auth state cut at byte {cut} of {len(data)}',
                data[:cut], 'truncated', opcode, offset)
    add('truncated-empty', 0, 'malformed', 'no bytes at all', b'', 'truncated')

    # Malformed but harmless.
    add('bad-memo-p2', 2, 'malformed', 'BINGET of a memo slot never PUT', b"\x80\x02h\x05.", 'bad-memo', 'BINGET', 2)
    add('protocol-6', 6, 'malformed', 'PROTO 6', b"\x80\x06N.", 'unsupported-protocol', 'PROTO', 0)
    data = pickle.dumps({1: 'a'}, protocol=2)
    setitem = next(pos for op, _a, pos in pickletools.genops(data) if op.name == 'SETITEM')
    add('int-key-p2', 2, 'malformed', 'a dict with an int key (JSON data has only string keys)', data,
        'bad-key', 'SETITEM', setitem)
    good = pickle.dumps({'a': 1}, protocol=2)
    add('trailing-data-p2', 2, 'malformed', 'bytes after STOP', good + b'junk', 'trailing-data', 'STOP', len(good) - 1)
    add('unknown-opcode-p2', 2, 'malformed', 'byte 0xff is no opcode', b"\x80\x02\xff.", 'unknown-opcode', None, 2)
    add('leftover-stack', 0, 'malformed', 'two values on the stack at STOP', b"NN.", 'bad-stack', 'STOP', 2)
    add('append-to-dict', 0, 'malformed', 'APPEND onto a dict', b"}Na.", 'bad-stack', 'APPEND', 2)
    add('bad-utf8-p2', 2, 'malformed', 'BINUNICODE with invalid UTF-8', b"\x80\x02X\x02\x00\x00\x00\xc3\x28.",
        'bad-value', 'BINUNICODE', 2)
    return out


# --------------------------------------------------------------------------- valid vectors


def check_plain(data, obj):
    names = set(opcode_names(data))
    assert not names & (CODE_OPCODES | SET_OPCODES), names
    assert expected_json(pickle.loads(data)) == expected_json(obj)


def valid_vectors():
    out = []

    def add(name, protocol, kind, shape, description, data, obj):
        check_plain(data, obj)
        out.append({
            'name': name, 'protocol': protocol, 'kind': kind, 'shape': shape, 'description': description,
            'pickle_b64': b64(data), 'expected_json': expected_json(obj),
        })

    for base, shape, description, state in AUTH_STATES:
        for p in range(6):
            add(f'{base}-p{p}', p, 'auth-state', shape, description, pickle.dumps(state, protocol=p), state)
    for base, description, value in VALUES:
        # The batching vector is large; three protocols cover its opcodes (LONG_BINPUT, FRAME).
        for p in ((1, 2, 4) if base == 'batches' else range(6)):
            add(f'{base}-p{p}', p, 'value', None, description, pickle.dumps(value, protocol=p), value)
    for base, description, value in BYTES_VALUES:
        for p in range(3, 6):
            add(f'{base}-p{p}', p, 'value', None, description, pickle.dumps(value, protocol=p), value)
    for name, p, description, data in HANDMADE:
        if data is None:
            data = hand_long8()
        add(name, p, 'value', None, description, data, pickle.loads(data))
    return out


# --------------------------------------------------------------------------- random (live differential)


def random_value(rng, depth=0, pool=None, allow_bytes=True):
    pool = pool if pool is not None else []
    kinds = ['none', 'bool', 'int', 'bigint', 'float', 'str', 'str']
    if allow_bytes:
        kinds.append('bytes')
    if depth < 5:
        kinds += ['list', 'dict', 'dict', 'tuple']
        if pool:
            kinds.append('shared')
    kind = rng.choice(kinds)
    if kind == 'none':
        return None
    if kind == 'bool':
        return rng.random() < 0.5
    if kind == 'int':
        return rng.choice([rng.randint(-300, 300), rng.randint(-2**31, 2**32), rng.randint(-MAX_SAFE, MAX_SAFE)])
    if kind == 'bigint':
        bits = rng.randint(53, 400)
        return rng.choice([-1, 1]) * rng.getrandbits(bits)
    if kind == 'float':
        return rng.choice([rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-300, 300), -0.0,
                           float('nan'), float('inf'), float('-inf'), float(rng.randint(-10, 10))])
    if kind == 'str':
        return random_text(rng)
    if kind == 'bytes':
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    if kind == 'shared':
        return rng.choice(pool)
    n = rng.randint(0, 6)
    if kind == 'list' or kind == 'tuple':
        items = [random_value(rng, depth + 1, pool, allow_bytes) for _ in range(n)]
        value = items if kind == 'list' else tuple(items)
    else:
        value = {}
        for _ in range(n):
            key = random_text(rng).lstrip('$')
            value[key] = random_value(rng, depth + 1, pool, allow_bytes)
    pool.append(value)
    return value


def random_text(rng):
    alphabet = ['a', 'Z', '0', ' ', '\\', '\n', '\r', '\x00', '\x1a', '"', "'", '\u00e9', '\u00ff',
                '\u0100', '\u65e5', '\ufeff', '\U0001f600', '\U0010ffff', '\ud800', '\udfff', '$', 'u']
    return ''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 12 if rng.random() < 0.9 else 300)))


def contains_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_bytes(v) for v in value)
    if isinstance(value, dict):
        return any(contains_bytes(v) for v in value.values())
    return False


def print_random(seed, count):
    rng = random.Random(seed)
    for i in range(count):
        value = random_value(rng)
        expected = expected_json(value)
        protocols = range(3, 6) if contains_bytes(value) else range(6)
        for p in protocols:
            data = pickle.dumps(value, protocol=p)
            print(json.dumps({'name': f'random-{seed}-{i}-p{p}', 'protocol': p,
                              'pickle_b64': b64(data), 'expected_json': expected}))


# --------------------------------------------------------------------------- main


def write_dir(path, vectors):
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith('.json'):
            os.remove(os.path.join(path, name))
    for v in vectors:
        with open(os.path.join(path, v['name'] + '.json'), 'w', encoding='utf-8') as f:
            json.dump(v, f, indent=2, ensure_ascii=True)
            f.write('\n')


def main(argv):
    if len(argv) == 4 and argv[1] == '--random':
        print_random(int(argv[2]), int(argv[3]))
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    valid = valid_vectors()
    malicious = malicious_vectors()
    write_dir(VALID_DIR, valid)
    write_dir(MALICIOUS_DIR, malicious)
    print(f'{len(valid)} valid vectors, {len(malicious)} malicious vectors')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
