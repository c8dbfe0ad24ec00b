// SPDX-License-Identifier: EUPL-1.2
// The dashboard's parked view: lists /dashboard/parked.json (schema "jubes.parked.v1", see
// docs/dashboard.md): message ids, source party, type, reason and time, never message contents.
'use strict';
(function () {
  const table = document.getElementById('parked');
  const cell = (tr, text, cls) => { const td = tr.insertCell(); td.textContent = text; if (cls) td.className = cls; };

  function draw(p) {
    const tbody = table.tBodies[0];
    tbody.textContent = '';
    table.dataset.total = String(p.total);
    document.getElementById('summary').textContent =
      p.total === p.shown ? `(${p.total})` : `(${p.total}; the oldest ${p.shown} shown)`;
    if (!p.entries.length) {
      const td = tbody.insertRow().insertCell();
      td.colSpan = 5; td.className = 'empty'; td.textContent = 'no parked messages';
    }
    for (const e of p.entries) {
      const tr = tbody.insertRow();
      tr.dataset.id = String(e.id);
      cell(tr, String(e.id), 'num');
      cell(tr, e.source);
      cell(tr, e.type);
      cell(tr, e.reason);
      cell(tr, new Date(e.accepted_at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
    }
    document.getElementById('updated').textContent = new Date().toLocaleTimeString();
  }

  async function load() {
    try {
      const r = await fetch('/dashboard/parked.json', { cache: 'no-store' });
      if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
      draw(await r.json());
    } catch (err) {
      document.getElementById('summary').textContent = 'cannot load: ' + err.message;
    }
  }
  load();
  setInterval(load, 5000);
})();
