// Runs a notebook's code cells in a REAL kernel through a REAL Jupyter server from the
// project venv, and collects every output message per cell. Used by the notebook tests.
//
//   const server = await startJupyterServer({ env, rootDir });
//   const run = await runNotebook(server, 'notebooks/globus-data-flow.ipynb', { cellTimeoutMs });
//   run.cells[i].messages   // stream, display_data, update_display_data, error, execute_result
//   run.cells[i].outputs    // the outputs as a front end would show them (updates applied)
//   await server.stop();
//
// Speaks the Jupyter REST API (sessions) and the kernel channels websocket (JSON messages,
// `channel` field: the protocol every jupyter_server 2 accepts when no subprotocol is asked
// for). Node 20 has no global WebSocket without a flag, hence the `ws` package.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, root, startJupyter } from '../../scripts/lab-launcher.mjs';

export { root };

/**
 * Start `jupyter server` from the venv on a free loopback port with a known token and
 * throw-away config/data/runtime folders (see `startJupyter` in scripts/lab-launcher.mjs).
 *
 * @param {object} options
 * @param {Record<string, string>} [options.env] - extra environment for the server and its kernels
 * @param {string} [options.rootDir] - the folder the server serves (default: the repository)
 * @param {number} [options.timeoutMs] - how long to wait for `/api/status`
 * @param {string[]} [options.args] - more `jupyter server` arguments (e.g. `--debug`)
 * @param {(chunk: Buffer) => void} [options.onOutput] - every chunk the server (and its
 *   kernels, which inherit its stdout and stderr) prints, from the first one on
 * @returns {Promise<{ url: string, token: string, child, log: () => string, stop: () => Promise<void> }>}
 */
export async function startJupyterServer({
  env = {},
  rootDir = root,
  timeoutMs = 60_000,
  args = [],
  onOutput
} = {}) {
  return startJupyter({
    app: 'server',
    port: await freePort(),
    env,
    rootDir,
    timeoutMs,
    args,
    onOutput
  });
}

