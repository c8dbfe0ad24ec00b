// SPDX-License-Identifier: EUPL-1.2
// jubes operators' dashboard: subscribes to /events (Server-Sent Events, one snapshot a second,
// schema "jubes.dashboard.v1" in docs/dashboard.md) and draws the figures with uPlot.
// No message contents ever reach this page: the snapshot holds counters, gauges and party ids only.
'use strict';
(function () {
  const WINDOW = 300; // points kept per chart (five minutes at one snapshot a second)
  const $ = (id) => document.getElementById(id);
  const nf = new Intl.NumberFormat('en-US');
  const fmt = (v, digits) => (v === null || v === undefined || Number.isNaN(v)) ? '–'
    : (digits === undefined ? nf.format(v) : Number(v).toFixed(digits));
  const bytes = (v) => {
    if (v === null || v === undefined) return '–';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return v.toFixed(i ? 1 : 0) + ' ' + u[i];
  };
  const age = (s) => {
    if (s === null || s === undefined) return '–';
    if (s < 60) return s.toFixed(1) + ' s';
    if (s < 3600) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  };

  // State the browser test reads (tests/browser/dashboard.test.mjs): how many snapshots arrived and
  // the last one, so it can check that charts get changing data without scraping canvas pixels.
  const state = { snapshots: 0, points: 0, last: null, errors: 0 };
  let lastSeen = 0;
  window.jubesDashboard = state;

  const palette = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

  function makeChart(el, names, opts) {
    const series = [{}].concat(names.map((n, i) => ({
      label: n, stroke: palette[i % palette.length], width: 1.5, spanGaps: false,
      value: (u, v) => v === null || v === undefined ? '–' : v.toFixed(opts && opts.digits !== undefined ? opts.digits : 1),
    })));
    const data = [[]].concat(names.map(() => []));
    const width = Math.max(300, el.clientWidth || 500);
    const u = new uPlot({
      width, height: 200, series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
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
  let rejected = null; // rebuilt when a new reason appears (uPlot series are fixed at creation)

  function rejectedChart(reasons) {
    if (rejected && reasons.length === rejected.names.length && reasons.every((r, i) => r === rejected.names[i])) return rejected;
    const old = rejected;
    const el = $('chart-rejected');
    el.textContent = '';
    const names = reasons.length ? reasons : ['(none)'];
    rejected = makeChart(el, names);
    if (old) { // keep the history of reasons seen before
      rejected.data[0] = old.data[0].slice();
      names.forEach((n, i) => {
        const j = old.names.indexOf(n);
        rejected.data[i + 1] = j >= 0 ? old.data[j + 1].slice() : old.data[0].map(() => null);
      });
      rejected.u.setData(rejected.data);
    }
    return rejected;
  }

  function setFigure(id, value, text) {
    const el = $(id);
    el.dataset.value = value === null || value === undefined ? '' : String(value);
    el.textContent = text;
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
    setFigure('parked', s.parked, fmt(s.parked));
    const S = s.store || {};
    setFigure('store-use', S.use_ratio, S.use_ratio === null || S.use_ratio === undefined ? '–' : (S.use_ratio * 100).toFixed(1) + ' %');
    $('store-bytes').textContent = bytes(S.used_bytes) + ' of ' + bytes(S.capacity_bytes);
    setFigure('queue-depth', s.writer_queue_depth, fmt(s.writer_queue_depth));
    const rv = $('route-version');
    rv.dataset.value = s.route_table_version || '';
    rv.textContent = s.route_table_version || '–';
    $('updated').textContent = new Date(s.t).toLocaleTimeString();

    const tbody = $('backlog').tBodies[0];
    tbody.textContent = '';
    const rows = (s.backlog_top || []).filter((r) => r.backlog > 0);
    if (!rows.length) {
      const tr = tbody.insertRow();
      const td = tr.insertCell();
      td.colSpan = 3; td.className = 'empty'; td.textContent = 'no outbox has a backlog';
    }
    for (const r of rows) {
      const tr = tbody.insertRow();
      tr.insertCell().textContent = r.recipient;
      const b = tr.insertCell(); b.className = 'num'; b.textContent = fmt(r.backlog);
      const a = tr.insertCell(); a.className = 'num'; a.textContent = age(r.oldest_unacked_s);
    }

    if (s.interval_s !== null) { // the first snapshot has no rates yet
      push(rates, t, [R.accepted, R.delivered, R.duplicates, rejRate]);
      push(latency, t, [L.p50, L.p99]);
      push(group, t, [G.mean_size]);
      const rc = rejectedChart(reasons);
      push(rc, t, reasons.length ? reasons.map((k) => rr[k]) : [0]);
      state.points++;
    }
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

  window.addEventListener('resize', () => {
    for (const c of [rates, latency, group, rejected]) {
      if (c) c.u.setSize({ width: Math.max(300, c.u.root.parentElement.clientWidth), height: 200 });
    }
  });
  connect();
})();
