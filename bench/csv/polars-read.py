"""Child process: polars.read_csv(url) with default options. Prints one JSON line."""
import json
import sys
import time

import polars

url = sys.argv[1]
t0 = time.perf_counter()
df = polars.read_csv(url)
op = time.perf_counter() - t0
print(json.dumps({"opS": op, "rows": df.height, "via": f"polars {polars.__version__}"}))
