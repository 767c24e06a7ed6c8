"""Child process: decode the GLOBUS_DATA read from stdin, per call, timeit-style.

Modes: `pickle` (base64 + pickle.loads, CPython's own unrestricted unpickler, the baseline),
`server-decode` (the server extension's restricted unpickler: globus_data.decode) and
`server-load` (decode + normalise: globus_data.load). Prints one JSON line.
"""
import base64
import json
import pickle
import sys
import timeit

mode = sys.argv[1]
payload = sys.stdin.read().strip()

if mode == 'pickle':
    def call():
        return pickle.loads(base64.b64decode(payload))
elif mode == 'server-decode':
    from jupyterlab_globus_kit import globus_data

    def call():
        return globus_data.decode(payload)
elif mode == 'server-load':
    from jupyterlab_globus_kit import globus_data

    def call():
        return globus_data.load(payload)
else:
    raise SystemExit(f'unknown mode {mode}')

timer = timeit.Timer(call)
n = 1
while timer.timeit(n) < 0.2:
    n *= 2
runs = sorted(t / n for t in timer.repeat(repeat=5, number=n))
print(json.dumps({'usPerCall': runs[2] * 1e6, 'calls': n, 'python': sys.version.split()[0]}))
