#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""Checks the shipped monitoring files against what jubesd exports (issue 16).

  check_monitoring.py dashboard ROOT   conf/grafana/jubes.json: the dashboard's structure (required
                                       fields, unique panel ids, gridPos inside 24 columns and not
                                       overlapping, the ${DS_PROMETHEUS} input) and that every PromQL
                                       expression names only metrics of docs/api.md's list
  check_monitoring.py rules ROOT       conf/prometheus/jubes-alerts.yml: every expression names only
                                       listed metrics; jubes-alerts.test.yml makes every alert fire
                                       at least once and checks at least one time where it does not
  check_monitoring.py self-test ROOT   the checks find the faults of deliberately broken copies

The list of exported metrics is the table of docs/api.md between the metrics-list markers, the same
source of truth tests/e2e/metrics_list_test.cpp compares with a real scrape. `up` is Prometheus' own.
Standard library only. Exit 0 when all is well, else 1 with one line per fault.
"""
import copy
import json
import re
import sys
from pathlib import Path

PROMETHEUS_OWN = {"up"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
    "offset", "inf", "nan",
}


def exported_metrics(root):
    """{name: type} of docs/api.md's metrics-list table."""
    text = (root / "docs" / "api.md").read_text(encoding="utf-8")
    begin = text.index("<!-- metrics-list:begin")
    end = text.index("<!-- metrics-list:end")
    out = {}
    for line in text[begin:end].splitlines():
        m = re.match(r"\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \| (\w+) \|", line)
        if m:
            out[m.group(1)] = m.group(2)
    if len(out) < 30:
        raise SystemExit("docs/api.md: the metrics-list table is missing or too short")
    return out


