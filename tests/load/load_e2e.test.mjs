// SPDX-License-Identifier: EUPL-1.2
// End-to-end: jubes-bench --verify against a live jubesd (issue 7, "Done when"). Each scenario
// gets a fresh data directory, because --verify also checks that nothing else is in the outboxes.
// Run by CTest (tests/load/CMakeLists.txt), which sets JUBESD, JUBES_BENCH and JUBES_SOURCE_DIR.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makePki, parseSummary, requireEnv, runBench, startBench, startGateway, tempDir } from './jubesd.mjs';

let work, pki;
const gateways = [];

before(() => {
  requireEnv();
  work = tempDir('jubes-load-e2e-');
  pki = makePki(path.join(work, 'pki'));
});

after(async () => {
  for (const g of gateways) await g.stop('SIGKILL');
  if (work && !process.env.JUBES_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true });
});

async function gateway(name) {
  const g = await startGateway({ dataDir: path.join(work, name), pki });
  gateways.push(g);
  return g;
}

function explain(r) {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr (tail):\n${r.stderr.split('\n').slice(-40).join('\n')}`;
}

test('a run with deliberate duplicates verifies, and a replay gets the original receipts', { timeout: 300_000 }, async () => {
  const g = await gateway('verify');
  const rec = path.join(work, 'verify.rec');
  const r = await runBench(['--target', g.target, '--pki', pki, '--connections', '8', '--count', '1500',
    '--duplicates', '0.05', '--seed', '101', '--verify', '--record', rec]);
  assert.equal(r.code, 0, explain(r));
  const s = parseSummary(r.stdout);
  assert.equal(s.sent, 1500);
  assert.equal(s.errors, 0, explain(r));
  assert.equal(s.accepted + s.duplicates, 1500);
  assert.ok(s.duplicates > 0, 'some deliberate duplicates came back 200');
  assert.ok(s.p50_ms > 0 && s.p50_ms <= s.p99_ms && s.p99_ms <= s.p999_ms, r.stdout);
  assert.match(r.stderr, /verify: ok: \d+ expected outbox entries/);
  const lines = fs.readFileSync(rec, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1 + 1500, 'one header and one line per outcome');

  // The same messages again, as a source does after a crash: every one 200 with its receipt.
  const rec2 = path.join(work, 'replay.rec');
  const r2 = await runBench(['--target', g.target, '--pki', pki, '--connections', '4', '--replay', rec,
    '--record', rec2, '--verify']);
  assert.equal(r2.code, 0, explain(r2));
  const s2 = parseSummary(r2.stdout);
  assert.equal(s2.sent, 1500);
  assert.equal(s2.accepted, 0, 'nothing is new');
  assert.equal(s2.duplicates, 1500);
  assert.match(r2.stderr, /replay: all 1500 recorded messages came back as expected/);
  assert.match(r2.stderr, /verify: ok/);
});

test('with --ops the summary adds the gateway\'s CPU per accepted message, read from its process counter', { timeout: 300_000 }, async () => {
  const g = await gateway('ops');
  const r = await runBench(['--target', g.target, '--pki', pki, '--connections', '4', '--count', '400',
    '--seed', '7', '--ops', `127.0.0.1:${g.ops}`]);
  assert.equal(r.code, 0, explain(r));
  const s = parseSummary(r.stdout);
  assert.equal(s.accepted, 400, explain(r));
  // 400 validated, routed and durably stored messages cost the gateway real CPU: more than 1 µs and
  // (even under ASan on a loaded machine) less than a second each.
  assert.ok(s.server_cpu_us_per_msg > 1 && s.server_cpu_us_per_msg < 1e6, r.stdout);
  assert.match(r.stderr, /jubes-bench ops: process_cpu_seconds_total \d/);
  // Without --ops the line keeps its documented form.
  const r2 = await runBench(['--target', g.target, '--pki', pki, '--connections', '2', '--count', '10', '--seed', '8']);
  assert.equal(parseSummary(r2.stdout).server_cpu_us_per_msg, undefined);
});

test('the poller drains every outbox and acks; verify accounts for what it delivered', { timeout: 300_000 }, async () => {
  const g = await gateway('poll');
  const r = await runBench(['--target', g.target, '--pki', pki, '--connections', '4', '--count', '800',
    '--seed', '102', '--poll', '--verify']);
  assert.equal(r.code, 0, explain(r));
  const s = parseSummary(r.stdout);
  assert.equal(s.accepted, 800, explain(r));
  const m = r.stderr.match(/jubes-bench poll: delivered=(\d+)/);
  assert.ok(m, explain(r));
  // Each message reaches one or two outboxes (18a notices about minors also go to rvdk).
  assert.ok(Number(m[1]) >= 800, `delivered ${m[1]}`);
  // A second pass finds nothing left: the poller acked everything.
  const r2 = await runBench(['--target', g.target, '--pki', pki, '--poll']);
  assert.equal(r2.code, 0, explain(r2));
  assert.match(r2.stderr, /jubes-bench poll: delivered=0 /);
});

test('a run interrupted by a gateway crash verifies after the restart, and its replay completes it', { timeout: 300_000 }, async () => {
  const dataDir = path.join(work, 'crash');
  let g = await startGateway({ dataDir, pki });
  const rec = path.join(work, 'crash.rec');
  const b = startBench(['--target', g.target, '--pki', pki, '--connections', '8', '--duration', '120',
    '--seed', '103', '--record', rec]);
  // Crash the gateway in the middle of the load.
  const deadline = Date.now() + 60_000;
  while (!/sent=([3-9]\d{2,}|\d{4,})/.test(b.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await g.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  b.proc.kill('SIGINT');
  const r = await b.done;
  assert.notEqual(r.code, null, 'the load tool ends by itself after SIGINT');
  const s = parseSummary(r.stdout);
  assert.ok(s.accepted >= 300, explain(r));

  g = await startGateway({ dataDir, pki });
  gateways.push(g);
  // Every acknowledged message is in each of its outboxes exactly once; a message whose reply was
  // lost is in all of its outboxes or in none.
  const v = await runBench(['--target', g.target, '--pki', pki, '--verify', '--record', rec]);
  assert.equal(v.code, 0, explain(v));
  assert.match(v.stderr, /verify: ok/);

  const rec2 = path.join(work, 'crash-replay.rec');
  const rp = await runBench(['--target', g.target, '--pki', pki, '--connections', '4', '--replay', rec,
    '--record', rec2, '--verify']);
  assert.equal(rp.code, 0, explain(rp));
  const sp = parseSummary(rp.stdout);
  assert.equal(sp.errors, 0, explain(rp));
  assert.ok(sp.duplicates >= s.accepted, 'every acknowledged message came back 200');
});

test('corrections and withdrawals (--corrections 0.2) with concurrent pollers verify, also from the record and after a replay', { timeout: 300_000 }, async () => {
  const g = await gateway('corrections');
  const rec = path.join(work, 'corrections.rec');
  const r = await runBench(['--target', g.target, '--pki', pki, '--connections', '8', '--count', '1200',
    '--corrections', '0.2', '--duplicates', '0.02', '--seed', '104', '--poll', '--verify', '--record', rec]);
  assert.equal(r.code, 0, explain(r));
  const s = parseSummary(r.stdout);
  assert.equal(s.errors, 0, explain(r));
  assert.equal(s.accepted + s.duplicates, 1200);
  const lines = fs.readFileSync(rec, 'utf8').trim().split('\n').slice(1);
  const corrects = lines.filter((l) => / corrects=\d+$/.test(l)).length;
  const withdraws = lines.filter((l) => / withdraws=\d+$/.test(l)).length;
  // About a fifth of the posts amend an earlier notice, of both kinds.
  assert.ok(corrects + withdraws > 150 && corrects + withdraws < 330, `${corrects} + ${withdraws}`);
  assert.ok(corrects > 30 && withdraws > 30, `${corrects} + ${withdraws}`);
  const v = r.stderr.match(/verify: acked=.* replaced=(\d+) related=(\d+) bad_links=0/);
  assert.ok(v, explain(r));
  assert.ok(Number(v[1]) + Number(v[2]) > 150, explain(r));
  assert.match(r.stderr, /verify: ok/);

  // --verify from the record alone, and a replay: every message (amendments too) 200 with its receipt.
  const v2 = await runBench(['--target', g.target, '--pki', pki, '--verify', '--record', rec]);
  assert.equal(v2.code, 0, explain(v2));
  const r2 = await runBench(['--target', g.target, '--pki', pki, '--connections', '4', '--replay', rec,
    '--record', path.join(work, 'corrections-replay.rec'), '--verify']);
  assert.equal(r2.code, 0, explain(r2));
  assert.equal(parseSummary(r2.stdout).accepted, 0, explain(r2));
  assert.match(r2.stderr, /replay: all 1200 recorded messages came back as expected/);
});

test('bad command lines are refused with the option named', async () => {
  const r = await runBench(['--target', '127.0.0.1:1', '--count', '5']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /--pki: required/);
  const r2 = await runBench(['--target', '127.0.0.1:1', '--pki', pki, '--replay', path.join(work, 'nope.rec')]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--replay .*nope\.rec: cannot open/);
});
