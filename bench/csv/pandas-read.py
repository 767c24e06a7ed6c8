"""Child process: pandas.read_csv(url) with default options. Prints one JSON line."""
import json
import sys
import time

import pandas

url = sys.argv[1]
t0 = time.perf_counter()
df = pandas.read_csv(url)
op = time.perf_counter() - t0
print(json.dumps({'opS': op, 'rows': len(df), 'pandas': pandas.__version__}))
