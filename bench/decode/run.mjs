// bench/decode: GLOBUS_DATA decoding per call, on the emulator's realistic `16+` payload
// (protocol 4, the hub's default): the kernel helpers' decodeGlobusData vs CPython's
// pickle.loads (+ base64), and the server extension's restricted decoder. Each runtime times
// its own loop (timeit-style); the payload reaches each child on stdin, never argv or a file.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startBenchEmulator } from '../common/emulator.mjs';
import { lastJson, measure, rssMethod } from '../common/measure.mjs';
import { requireBuilds, ROOT, VENV_PYTHON } from '../common/paths.mjs';
import { progress, times, writeReport } from '../common/report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

requireBuilds();
const emu = await startBenchEmulator();
try {
  const payload = await emu.emu.globusData({ shape: '16+', protocol: 4 });
  const pyEnv = { ...process.env, PYTHONPATH: ROOT, PYTHONDONTWRITEBYTECODE: '1' };
  delete pyEnv.GLOBUS_DATA;
  const nodeEnv = { ...process.env };
  delete nodeEnv.GLOBUS_DATA;
  const tools = {
    'decodeGlobusData (kernel helpers)': [
      process.execPath,
      [join(here, 'decode.mjs')],
      nodeEnv,
      'base64 → restricted unpickle → normalised tokens and identity'
    ],
    'pickle.loads(base64.b64decode(…)) (CPython)': [
      VENV_PYTHON,
      [join(here, 'decode.py'), 'pickle'],
      pyEnv,
      'unrestricted: runs any class the pickle names'
    ],
    'globus_data.decode (server extension)': [
      VENV_PYTHON,
      [join(here, 'decode.py'), 'server-decode'],
      pyEnv,
      'restricted Unpickler: refuses every class'
    ],
    'globus_data.load (server extension)': [
      VENV_PYTHON,
      [join(here, 'decode.py'), 'server-load'],
      pyEnv,
      'decode + normalise'
    ]
  };
  const results = {};
  const rows = [];
  for (const [name, [cmd, args, env, what]] of Object.entries(tools)) {
    progress(name);
    const m = await measure(cmd, args, { env, stdin: payload });
    if (m.code !== 0) {
      rows.push({ tool: name, notes: `failed: ${m.stderr.trim().split('\n').pop()}` });
      continue;
    }
    const r = lastJson(m.stdout, name);
    results[name] = r;
    rows.push({
      tool: name,
      wallS: m.wallS,
      peakRssMb: m.peakRssMb,
      throughput: `${r.usPerCall.toFixed(1)} µs/call`,
      notes: `${what}; median of 5 × ${r.calls} calls; wall = whole process`
    });
  }
  const ours = results['decodeGlobusData (kernel helpers)'];
  const cpython = results['pickle.loads(base64.b64decode(…)) (CPython)'];
  const ratios =
    ours && cpython
      ? [
          `decodeGlobusData vs CPython pickle.loads + base64: ${times(ours.usPerCall / cpython.usPerCall)} the time per call (${ours.usPerCall.toFixed(1)} vs ${cpython.usPerCall.toFixed(1)} µs; no target)`
        ]
      : [];
  await writeReport({
    title: `decode: one GLOBUS_DATA of ${payload.length.toLocaleString('en-US')} characters (shape 16+, pickle protocol 4, ${ours?.tokens ?? '?'} tokens), per call`,
    rows,
    ratios,
    facts: { 'peak RSS method': rssMethod }
  });
} finally {
  await emu.close();
}
