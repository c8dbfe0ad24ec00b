// SPDX-License-Identifier: EUPL-1.2
// Browser test of the operators' dashboard (issue 7): headless Debian Chromium, driven by
// playwright-core, loads /dashboard from a live jubesd while jubes-bench sends load, checks that
// the charts receive changing data and that a figure shown agrees with /metrics, and saves a
// screenshot as a test artifact: ${JUBES_ARTIFACTS:-build/artifacts}/dashboard.png.
// CTest runs it (tests/browser/CMakeLists.txt) with JUBESD, JUBES_BENCH and JUBES_SOURCE_DIR set;
// JUBES_OPS=HOST:PORT instead uses a gateway that is already running (no load is started then).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  env, httpGet, makePki, metricValue, requireEnv, startBench, startGateway, tempDir,
} from '../load/jubesd.mjs';
import { launchBrowser, waitFor } from './support.mjs';

let work, gw, browserCtx, userDataDir, bench;
let opsHost = '127.0.0.1', opsPort;

before(async () => {
  work = tempDir('jubes-browser-');
  if (process.env.JUBES_OPS) {
    [opsHost, opsPort] = process.env.JUBES_OPS.split(':');
  } else {
    requireEnv();
    const pki = makePki(path.join(work, 'pki'));
    gw = await startGateway({ dataDir: path.join(work, 'data'), pki });
    opsPort = gw.ops;
    // Paced load with polling, long enough to watch several snapshots.
    bench = startBench(['--target', gw.target, '--pki', pki, '--connections', '4', '--duration', '15',
      '--rate', '200', '--seed', '7', '--duplicates', '0.05', '--poll', '--quiet']);
  }
  ({ context: browserCtx, userDataDir } = await launchBrowser());
});

after(async () => {
  if (browserCtx) await browserCtx.close();
  if (bench) { bench.proc.kill('SIGINT'); await bench.done; }
  if (gw) await gw.stop('SIGTERM');
  for (const d of [userDataDir, process.env.JUBES_KEEP_TMP ? null : work]) {
    if (d) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('the dashboard shows live, changing figures that agree with /metrics', { timeout: 240_000 }, async () => {
  const page = await browserCtx.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const base = `http://${opsHost}:${opsPort}`;
  const res = await page.goto(`${base}/dashboard`, { waitUntil: 'load' });
  assert.equal(res.status(), 200, 'GET /dashboard');
  // uPlot came from jubesd, not from a CDN.
  assert.equal(await page.evaluate(() => typeof window.uPlot), 'function', 'uPlot loaded from /dashboard/uplot.iife.min.js');

  // Charts receive changing data: several snapshots with rates, and the accepted total moving.
  const seen = new Set();
  await waitFor('changing accepted totals on the page', async () => {
    const s = await page.evaluate(() => ({
      points: window.jubesDashboard.points,
      accepted: window.jubesDashboard.last?.totals?.accepted ?? null,
      shown: document.getElementById('total-accepted').dataset.value,
    }));
    if (s.accepted !== null) seen.add(s.accepted);
    return { ok: s.points >= 3 && seen.size >= 3, ...s, distinct: seen.size };
  }, 120_000);
  const chart = await page.evaluate(() => ({
    canvases: document.querySelectorAll('#chart-rates canvas').length,
    series: document.querySelectorAll('#chart-rates .u-legend .u-series').length,
    latencyShown: document.getElementById('latency').textContent,
  }));
  assert.ok(chart.canvases >= 1, 'the rates chart is drawn');
  assert.ok(chart.series >= 5, 'x plus accepted, delivered, duplicates, rejected');
  assert.equal(await page.getAttribute('#conn', 'data-state'), 'live');

  // Once the load has stopped, the accepted total shown equals the gateway's own counter.
  if (bench) {
    const r = await bench.done;
    bench = null;
    assert.ok(r.code === 0 || r.code === 3, `jubes-bench exit ${r.code}: ${r.stderr.slice(-2000)}`);
  }
  await waitFor('the accepted total shown equals /metrics', async () => {
    const m = await httpGet(opsPort, '/metrics');
    const fromMetrics = metricValue(m.body, 'jubes_ingest_accepted_total');
    const shown = await page.getAttribute('#total-accepted', 'data-value');
    return { ok: fromMetrics !== null && fromMetrics > 0 && Number(shown) === fromMetrics, shown, fromMetrics };
  }, 30_000);

  // Figures only: no 9-digit numbers (BSNs) and no message XML anywhere on the page.
  const text = await page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(text, /\b\d{9}\b/);
  assert.doesNotMatch(await page.content(), /stuurgegevens|referentienummer/);

  const artifacts = process.env.JUBES_ARTIFACTS || path.join(env.src || '.', 'build', 'artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const shot = path.join(artifacts, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(fs.statSync(shot).size > 10_000, 'screenshot written');
  assert.deepEqual(consoleErrors, [], 'no errors in the page');
});
