"""Child process: pyarrow.csv.read_csv streaming the URL's body (urllib's response is a
file object pyarrow reads as it arrives), default options. Prints one JSON line."""
import json
import sys
import time
import urllib.request

import pyarrow
import pyarrow.csv

url = sys.argv[1]
t0 = time.perf_counter()
with urllib.request.urlopen(url, timeout=120) as body:  # noqa: S310 - a loopback URL
    table = pyarrow.csv.read_csv(body)
op = time.perf_counter() - t0
print(json.dumps({"opS": op, "rows": table.num_rows, "via": f"pyarrow {pyarrow.__version__}"}))