async function api(server, method, path, body) {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `token ${server.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000)
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A kernel session over the channels websocket: `execute(code)` sends one execute_request
 * and resolves when the reply and the kernel's `idle` for it have both arrived.
 */
export class KernelConnection {
  constructor(server, kernelId, sessionId, ws) {
    this.server = server;
    this.kernelId = kernelId;
    this.sessionId = sessionId;
    this.ws = ws;
    this.pending = new Map(); // msg_id → { messages, reply, idle, resolve }
    /** Every iopub message, in arrival order (including those of no known request). */
    this.iopub = [];
    ws.on('message', data => this.onMessage(JSON.parse(data.toString())));
  }

  onMessage(msg) {
    const parentId = msg.parent_header?.msg_id;
    const entry = parentId ? this.pending.get(parentId) : undefined;
    if (msg.channel === 'iopub') this.iopub.push(msg);
    if (!entry) return;
    if (msg.channel === 'shell' && msg.header.msg_type === 'execute_reply') {
      entry.reply = msg.content;
    } else if (msg.channel === 'iopub') {
      const type = msg.header.msg_type;
      if (type === 'status') {
        if (msg.content.execution_state === 'idle') entry.idle = true;
      } else if (type !== 'execute_input') {
        entry.messages.push({ msg_type: type, content: msg.content });
      }
    }
    if (entry.reply && entry.idle) {
      this.pending.delete(parentId);
      entry.resolve();
    }
  }

  /**
   * Execute code; resolves with `{ reply, messages, ms }`, or with `timedOut: true` after
   * `timeoutMs` (the kernel is then interrupted).
   */
  execute(code, { timeoutMs = 60_000 } = {}) {
    const msgId = randomUUID();
    const started = Date.now();
    const entry = { messages: [], reply: undefined, idle: false };
    const done = new Promise(resolve => (entry.resolve = resolve));
    this.pending.set(msgId, entry);
    this.ws.send(
      JSON.stringify({
        channel: 'shell',
        header: {
          msg_id: msgId,
          msg_type: 'execute_request',
          session: this.sessionId,
          username: 'test',
          date: new Date().toISOString(),
          version: '5.3'
        },
        parent_header: {},
        metadata: {},
        content: {
          code,
          silent: false,
          store_history: true,
          user_expressions: {},
          allow_stdin: false,
          stop_on_error: true
        },
        buffers: []
      })
    );
    let timer;
    const timeout = new Promise(resolve => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    return Promise.race([done, timeout]).then(async which => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (which === 'timeout') {
        this.pending.delete(msgId);
        await this.interrupt().catch(() => undefined);
        return { reply: entry.reply, messages: entry.messages, ms, timedOut: true };
      }
      return { reply: entry.reply, messages: entry.messages, ms, timedOut: false };
    });
  }

  /** POST /api/kernels/{id}/interrupt. */
  interrupt() {
    return api(this.server, 'POST', `/api/kernels/${this.kernelId}/interrupt`);
  }

  /** Close the websocket and delete the kernel. */
  async close() {
    this.ws.close();
    await api(this.server, 'DELETE', `/api/kernels/${this.kernelId}`).catch(() => undefined);
  }
}

/**
 * Create a session for `notebookPath` (relative to the server's root; the kernel's working
 * directory becomes the notebook's folder, as in JupyterLab) and open its channels.
 *
 * @returns {Promise<KernelConnection>}
 */
export async function openKernel(
  server,
  notebookPath,
  { kernelName = 'tslab', timeoutMs = 60_000 } = {}
) {
  const session = await api(server, 'POST', '/api/sessions', {
    path: notebookPath,
    name: notebookPath.split('/').pop(),
    type: 'notebook',
    kernel: { name: kernelName }
  });
  const kernelId = session.kernel.id;
  const sessionId = randomUUID();
  const wsUrl =
    `${server.url.replace(/^http/, 'ws')}/api/kernels/${kernelId}/channels` +
    `?session_id=${sessionId}`;
  const ws = new WebSocket(wsUrl, { headers: { Authorization: `token ${server.token}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const conn = new KernelConnection(server, kernelId, sessionId, ws);
  // Wait until the kernel answers (tslab takes a moment to start its compiler).
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await kernelInfo(conn, 5000);
    if (ok) return conn;
  }
  await conn.close();
  throw new Error(`kernel ${kernelName} did not answer kernel_info within ${timeoutMs / 1000} s`);
}

