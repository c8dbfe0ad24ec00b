// SPDX-License-Identifier: EUPL-1.2
// Helpers shared by the node tests that drive a real jubesd with jubes-bench (tests/load) and a
// browser (tests/browser): a dev PKI, free ports on 127.0.0.1, a gateway in a temporary data
// directory, and runs of the load tool with its summary line parsed.
// Paths come from the environment CTest sets: JUBESD, JUBES_BENCH, JUBES_SOURCE_DIR.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const env = {
  jubesd: process.env.JUBESD,
  bench: process.env.JUBES_BENCH,
  src: process.env.JUBES_SOURCE_DIR,
};

export function requireEnv() {
  for (const [k, v] of Object.entries({ JUBESD: env.jubesd, JUBES_BENCH: env.bench, JUBES_SOURCE_DIR: env.src })) {
    if (!v || !fs.existsSync(v)) throw new Error(`${k} must name an existing path (got ${v}); run through CTest`);
  }
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A development PKI made by scripts/dev-pki (once per test file; copy it into each data dir). */
export function makePki(dir) {
  execFileSync(path.join(env.src, 'scripts', 'dev-pki'), [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function httpGet(port, target, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: target, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${target}: timeout`)));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts jubesd on 127.0.0.1 (free ports) with `config` (default conf/jubes.yaml) and `dataDir` (whose pki/ is a copy
 * of `pki`), and waits until /readyz answers 200.
 */
export async function startGateway({ dataDir, pki, config }) {
  fs.mkdirSync(dataDir, { recursive: true });
  if (pki && !fs.existsSync(path.join(dataDir, 'pki'))) fs.cpSync(pki, path.join(dataDir, 'pki'), { recursive: true });
  const api = await freePort();
  const ops = await freePort();
  const logPath = path.join(dataDir, `jubesd-${api}.log`);
  const log = fs.openSync(logPath, 'a');
  const proc = spawn(env.jubesd, [
    '--config', config || path.join(env.src, 'conf', 'jubes.yaml'),
    '--data-dir', dataDir,
    '--listen', `127.0.0.1:${api}`,
    '--ops-listen', `127.0.0.1:${ops}`,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = null;
  const exit = new Promise((resolve) => proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); }));
  const tail = () => fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`jubesd exited at start (${JSON.stringify(exited)}):\n${tail()}`);
    try {
      const r = await httpGet(ops, '/readyz', 2000);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`jubesd not ready within 90 s:\n${tail()}`);
    }
    await sleep(100);
  }
  return {
    proc, api, ops, dataDir, logPath, exit, tail,
    target: `127.0.0.1:${api}`,
    /** Stops with `signal` and waits for the exit (SIGKILL after 60 s). */
    async stop(signal = 'SIGTERM') {
      if (!exited) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 60_000);
      const r = await exit;
      clearTimeout(t);
      return r;
    },
  };
}

/** Parses the one summary line of jubes-bench's stdout. */
export function parseSummary(stdout) {
  const lines = stdout.split('\n').filter((l) => l.startsWith('jubes-bench: '));
  if (lines.length !== 1) throw new Error(`expected exactly one summary line, got:\n${stdout}`);
  const m = lines[0].match(/^jubes-bench: sent=(\d+) accepted=(\d+) duplicates=(\d+) errors=(\d+) msgs_per_s=([\d.]+) p50_ms=([\d.]+) p99_ms=([\d.]+) p999_ms=([\d.]+)(?: server_cpu_us_per_msg=([\d.]+))?(?: client_cpu_us_per_msg=([\d.]+))?$/);
  if (!m) throw new Error(`summary line has the wrong format: ${lines[0]}`);
  const n = m.slice(1).map(Number);
  const s = { sent: n[0], accepted: n[1], duplicates: n[2], errors: n[3], msgs_per_s: n[4], p50_ms: n[5], p99_ms: n[6], p999_ms: n[7] };
  if (m[9] !== undefined) s.server_cpu_us_per_msg = n[8];  // only with --ops
  if (m[10] !== undefined) s.client_cpu_us_per_msg = n[9];
  return s;
}

/** Starts jubes-bench; `done` resolves to {code, signal, stdout, stderr}. */
export function startBench(args) {
  const proc = spawn(env.bench, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
  proc.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
  const done = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { proc, done, stderr: () => stderr };
}

export async function runBench(args) {
  return startBench(args).done;
}

/** The sum of all series of a metric in Prometheus text (null if absent). */
export function metricValue(text, name) {
  let sum = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/);
    if (m && m[1] === name) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}
