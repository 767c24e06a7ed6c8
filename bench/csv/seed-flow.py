"""Child process: the seed tutorial's flow, as its notebook does it.

requests.get(url).text, csv.DictReader over a StringIO, and per-row list appends of a
datetime.date and two ints. Prints one JSON line with the time after imports.
"""
import csv
import datetime
import json
import sys
import time
from io import StringIO

import requests

url = sys.argv[1]
t0 = time.perf_counter()
resp = requests.get(url).text
csv_rows = csv.DictReader(StringIO(resp))
dates = []
max_temps = []
min_temps = []
for row in csv_rows:
    dates.append(datetime.date(int(row['DATE'][:4]), int(row['DATE'][4:6]), int(row['DATE'][6:])))
    max_temps.append(int(row['TMAX']))
    min_temps.append(int(row['TMIN']))
op = time.perf_counter() - t0
print(json.dumps({'opS': op, 'rows': len(dates), 'python': sys.version.split()[0]}))