function kernelInfo(conn, timeoutMs) {
  const msgId = randomUUID();
  return new Promise(resolve => {
    const onMessage = data => {
      const msg = JSON.parse(data.toString());
      if (msg.parent_header?.msg_id === msgId && msg.header.msg_type === 'kernel_info_reply') {
        cleanup();
        resolve(true);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve(false);
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      conn.ws.off('message', onMessage);
    };
    conn.ws.on('message', onMessage);
    conn.ws.send(
      JSON.stringify({
        channel: 'shell',
        header: {
          msg_id: msgId,
          msg_type: 'kernel_info_request',
          session: conn.sessionId,
          username: 'test',
          date: new Date().toISOString(),
          version: '5.3'
        },
        parent_header: {},
        metadata: {},
        content: {},
        buffers: []
      })
    );
  });
}

/**
 * Apply output messages the way a front end does: display_data / stream / error /
 * execute_result append; update_display_data replaces the output with that display_id
 * (in whichever cell it lives). Mutates `cells[*].outputs`.
 */
function applyMessage(cells, cellIndex, m) {
  const outputs = cells[cellIndex].outputs;
  const displayId = m.content.transient?.display_id;
  if (m.msg_type === 'update_display_data') {
    for (const cell of cells) {
      for (const out of cell.outputs) {
        if (out.display_id === displayId) {
          out.data = m.content.data;
          out.metadata = m.content.metadata;
        }
      }
    }
    return;
  }
  if (m.msg_type === 'display_data' || m.msg_type === 'execute_result') {
    outputs.push({
      output_type: m.msg_type,
      data: m.content.data,
      metadata: m.content.metadata,
      ...(displayId ? { display_id: displayId } : {})
    });
  } else if (m.msg_type === 'stream') {
    const last = outputs[outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === m.content.name) last.text += m.content.text;
    else outputs.push({ output_type: 'stream', name: m.content.name, text: m.content.text });
  } else if (m.msg_type === 'error') {
    outputs.push({ output_type: 'error', ...m.content });
  }
  // clear_output and others are kept in `messages` only.
}

/**
 * Run every code cell of a notebook in order (stopping after the first failing cell unless
 * `allowErrors`).
 *
 * @param {object} server - from startJupyterServer
 * @param {string} notebookPath - relative to the server's root
 * @param {object} [options]
 * @param {number} [options.cellTimeoutMs] - per cell
 * @param {boolean} [options.allowErrors] - keep going after an error
 * @param {string[]} [options.extraCells] - code run after the notebook's cells in the same
 *   kernel (always all of them, errors or not), recorded with ids `extra-0`, `extra-1`, …
 * @returns {Promise<{ cells: Array<{ index, id, source, status, ms, timedOut, messages, outputs }>, startMs: number, totalMs: number }>}
 */
export async function runNotebook(
  server,
  notebookPath,
  { cellTimeoutMs = 60_000, allowErrors = false, extraCells = [] } = {}
) {
  const nb = JSON.parse(readFileSync(join(server.rootDir ?? root, notebookPath), 'utf8'));
  const started = Date.now();
  const conn = await openKernel(server, notebookPath);
  const startMs = Date.now() - started;
  const cells = [];
  try {
    const extras = extraCells.map((source, i) => ({
      cell_type: 'code',
      id: `extra-${i}`,
      source,
      extra: true
    }));
    let failed = false;
    let lastFailed = false;
    for (const [index, cell] of [...nb.cells, ...extras].entries()) {
      if (cell.cell_type !== 'code' || (failed && !cell.extra)) continue;
      const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
      const record = { index, id: cell.id, source, outputs: [], messages: [] };
      cells.push(record);
      if (lastFailed) {
        // tslab aborts every request arriving within 200 ms of a failed cell (tslab #19).
        await new Promise(r => setTimeout(r, 300));
      }
      const result = await conn.execute(source, { timeoutMs: cellTimeoutMs });
      lastFailed = result.timedOut || result.reply?.status !== 'ok';
      record.messages = result.messages;
      record.status = result.timedOut ? 'timeout' : result.reply?.status;
      record.ms = result.ms;
      record.timedOut = result.timedOut;
      for (const m of result.messages) applyMessage(cells, cells.length - 1, m);
      if (record.status !== 'ok' && !allowErrors && !cell.extra) failed = true;
    }
  } finally {
    await conn.close();
  }
  return { cells, startMs, totalMs: Date.now() - started };
}

/**
 * What a cell executed on a kernel printed: its streams, its errors as `ename: evalue`, and
 * for any other message what `other(message)` makes of it (by default nothing).
 */
export function executeText(result, other = () => '') {
  return result.messages
    .map(m =>
      m.msg_type === 'stream'
        ? m.content.text
        : m.msg_type === 'error'
          ? `${m.content.ename}: ${m.content.evalue}`
          : other(m)
    )
    .join('');
}

/** Every string in a cell's outputs and messages, for "contains no token" checks. */
export function allOutputText(cells) {
  return JSON.stringify(cells.map(c => ({ m: c.messages, o: c.outputs })));
}

/** A cell's HTML outputs, joined. */
export function cellHtml(cell) {
  return cell.outputs
    .filter(o => o.data?.['text/html'])
    .map(o => o.data['text/html'])
    .join('\n');
}

/** A cell's `stdout` or `stderr` text. */
export function cellStream(cell, name) {
  return cell.outputs
    .filter(o => o.output_type === 'stream' && o.name === name)
    .map(o => o.text)
    .join('');
}
