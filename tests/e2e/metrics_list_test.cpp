// SPDX-License-Identifier: EUPL-1.2
// Issue 16, metrics hygiene, against the real jubesd: docs/api.md, "Metrics", lists exactly what
// /metrics exports right after start (names, types, label names, the listed label values), both
// ways; every counter ends in _total; promtool accepts the scrape; the endpoint label is the route's
// pattern, never the raw path; the certificate expiry gauges carry the certificates' notAfter.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "fixture.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {

struct family {
  std::string type;
  std::set<std::string> labels;                         ///< label names (le left out)
  std::map<std::string, std::set<std::string>> values;  ///< label -> values seen / listed
  bool operator==(const family&) const = default;
};
using families = std::map<std::string, family>;

/// The backticked words of `cell`, in order.
std::vector<std::string> ticked(const std::string& cell) {
  std::vector<std::string> out;
  static const std::regex tick("`([^`]*)`");
  for (std::sregex_iterator it(cell.begin(), cell.end(), tick), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

/// The table between the metrics-list markers of docs/api.md. In the labels cell, entries are
/// separated by ';': "`label`" or "`label`: `v1`, `v2`" (values that must exist from start).
families documented() {
  std::istringstream in(slurp(testing::source_dir() / "docs" / "api.md"));
  families out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("<!-- metrics-list:begin")) inside = true;
    if (line.starts_with("<!-- metrics-list:end")) break;
    if (!inside || !line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    for (std::size_t p = 1, q; (q = line.find('|', p)) != std::string::npos; p = q + 1)
      cells.push_back(line.substr(p, q - p));
    if (cells.size() < 3) continue;
    family f;
    f.type = std::regex_replace(cells[1], std::regex("\\s+"), "");
    std::istringstream entries(cells[2]);
    for (std::string e; std::getline(entries, e, ';');) {
      auto words = ticked(e);
      if (words.empty()) continue;
      f.labels.insert(words[0]);
      if (words.size() > 1) f.values[words[0]] = {words.begin() + 1, words.end()};
    }
    out[ticked(cells[0]).at(0)] = f;
  }
  return out;
}

/// One sample line "name{a=\"b\",...} value": its name and labels.
std::pair<std::string, std::map<std::string, std::string>> sample(const std::string& line) {
  auto brace = line.find('{');
  auto name = line.substr(0, std::min(brace, line.find(' ')));
  std::map<std::string, std::string> labels;
  if (brace == std::string::npos) return {name, labels};
  std::size_t p = brace + 1;
  while (p < line.size() && line[p] != '}') {
    auto eq = line.find("=\"", p);
    std::string key = line.substr(p, eq - p), value;
    for (p = eq + 2; p < line.size() && line[p] != '"'; ++p) value += line[p] == '\\' ? line[++p] : line[p];
    labels[key] = value;
    p += line[p + 1] == ',' ? 2 : 1;
  }
  return {name, labels};
}

/// The families of a scrape. Only labels listed in `with_values` have their values collected.
families scraped(const std::string& text, const families& with_values) {
  families out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) {
      std::istringstream w(line.substr(7));
      std::string name, type;
      w >> name >> type;
      out[name].type = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    auto [name, labels] = sample(line);
    if (!out.contains(name))
      for (std::string_view suffix : {"_bucket", "_sum", "_count"})
        if (name.ends_with(suffix)) name.resize(name.size() - suffix.size());
    auto& f = out[name];
    auto listed = with_values.find(name);
    for (const auto& [k, v] : labels) {
      if (k == "le") continue;
      f.labels.insert(k);
      if (listed != with_values.end() && listed->second.values.contains(k)) f.values[k].insert(v);
    }
  }
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

class metrics_list : public started_gateway {};

TEST_F(metrics_list, docs_list_exactly_what_a_fresh_gateway_exports) {
  const auto doc = documented();
  ASSERT_GT(doc.size(), 30u) << "the metrics-list table of docs/api.md was not found";
  const auto text = d_->metrics();
  const auto got = scraped(text, doc);
  std::set<std::string> doc_names, got_names;
  for (const auto& [n, f] : doc) doc_names.insert(n);
  for (const auto& [n, f] : got) got_names.insert(n);
  std::set<std::string> missing, undocumented;
  std::ranges::set_difference(doc_names, got_names, std::inserter(missing, missing.end()));
  std::ranges::set_difference(got_names, doc_names, std::inserter(undocumented, undocumented.end()));
  EXPECT_TRUE(missing.empty()) << "documented, not exported at start: " << join(missing) << "\n" << text;
  EXPECT_TRUE(undocumented.empty()) << "exported, not in docs/api.md: " << join(undocumented);
  for (const auto& [name, want] : doc) {
    auto it = got.find(name);
    if (it == got.end()) continue;
    EXPECT_EQ(it->second.type, want.type) << name;
    EXPECT_EQ(it->second.labels, want.labels) << name << ": exported labels " << join(it->second.labels);
    for (const auto& [label, values] : want.values)
      EXPECT_EQ(join(it->second.values.count(label) ? it->second.values.at(label) : std::set<std::string>{}),
                join(values))
          << name << "{" << label << "}";
    EXPECT_EQ(want.type == "counter", name.ends_with("_total")) << name << ": counters, and only they, end in _total";
  }
  auto f = write_file(dir_.path(), "metrics.txt", text);
  auto r = run({"/bin/sh", "-c", "promtool check metrics < " + f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(metrics_list, a_fresh_gateway_is_ready_and_knows_its_certificates_expiry) {
  const auto text = d_->metrics();
  EXPECT_NE(text.find("\njubes_ready 1\n"), std::string::npos) << text;
  for (const auto& [label, file] : {std::pair{"server", "server.crt"}, std::pair{"ca", "ca.crt"}}) {
    auto r =
        run({"/bin/sh", "-c",
             "date -u -d \"$(openssl x509 -enddate -noout -in '" + (pki() / file).string() + "' | cut -d= -f2)\" +%s"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string want = "jubes_tls_certificate_expiry_timestamp_seconds{certificate=\"" + std::string(label) +
                             "\"} " + r.output.substr(0, r.output.find('\n')) + "\n";
    EXPECT_NE(text.find(want), std::string::npos) << want << text;
  }
}

TEST_F(metrics_list, requests_are_counted_by_endpoint_pattern_never_by_raw_path) {
  auto tulp = d_->client_for("tulp-gw");
  auto accepted = tulp.request("POST", "/v1/messages", with_ref(example("piBeeindiging"), "E2E-METRICS"));
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->status, 201u) << accepted->body;
  auto read = tulp.request("GET", accepted->header("Location"));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200u);
  auto unknown = tulp.request("GET", "/v1/no/such/path/12345");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404u);
  const auto text = d_->metrics();
  for (const auto& series :
       {"jubes_http_requests_total{party=\"tulp-gw\",status=\"201\",endpoint=\"/v1/messages\"} 1\n",
        "jubes_http_requests_total{party=\"tulp-gw\",status=\"200\",endpoint=\"/v1/messages/{id}\"} 1\n",
        "jubes_http_requests_total{party=\"tulp-gw\",status=\"404\",endpoint=\"other\"} 1\n",
        "jubes_ingest_accepted_total{party=\"tulp-gw\"} 1\n"})
    EXPECT_NE(text.find(series), std::string::npos) << series << text;
  EXPECT_EQ(text.find("/v1/no/such"), std::string::npos) << "a raw path became a label value";
  EXPECT_EQ(text.find(accepted->header("Location") + "\""), std::string::npos) << "a raw path became a label value";
  // Traffic adds series, never families or labels the list does not have.
  const auto doc = documented();
  for (const auto& [name, f] : scraped(text, doc)) {
    ASSERT_TRUE(doc.contains(name)) << name;
    EXPECT_EQ(f.labels, doc.at(name).labels) << name;
  }
}

}  // namespace
}  // namespace jubes::e2e