def metric_names_in(expr):
    """The metric names a PromQL expression selects (functions, keywords, labels, durations and
    Grafana variables left out)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # string literals
    e = re.sub(r"^\s*label_values\((.*),\s*\w+\s*\)\s*$", r"(\1)", e)  # Grafana: label_values(SELECTOR, LABEL)
    e = re.sub(r"\$\{[^}]*\}|\$\w+", " ", e)  # Grafana variables ($__rate_interval, ${x})
    e = re.sub(r"\{[^}]*\}", " ", e)  # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)  # range and subquery durations
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)  # label lists
    e = re.sub(r"\boffset\s+\w+", " ", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        word = m.group(0)
        if e[m.end():].lstrip().startswith("("):
            continue  # a function (rate, sum, histogram_quantile, label_values, ...)
        if word.lower() in KEYWORDS or re.fullmatch(r"\d", word[0]):
            continue
        if m.start() > 0 and (e[m.start() - 1].isdigit() or e[m.start() - 1] == "."):
            continue  # the exponent or unit of a number: 1e3, 14d
        names.add(word)
    return names


def unknown_metrics(expr, exported):
    """Names in `expr` that jubesd does not export (histogram series map to their family)."""
    bad = []
    names = metric_names_in(expr)
    if not names:
        return ["(no metric at all)"]
    for n in sorted(names):
        if n in exported or n in PROMETHEUS_OWN:
            continue
        base = next((n[: -len(s)] for s in HISTOGRAM_SUFFIXES if n.endswith(s)), None)
        if base and exported.get(base) == "histogram":
            continue
        bad.append(n)
    return bad


def check_dashboard(dash, exported):
    faults = []
    for key in ("title", "uid", "schemaVersion", "panels", "templating", "time", "__inputs"):
        if key not in dash:
            faults.append(f"dashboard: no '{key}'")
    if not isinstance(dash.get("schemaVersion"), int) or dash.get("schemaVersion", 0) < 36:
        faults.append("dashboard: schemaVersion must be an integer >= 36")
    inputs = [i.get("name") for i in dash.get("__inputs", []) if i.get("pluginId") == "prometheus"]
    if inputs != ["DS_PROMETHEUS"]:
        faults.append("dashboard: __inputs must declare exactly the Prometheus input DS_PROMETHEUS")
    ids, cells, exprs = set(), {}, []
    for p in dash.get("panels", []):
        pid, title = p.get("id"), p.get("title", "")
        where = f"panel {pid} '{title}'"
        if not isinstance(pid, int) or pid in ids:
            faults.append(f"{where}: id missing or not unique")
        ids.add(pid)
        if not title or not p.get("type"):
            faults.append(f"{where}: no title or type")
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in "hwxy") or g.get("w", 0) < 1 or g.get("h", 0) < 1:
            faults.append(f"{where}: gridPos needs integer h, w, x, y (h, w >= 1)")
            continue
        if g["x"] < 0 or g["y"] < 0 or g["x"] + g["w"] > 24:
            faults.append(f"{where}: gridPos outside the 24 columns")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    faults.append(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = pid
            else:
                continue
            break
        if p["type"] == "row":
            continue
        if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            faults.append(f"{where}: datasource is not the ${{DS_PROMETHEUS}} input")
        targets = p.get("targets") or []
        if not targets:
            faults.append(f"{where}: no targets")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or None in refs:
            faults.append(f"{where}: refIds missing or not unique")
        exprs += [(where, t.get("expr", "")) for t in targets]
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        exprs.append((f"variable '{v.get('name')}'", q.get("query", "") if isinstance(q, dict) else q or ""))
    for where, expr in exprs:
        for n in unknown_metrics(expr, exported):
            faults.append(f"{where}: '{expr}' names {n}, which jubesd does not export")
    return faults


def rule_exprs(text):
    """(alert, expr) of every rule of a rules file (our own layout: `expr: ...` or `expr: |`)."""
    out, alert, lines = [], None, text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*- alert: (\S+)", line)
        if m:
            alert = m.group(1)
        m = re.match(r"(\s*)expr: (.*)$", line)
        if not m:
            continue
        if m.group(2).strip() in ("|", ">"):
            indent, body = len(m.group(1)), []
            for nxt in lines[i + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                body.append(nxt.strip())
            out.append((alert, " ".join(body)))
        else:
            out.append((alert, m.group(2).strip()))
    return out


def check_rules(rules_text, tests_text, exported):
    faults = []
    rules = rule_exprs(rules_text)
    if not rules:
        faults.append("rules: no alert found")
    for alert, expr in rules:
        for n in unknown_metrics(expr, exported):
            faults.append(f"alert {alert}: '{expr}' names {n}, which jubesd does not export")
    fires, quiet = set(), set()
    alert = None
    for line in tests_text.splitlines():
        m = re.match(r"\s*alertname: (\S+)", line)
        if m:
            alert = m.group(1)
        if re.match(r"\s*exp_alerts: \[\]", line):
            quiet.add(alert)
        elif re.match(r"\s*- exp_labels:", line):
            fires.add(alert)
    for alert, _ in rules:
        if alert not in fires:
            faults.append(f"alert {alert}: no test case where it fires")
        if alert not in quiet:
            faults.append(f"alert {alert}: no test case where it stays quiet")
    return faults


def self_test(root, exported):
    """The checks must find what is wrong with broken copies of the shipped files."""
    faults = []
    dash = json.loads((root / "conf" / "grafana" / "jubes.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(dash)
    timeseries = next(p for p in broken["panels"] if p["type"] == "timeseries")
    timeseries["targets"][0]["expr"] = 'sum(rate(jubes_no_such_metric_total{instance=~"$instance"}[5m]))'
    broken["panels"][2]["id"] = broken["panels"][1]["id"]
    broken["panels"][3]["gridPos"] = dict(broken["panels"][4]["gridPos"])
    found = "\n".join(check_dashboard(broken, exported))
    for want in ("jubes_no_such_metric_total", "not unique", "overlaps"):
        if want not in found:
            faults.append(f"self-test: the dashboard check missed '{want}'")
    cases = {
        'rate(jubes_ingest_rejected_total[5m])': set(),
        'histogram_quantile(0.99, sum by (le) (rate(jubes_accept_latency_seconds_bucket[5m])))': set(),
        'jubes_store_used_bytes / (jubes_store_capacity_bytes > 0) > 0.8': set(),
        'jubes_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400': set(),
        'jubes_forwards > 0': {"jubes_forwards"},
        'rate(jubes_store_commits_bucket[1m])': {"jubes_store_commits_bucket"},
        'label_values(jubes_outbox_backlog{instance=~"$instance"}, recipient)': set(),
        'label_values(jubes_outbox_backlogs, recipient)': {"jubes_outbox_backlogs"},
        'sum by (party) (jubes_ingest_accepted_total) unless on(party) jubes_x': {"jubes_x"},
    }
    for expr, want in cases.items():
        if set(unknown_metrics(expr, exported)) != want:
            faults.append(f"self-test: '{expr}': got {unknown_metrics(expr, exported)}, want {sorted(want)}")
    rules = (root / "conf" / "prometheus" / "jubes-alerts.yml").read_text(encoding="utf-8")
    tests = (root / "conf" / "prometheus" / "jubes-alerts.test.yml").read_text(encoding="utf-8")
    found = "\n".join(check_rules(rules.replace("jubes_ready == 0", "jubes_readyness == 0"), tests, exported))
    if "jubes_readyness" not in found:
        faults.append("self-test: the rules check missed an unknown metric")
    extra = rules + "\n      - alert: JubesUntested\n        expr: jubes_ready > 1\n"
    if "JubesUntested: no test case where it fires" not in "\n".join(check_rules(extra, tests, exported)):
        faults.append("self-test: the rules check missed an alert without a test")
    return faults


def main(argv):
    if len(argv) != 3 or argv[1] not in ("dashboard", "rules", "self-test"):
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[2])
    exported = exported_metrics(root)
    if argv[1] == "dashboard":
        dash = json.loads((root / "conf" / "grafana" / "jubes.json").read_text(encoding="utf-8"))
        faults = check_dashboard(dash, exported)
    elif argv[1] == "rules":
        faults = check_rules((root / "conf" / "prometheus" / "jubes-alerts.yml").read_text(encoding="utf-8"),
                             (root / "conf" / "prometheus" / "jubes-alerts.test.yml").read_text(encoding="utf-8"),
                             exported)
    else:
        faults = self_test(root, exported)
    for f in faults:
        print(f"check_monitoring {argv[1]}: {f}", file=sys.stderr)
    if not faults:
        print(f"check_monitoring {argv[1]}: ok")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
