// SPDX-License-Identifier: EUPL-1.2
// Browser test of the dashboard's late view (issue 14): headless Debian Chromium against a live
// jubesd. Notices with legal deadlines (docs/routing.md, "Deadlines"): one due in two days (within
// the 2-day lead time: at risk), one long past (overdue), one far ahead (not listed). The page lists,
// per recipient, exactly the entries and the due-for-purge counts that `jubesctl --json outbox late`
// prints for the same store (one view function, gateway/src/late_view.*), and no content: no body,
// BSN or referentienummer. Retention keeps bodies 5 days in this test's configuration, so every
// unacknowledged entry is within the 7-day purge warning.
// CTest runs it (tests/browser/CMakeLists.txt) with JUBESD, JUBESCTL, JUBES_BENCH and JUBES_SOURCE_DIR set.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { env } from '../load/jubesd.mjs';
import { gatewayWithBrowser, waitFor } from './support.mjs';

/** conf/jubes.yaml with its relative paths made absolute and bodies kept 5 days. */
function writeConfig(dir) {
  const confDir = path.join(env.src, 'conf');
  let y = fs.readFileSync(path.join(confDir, 'jubes.yaml'), 'utf8');
  y = y.replace(/^(\s*(?:data_dir|dashboard_dir|routes_file|gemeenten_file):\s*)(\S+)/gm,
    (m, k, v) => k + path.resolve(confDir, v));
  y = y.replace(/entry_points: \[([^\]]*)\]/g,
    (m, l) => `entry_points: [${l.split(',').map((x) => path.resolve(confDir, x.trim())).join(', ')}]`);
  assert.match(y, /bodies_days: \d+/);
  y = y.replace(/bodies_days: \d+/, 'bodies_days: 5');
  const f = path.join(dir, 'jubes.yaml');
  fs.writeFileSync(f, y);
  return f;
}

// Checked before the gateway starts (hooks run in the order they are declared).
before(() => {
  assert.ok(process.env.JUBESCTL && fs.existsSync(process.env.JUBESCTL), 'JUBESCTL must name jubesctl');
});
const fx = gatewayWithBrowser('jubes-late-', { config: writeConfig });

const example = fs.readFileSync(path.join(env.src, 'conf', 'examples', 'piBeeindiging.xml'), 'utf8');
/** The example end-of-detention notice with referentienummer `ref`, ending on `day` (YYYY-MM-DD). */
const notice = (ref, day) => example
  .replace(/<dti:referentienummer>[^<]*</, `<dti:referentienummer>${ref}<`)
  .replace(/Einddatum>2026-11-28</g, `Einddatum>${day}<`);
const dayFromNow = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const bsn = example.match(/<dti:bsn>([^<]*)</)[1];

test('the late view lists what `jubesctl outbox late --json` lists, per recipient, and no content', { timeout: 120_000 }, async () => {
  const refs = { risk: 'LATE-RISK-0000000001', over: 'LATE-OVER-0000000002', ahead: 'LATE-AHEAD-000000003' };
  // Due when the day after tomorrow begins (00:00 Amsterdam), at risk 2 days before: now.
  assert.equal((await fx.post('tulp-gw', notice(refs.risk, dayFromNow(2)))).status, 201);
  assert.equal((await fx.post('tulp-gw', notice(refs.over, '2026-01-12'))).status, 201);
  assert.equal((await fx.post('tulp-gw', notice(refs.ahead, dayFromNow(60)))).status, 201);

  const page = await fx.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  assert.equal((await page.goto(`http://127.0.0.1:${fx.gw.ops}/dashboard`, { waitUntil: 'load' })).status(), 200);
  const shown = await waitFor('the late view lists the two late entries', async () => {
    const rows = await page.$$eval('#late tbody tr[data-id]', (trs) => trs.map((r) => ({
      recipient: r.dataset.recipient, id: Number(r.dataset.id), type: r.dataset.type, deadline: r.dataset.deadline,
      state: r.dataset.state })));
    return { ok: rows.length === 2, rows };
  }, 30_000);

  const ctl = JSON.parse(execFileSync(process.env.JUBESCTL,
    ['--config', fx.config, '--data-dir', fx.dataDir, '--json', 'outbox', 'late'], { encoding: 'utf8' }));
  const fromCtl = ctl.entries.map((e) => ({ recipient: e.recipient, id: e.id, type: e.type, deadline: e.deadline, state: e.state }));
  assert.deepEqual(shown.rows, fromCtl, 'the page shows what jubesctl lists');
  assert.deepEqual(shown.rows.map((r) => r.state).sort(), ['at_risk', 'overdue']);
  assert.ok(shown.rows.every((r) => r.recipient === 'gemeente:0363/bij' && r.type === 'piBeeindiging'));
  // The document the page loads is jubesctl's, apart from the time it was judged at (and the purge
  // cut that follows from it).
  const late = await page.evaluate(() => window.jubesDashboard.late);
  assert.deepEqual({ ...late, at: null, purge_cut: null }, { ...ctl, at: null, purge_cut: null });

  // Due for purge: every unacknowledged entry (bodies kept 5 days, warned 7 days ahead), per recipient.
  const purge = await page.$$eval('#due-purge tbody tr[data-recipient]', (trs) => trs.map((r) => ({
    recipient: r.dataset.recipient, unacked: Number(r.dataset.unacked) })));
  assert.deepEqual(purge, ctl.due_for_purge);
  assert.deepEqual(purge, [{ recipient: 'gemeente:0363/bij', unacked: 3 }]);
  // And which entries, with the time their bodies go (accepted + 5 days).
  const dueRows = await page.$$eval('#due-entries tbody tr[data-id]', (trs) => trs.map((r) => ({
    recipient: r.dataset.recipient, id: Number(r.dataset.id), type: r.dataset.type, purge_at: r.dataset.purgeAt })));
  assert.deepEqual(dueRows, ctl.due_entries.map((e) => ({ recipient: e.recipient, id: e.id, type: e.type, purge_at: e.purge_at })));
  assert.equal(dueRows.length, 3);
  for (const e of ctl.due_entries)
    assert.equal(Date.parse(e.purge_at) - Date.parse(e.accepted), 5 * 86_400_000, 'a body goes 5 days after acceptance');

  // No content: neither the BSN nor a referentienummer nor a piece of the body, in the page or its data.
  const text = await page.evaluate(() => document.body.innerText + JSON.stringify(window.jubesDashboard.late));
  for (const secret of [bsn, refs.risk, refs.over, refs.ahead, 'dti:', '<']) assert.ok(!text.includes(secret), `the page shows ${secret}`);
  assert.deepEqual(errors, []);
});
