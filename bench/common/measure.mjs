// Runs one tool in its own process and measures it: wall time of the whole process and its
// peak resident set size. `/usr/bin/time -v` gives the kernel's own high-water mark
// (ru_maxrss) when it is installed; otherwise /proc/<pid>/status VmHWM is polled, which
// can miss a peak reached in the last poll interval (the result says which method was used).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
const POLL_MS = 10;

/** How peak RSS is measured on this machine. */
export const rssMethod = existsSync(GNU_TIME) ? 'time -v (ru_maxrss)' : 'VmHWM polled every 10 ms';

/**
 * Run a command and measure it.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, stdin?: string, cwd?: string, timeoutMs?: number }} [options]
 * @returns {Promise<{ wallS: number, peakRssMb: number | undefined, cpuS: number | undefined, stdout: string, stderr: string, code: number | null }>}
 *   (`cpuS`: user + system CPU seconds of the whole process, with `/usr/bin/time` only)
 */
export async function measure(cmd, args, options = {}) {
  const useTime = existsSync(GNU_TIME);
  const dir = useTime ? await mkdtemp(join(tmpdir(), 'bench-time-')) : undefined;
  const timeOut = dir ? join(dir, 'time.txt') : undefined;
  const argv = useTime ? ['-v', '-o', timeOut, cmd, ...args] : args;
  const started = process.hrtime.bigint();
  const child = spawn(useTime ? GNU_TIME : cmd, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe']
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', c => (stdout += c));
  child.stderr.on('data', c => {
    stderr += c;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  child.stdin.end(options.stdin ?? '');
  let polledKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        readFile(`/proc/${child.pid}/status`, 'utf8')
          .then(text => {
            const m = /VmHWM:\s+(\d+) kB/.exec(text);
            if (m) polledKb = Math.max(polledKb, Number(m[1]));
          })
          .catch(() => undefined);
      }, POLL_MS);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', c => resolve(c));
  }).finally(() => {
    clearTimeout(timer);
    if (poll) clearInterval(poll);
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  let peakKb = polledKb || undefined;
  let cpuS;
  if (timeOut) {
    const text = await readFile(timeOut, 'utf8').catch(() => '');
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
    peakKb = m ? Number(m[1]) : undefined;
    const user = /User time \(seconds\): ([\d.]+)/.exec(text);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(text);
    cpuS = user && sys ? Number(user[1]) + Number(sys[1]) : undefined;
    await rm(dir, { recursive: true, force: true });
  }
  return {
    wallS,
    peakRssMb: peakKb === undefined ? undefined : peakKb / 1024,
    cpuS,
    stdout,
    stderr,
    code
  };
}

/**
 * Parse the last line of a child's stdout as its JSON report.
 * @param {string} stdout
 * @param {string} what - for the error message
 */
export function lastJson(stdout, what) {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${what} did not report a result (last line: ${line.slice(0, 200)})`);
  }
}

/** Median of numbers (undefined entries are dropped). */
export function median(values) {
  const v = values.filter(x => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
