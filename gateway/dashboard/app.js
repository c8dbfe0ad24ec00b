// SPDX-License-Identifier: EUPL-1.2
// jubes operators' dashboard: subscribes to /events (Server-Sent Events, one snapshot a second,
// schema "jubes.dashboard.v1" in docs/dashboard.md) and draws the figures with uPlot.
// No message contents ever reach this page: the snapshot holds counters, gauges and party ids only.
'use strict';
(function () {
  const WINDOW = 300; // points kept per chart (five minutes at one snapshot a second)
  const MIN_SPAN_S = 60; // the time axis spans at least a minute, from the first snapshot on
  const $ = (id) => document.getElementById(id);
  const nf = new Intl.NumberFormat('en-US');
  const absent = (v) => v === null || v === undefined || Number.isNaN(v);
  const fmt = (v, digits) => absent(v) ? '–' : (digits === undefined ? nf.format(v) : Number(v).toFixed(digits));
  const bytes = (v) => {
    if (absent(v)) return '–';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return v.toFixed(i ? 1 : 0) + ' ' + u[i];
  };
  const age = (s) => {
    if (absent(s)) return '–';
    if (s < 60) return s.toFixed(1) + ' s';
    if (s < 3600) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  };

  // Colour thresholds; a bookmark may set others: ?store_amber=0.8&store_red=0.95&age_amber_s=300&age_red_s=3600
  const q = new URLSearchParams(location.search);
  const num = (k, d) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : d);
  const thresholds = {
    store_amber: num('store_amber', 0.80), store_red: num('store_red', 0.95),
    age_amber_s: num('age_amber_s', 300), age_red_s: num('age_red_s', 3600),
    expiry_amber_d: num('expiry_amber_d', 30), expiry_red_d: num('expiry_red_d', 7),
  };
  const level = (v, amber, red) => absent(v) ? '' : v >= red ? 'red' : v >= amber ? 'amber' : 'green';

  // State the browser test reads (tests/browser/dashboard.test.mjs): how many snapshots arrived and
  // the last one, so it can check that charts get changing data without scraping canvas pixels.
  const state = { snapshots: 0, points: 0, last: null, errors: 0, thresholds, sawSourceRate: 0 };
  let lastSeen = 0;
  window.jubesDashboard = state;

  const palette = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

  // The x axis always spans at least MIN_SPAN_S ending at the newest point (or now): a sensible
  // time axis from the first snapshot, never an empty or NaN one while there are fewer than two.
  // From the chart's own data: with one point uPlot would widen min..max by itself (to days).
  const xRange = (u) => {
    const xs = (u.data && u.data[0]) || [];
    const hi = xs.length ? xs[xs.length - 1] : Date.now() / 1000;
    return [xs.length ? Math.min(xs[0], hi - MIN_SPAN_S) : hi - MIN_SPAN_S, hi];
  };
  const yRange = (u, min, max) => [0, Math.max(1, (Number.isFinite(max) ? max : 0) * 1.1)];

  function makeChart(el, names, opts) {
    const series = [{}].concat(names.map((n, i) => ({
      label: n, stroke: palette[i % palette.length], width: 1.5, spanGaps: false,
      value: (u, v) => absent(v) ? '–' : v.toFixed(opts && opts.digits !== undefined ? opts.digits : 1),
    })));
    const data = [[]].concat(names.map(() => []));
    const width = Math.max(300, el.clientWidth || 500);
    const u = new uPlot({
      width, height: 200, series,
      scales: { x: { time: true, range: xRange }, y: { range: yRange } },
      axes: [{}, { size: 60 }],
      legend: { live: true },
    }, data, el);
    return { u, data, names };
  }

  function push(chart, t, values) {
    chart.data[0].push(t);
    for (let i = 0; i < chart.names.length; i++) chart.data[i + 1].push(values[i] ?? null);
    if (chart.data[0].length > WINDOW) chart.data.forEach((a) => a.shift());
    chart.u.setData(chart.data);
  }

  const rates = makeChart($('chart-rates'), ['accepted', 'delivered', 'duplicates', 'rejected']);
  const latency = makeChart($('chart-latency'), ['p50', 'p99'], { digits: 3 });
  const group = makeChart($('chart-group'), ['mean size'], { digits: 1 });
  const conn = makeChart($('chart-conn'), ['open connections', 'TLS failures/s', 'handshakes/s']);
  // Charts whose series come and go (reasons, sources): rebuilt when the set changes, keeping history.
  const dynamic = { rejected: null, sources: null };
  // The scales every chart draws its axes from (for the browser test: finite, a minute wide at least).
  state.axes = () => Object.fromEntries(Object.entries({ rates, latency, group, conn, ...dynamic })
    .filter(([, c]) => c).map(([k, c]) => [k, {
      xmin: c.u.scales.x.min, xmax: c.u.scales.x.max, ymin: c.u.scales.y.min, ymax: c.u.scales.y.max }]));

  function dynamicChart(key, elId, names) {
    const cur = dynamic[key];
    if (cur && names.length === cur.names.length && names.every((r, i) => r === cur.names[i])) return cur;
    const el = $(elId);
    el.textContent = '';
    const shown = names.length ? names : ['(none)'];
    const next = makeChart(el, shown);
    if (cur) {
      next.data[0] = cur.data[0].slice();
      shown.forEach((n, i) => {
        const j = cur.names.indexOf(n);
        next.data[i + 1] = j >= 0 ? cur.data[j + 1].slice() : cur.data[0].map(() => null);
      });
      next.u.setData(next.data);
    }
    dynamic[key] = next;
    return next;
  }

  function setFigure(id, value, text) {
    const el = $(id);
    el.dataset.value = absent(value) ? '' : String(value);
    el.textContent = text;
  }

  // A table row: `data` into its dataset (what the browser test reads), `cells` as [text, numeric].
  function addRow(tbody, data, cells) {
    const tr = tbody.insertRow();
    for (const [k, v] of Object.entries(data)) tr.dataset[k] = v ?? '';
    for (const [text, numeric] of cells) {
      const td = tr.insertCell();
      td.textContent = text;
      if (numeric) td.className = 'num';
    }
    return tr;
  }

  function emptyRow(tbody, text, columns = 3) {
    const td = tbody.insertRow().insertCell();
    td.colSpan = columns; td.className = 'empty'; td.textContent = text;
  }

  // ---- the backlog table: every recipient, sortable, coloured by the age of its oldest entry ----
  const backlogTable = $('backlog');
  let backlogRows = [];
  const sortKeys = { recipient: (r) => r.recipient, backlog: (r) => r.backlog ?? 0, age: (r) => r.oldest_unacked_s ?? 0 };

  function drawBacklog() {
    const key = backlogTable.dataset.sort, dir = backlogTable.dataset.dir === 'asc' ? 1 : -1;
    const by = sortKeys[key];
    const rows = backlogRows.slice().sort((a, b) => {
      const x = by(a), y = by(b);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0;
    });
    for (const th of backlogTable.tHead.rows[0].cells)
      th.setAttribute('aria-sort', th.dataset.key === key ? (dir > 0 ? 'ascending' : 'descending') : 'none');
    const tbody = backlogTable.tBodies[0];
    tbody.textContent = '';
    if (!rows.length) emptyRow(tbody, 'no recipient has an outbox yet');
    for (const r of rows) {
      const late = r.backlog > 0;
      addRow(tbody, {
        recipient: r.recipient, backlog: r.backlog, age: r.oldest_unacked_s,
        level: late ? level(r.oldest_unacked_s, thresholds.age_amber_s, thresholds.age_red_s) : 'green',
      }, [[r.recipient], [fmt(r.backlog), true], [late ? age(r.oldest_unacked_s) : '–', true]]);
    }
  }

  for (const th of backlogTable.tHead.rows[0].cells) {
    th.querySelector('button').addEventListener('click', () => {
      const same = backlogTable.dataset.sort === th.dataset.key;
      backlogTable.dataset.sort = th.dataset.key;
      backlogTable.dataset.dir = same ? (backlogTable.dataset.dir === 'asc' ? 'desc' : 'asc')
        : (th.dataset.key === 'recipient' ? 'asc' : 'desc');
      drawBacklog();
    });
  }
  $('backlog-thresholds').textContent =
    `(amber from ${age(thresholds.age_amber_s)}, red from ${age(thresholds.age_red_s)} unacknowledged)`;

  function drawSources(list) {
    const tbody = $('sources').tBodies[0];
    tbody.textContent = '';
    if (!list.length) emptyRow(tbody, 'no source has sent since the gateway started');
    for (const s of list)
      addRow(tbody, { party: s.party, accepted: s.accepted, rate: s.rate },
        [[s.party], [fmt(s.accepted), true], [fmt(s.rate, 1), true]]);
  }

  function drawStore(s) {
    const ST = s.store_totals || {};
    setFigure('store-accepted', ST.accepted, fmt(ST.accepted));
    setFigure('store-delivered', ST.delivered, fmt(ST.delivered));
    setFigure('store-held', ST.held, fmt(ST.held));
    setFigure('parked', s.parked, fmt(s.parked));
    $('parked-tile').dataset.level = absent(s.parked) ? '' : s.parked > 0 ? 'amber' : 'green';
    const S = s.store || {};
    const ratio = S.use_ratio;
    setFigure('store-use', ratio, absent(ratio) ? '–' : (ratio * 100).toFixed(ratio < 0.01 ? 3 : 1) + ' %');
    $('store-bytes').textContent = bytes(S.used_bytes) + ' of ' + bytes(S.capacity_bytes);
    const bar = $('store-bar');
    bar.dataset.level = level(ratio, thresholds.store_amber, thresholds.store_red);
    bar.setAttribute('aria-valuenow', absent(ratio) ? '0' : (ratio * 100).toFixed(1));
    bar.firstElementChild.style.width = absent(ratio) ? '0' : Math.min(100, Math.max(0.5, ratio * 100)) + '%';
  }

  function drawTls(s, t) {
    const C = s.connections || {}, T = s.tls || {};
    setFigure('connections', C.open, fmt(C.open));
    $('preauth').textContent = fmt(C.preauth) + ' not yet authenticated';
    setFigure('tls-failures', T.failures_total, fmt(T.failures_total));
    const reasons = Object.entries(T.failures_by_reason || {}).filter(([, v]) => v > 0).map(([k, v]) => k + ' ' + v);
    $('tls-rate').textContent = fmt(T.failures_per_s, 1) + ' /s' + (reasons.length ? ' · ' + reasons.join(', ') : '');
    $('tls-tile').dataset.level = absent(T.failures_per_s) ? '' : T.failures_per_s > 0 ? 'amber' : 'green';
    const days = (ts) => absent(ts) ? null : (ts - t) / 86400;
    const sd = days(T.server_not_after), cd = days(T.ca_not_after);
    const ex = $('tls-expiry');
    ex.dataset.server = sd === null ? '' : sd.toFixed(1);
    ex.dataset.ca = cd === null ? '' : cd.toFixed(1);
    ex.textContent = fmt(sd, 0) + ' / ' + fmt(cd, 0);
    const soonest = [sd, cd].filter((d) => d !== null);
    // Fewer days left is worse: compare the negated figures against negated thresholds.
    $('tls-expiry-tile').dataset.level = soonest.length
      ? level(-Math.min(...soonest), -thresholds.expiry_amber_d, -thresholds.expiry_red_d) : '';
  }

  let lastT = null;
  function render(s) {
    // A listener that answers one snapshot per request (EventSource reconnecting) may repeat one.
    if (s.t === lastT) return;
    lastT = s.t;
    lastSeen = Date.now();
    const t = s.t / 1000;
    const T = s.totals || {}, R = s.rates || {};
    let rejRate = null;
    const rr = s.rejected_rates || {};
    const reasons = Object.keys(s.rejected_by_reason || {}).sort();
    if (s.interval_s !== null) rejRate = reasons.reduce((a, k) => a + (rr[k] || 0), 0);

    for (const k of ['accepted', 'delivered', 'duplicates', 'rejected']) {
      setFigure('total-' + k, T[k], fmt(T[k]));
      $('rate-' + k).textContent = fmt(k === 'rejected' ? rejRate : R[k], 1) + ' /s';
    }
    const L = s.accept_latency_ms || {};
    const lat = $('latency');
    lat.dataset.p50 = L.p50 ?? '';
    lat.dataset.p99 = L.p99 ?? '';
    lat.textContent = fmt(L.p50, 2) + ' / ' + fmt(L.p99, 2);
    const G = s.group_commit || {};
    setFigure('group-size', G.mean_size, fmt(G.mean_size, 1));
    $('group-rate').textContent = 'per commit, ' + fmt(G.commits_per_s, 1) + ' commits/s';
    setFigure('queue-depth', s.writer_queue_depth, fmt(s.writer_queue_depth));
    const rv = $('route-version');
    rv.dataset.value = s.route_table_version || '';
    rv.textContent = s.route_table_version || '–';
    $('updated').textContent = new Date(s.t).toLocaleTimeString();
    drawStore(s);
    drawTls(s, t);
    const sources = s.sources || [];
    drawSources(sources);
    for (const x of sources) if (x.rate > state.sawSourceRate) state.sawSourceRate = x.rate;
    backlogRows = s.backlog || s.backlog_top || [];
    drawBacklog();

    // Every snapshot is a point, the first too (its rates are null: a gap, on a proper time axis).
    const C = s.connections || {}, TL = s.tls || {};
    push(rates, t, [R.accepted, R.delivered, R.duplicates, rejRate]);
    push(latency, t, [L.p50, L.p99]);
    push(group, t, [G.mean_size]);
    push(conn, t, [C.open, TL.failures_per_s, TL.handshakes_per_s]);
    const rc = dynamicChart('rejected', 'chart-rejected', reasons);
    push(rc, t, reasons.length ? reasons.map((k) => rr[k]) : [0]);
    const parties = sources.map((x) => x.party);
    const sc = dynamicChart('sources', 'chart-sources', parties);
    push(sc, t, parties.length ? sources.map((x) => x.rate) : [0]);
    if (s.interval_s !== null) state.points++;
    state.snapshots++;
    state.last = s;
  }

  function connect() {
    const es = new EventSource('/events');
    const badge = $('conn');
    es.addEventListener('open', () => {
      badge.textContent = 'live'; badge.className = 'badge on'; badge.dataset.state = 'live';
    });
    es.addEventListener('error', () => {
      // EventSource reconnects by itself. A listener that ends each response after one snapshot
      // (retry: 500) causes an "error" every time; only a silence of 3 s means we lost the gateway.
      state.errors++;
      setTimeout(() => {
        if (Date.now() - lastSeen > 3000) {
          badge.textContent = 'reconnecting…'; badge.className = 'badge off'; badge.dataset.state = 'reconnecting';
        }
      }, 3100);
    });
    es.addEventListener('snapshot', (e) => {
      badge.textContent = 'live'; badge.className = 'badge on'; badge.dataset.state = 'live';
      try { render(JSON.parse(e.data)); } catch (err) { state.errors++; console.error('bad snapshot', err); }
    });
  }

  // ---- the late view: /dashboard/late.json, the same document as `jubesctl outbox late --json` ----
  // (message id, recipient, type, deadline, state; never a body, BSN or referentienummer).
  const iso = (t) => (t ? String(t).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
  function drawLate(v) {
    const tbody = $('late').tBodies[0];
    tbody.textContent = '';
    $('late-summary').textContent =
      `(${v.at_risk} at risk, ${v.overdue} overdue at ${iso(v.at)}${v.truncated ? '; more not shown' : ''})`;
    if (!v.entries.length) emptyRow(tbody, 'no entry at risk or overdue', 5);
    for (const e of v.entries) {
      addRow(tbody, {
        recipient: e.recipient, id: String(e.id), type: e.type, deadline: e.deadline, state: e.state,
        level: e.state === 'overdue' ? 'red' : 'amber',
      }, [[e.recipient], [String(e.id), true], [e.type], [iso(e.deadline)], [e.state === 'overdue' ? 'overdue' : 'at risk']]);
    }
    const purge = $('due-purge').tBodies[0];
    purge.textContent = '';
    $('purge-summary').textContent = v.purge_cut ? `(accepted before ${iso(v.purge_cut)})` : '(bodies are kept)';
    if (!v.due_for_purge.length) emptyRow(purge, 'none', 2);
    for (const d of v.due_for_purge)
      addRow(purge, { recipient: d.recipient, unacked: String(d.unacked), level: 'red' },
        [[d.recipient], [fmt(d.unacked), true]]);
    // Which entries: the operator can name them to the recipient before their bodies go.
    const dueEntries = $('due-entries').tBodies[0];
    dueEntries.textContent = '';
    if (!v.due_entries.length) emptyRow(dueEntries, 'none', 5);
    for (const e of v.due_entries)
      addRow(dueEntries, { recipient: e.recipient, id: String(e.id), type: e.type, purgeAt: e.purge_at, level: 'red' },
        [[e.recipient], [String(e.id), true], [e.type], [iso(e.accepted)], [iso(e.purge_at)]]);
    if (v.due_truncated) emptyRow(dueEntries, 'more not shown (jubesctl outbox late lists them)', 5);
    state.late = v;
    state.lateLoads = (state.lateLoads || 0) + 1;
  }
  async function loadLate() {
    try {
      const r = await fetch('/dashboard/late.json', { cache: 'no-store' });
      if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
      drawLate(await r.json());
    } catch (err) {
      $('late-summary').textContent = 'cannot load: ' + err.message;
    }
  }
  loadLate();
  setInterval(loadLate, 5000);

  window.addEventListener('resize', () => {
    for (const c of [rates, latency, group, conn, dynamic.rejected, dynamic.sources]) {
      if (c) c.u.setSize({ width: Math.max(300, c.u.root.parentElement.clientWidth), height: 200 });
    }
  });
  connect();
})();
