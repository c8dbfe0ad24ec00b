// SPDX-License-Identifier: EUPL-1.2
// Unit tests of the dashboard's server side: the asset allow-list, the Prometheus text reader and
// the JSON snapshot (docs/dashboard.md).
#include "dashboard/dashboard.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace jd = jubes::dashboard;
namespace json = boost::json;

TEST(find_asset, serves_only_the_allow_list) {
  std::filesystem::path root = "/srv/dash";
  auto a = jd::find_asset(root, "/dashboard");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->file, root / "index.html");
  EXPECT_EQ(a->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(jd::find_asset(root, "/dashboard/?x=1")->file, root / "index.html");
  EXPECT_EQ(jd::find_asset(root, "/dashboard/uplot.iife.min.js")->file,
            root / "node_modules/uplot/dist/uPlot.iife.min.js");
  EXPECT_EQ(jd::find_asset(root, "/dashboard/app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(jd::find_asset(root, "/dashboard/../../etc/passwd"));
  EXPECT_FALSE(jd::find_asset(root, "/dashboard/package.json"));
  EXPECT_FALSE(jd::find_asset(root, "/metrics"));
  EXPECT_FALSE(jd::find_asset(root, ""));
}

TEST(find_asset, default_root_holds_the_files) {
  for (auto t : {"/dashboard", "/dashboard/app.js", "/dashboard/style.css"})
    EXPECT_TRUE(std::filesystem::exists(jd::find_asset(jd::default_root(), t)->file)) << t;
}

TEST(parse_prometheus, reads_samples_labels_and_skips_junk) {
  std::size_t bad = 0;
  auto s = jd::parse_prometheus(
      "# HELP x help\n# TYPE x counter\nx 3\ny{a=\"1\",b=\"q\\\"uo\\\\te\\n\"} 4.5 1700000000\n"
      "z{le=\"+Inf\"} 7\n\n  broken{ 1\n{nolabel} 2\nw NaN\n",
      &bad);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].name, "x");
  EXPECT_EQ(s[0].value, 3);
  EXPECT_EQ(s[1].label("a"), "1");
  EXPECT_EQ(s[1].label("b"), "q\"uo\\te\n");
  EXPECT_EQ(s[1].value, 4.5);
  EXPECT_EQ(s[2].label("le"), "+Inf");
  EXPECT_EQ(s[2].label("missing"), "");
  EXPECT_TRUE(std::isnan(s[3].value));
  EXPECT_EQ(bad, 2u);
}

namespace {

std::string metrics(double accepted, double dup, double delivered, double schema_rej, double b1, double b5, double binf,
                    double gsum, double gcount) {
  std::string m;
  m += "# TYPE jubes_ingest_accepted_total counter\n";
  m += "jubes_ingest_accepted_total{party=\"tulp-gw\"} " + std::to_string(accepted - 1) + "\n";
  m += "jubes_ingest_accepted_total{party=\"mits\"} 1\n";
  m += "jubes_ingest_duplicates_total " + std::to_string(dup) + "\n";
  // delivered = the sum of the recipients' cursors, as the gateway exports it
  m += "jubes_outbox_cursor{recipient=\"rvdk\"} 1\n";
  m += "jubes_outbox_cursor{recipient=\"idv\"} " + std::to_string(delivered - 1) + "\n";
  m += "jubes_ingest_rejected_total{reason=\"schema\"} " + std::to_string(schema_rej) + "\n";
  m += "jubes_accept_latency_seconds_bucket{le=\"0.001\"} " + std::to_string(b1) + "\n";
  m += "jubes_accept_latency_seconds_bucket{le=\"0.005\"} " + std::to_string(b5) + "\n";
  m += "jubes_accept_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(binf) + "\n";
  m += "jubes_group_commit_size_sum " + std::to_string(gsum) + "\njubes_group_commit_size_count " +
       std::to_string(gcount) + "\n";
  for (int i = 0; i < 12; ++i)
    m += "jubes_outbox_backlog{recipient=\"gemeente:0" + std::to_string(100 + i) + "\"} " + std::to_string(i * 10) +
         "\njubes_outbox_oldest_unacked_age_seconds{recipient=\"gemeente:0" + std::to_string(100 + i) + "\"} " +
         std::to_string(i) + ".5\n";
  m += "jubes_parked_messages 3\njubes_writer_queue_depth 17\n";
  m += "jubes_store_used_bytes 250\njubes_store_map_size_bytes 500\njubes_store_capacity_bytes 1000\n";
  m += "jubes_route_table_info{version=\"abc123\"} 1\n";
  return m;
}

}  // namespace

TEST(snapshot_builder, first_snapshot_has_totals_but_no_rates) {
  jd::snapshot_builder b;
  auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  auto v = json::parse(b.next(metrics(100, 5, 90, 2, 10, 20, 20, 100, 10), t0)).as_object();
  EXPECT_EQ(v.at("schema").as_string(), "jubes.dashboard.v1");
  EXPECT_EQ(v.at("t").as_int64(), 1'800'000'000'000);
  EXPECT_TRUE(v.at("interval_s").is_null());
  EXPECT_EQ(v.at("totals").at("accepted").to_number<double>(), 100);
  EXPECT_EQ(v.at("totals").at("duplicates").to_number<double>(), 5);
  EXPECT_EQ(v.at("totals").at("delivered").to_number<double>(), 90);
  EXPECT_EQ(v.at("totals").at("rejected").to_number<double>(), 2);
  EXPECT_TRUE(v.at("rates").at("accepted").is_null());
  EXPECT_EQ(v.at("parked").to_number<double>(), 3);
  EXPECT_EQ(v.at("writer_queue_depth").to_number<double>(), 17);
  EXPECT_EQ(v.at("store").at("use_ratio").to_number<double>(), 0.25);
  EXPECT_EQ(v.at("route_table_version").as_string(), "abc123");
  auto& top = v.at("backlog_top").as_array();
  ASSERT_EQ(top.size(), 10u);  // twelve recipients, the ten largest, largest first
  EXPECT_EQ(top[0].at("recipient").as_string(), "gemeente:0111");
  EXPECT_EQ(top[0].at("backlog").to_number<double>(), 110);
  EXPECT_EQ(top[0].at("oldest_unacked_s").to_number<double>(), 11.5);
  EXPECT_EQ(top[9].at("recipient").as_string(), "gemeente:0102");
}

TEST(snapshot_builder, rates_and_percentiles_cover_the_last_interval) {
  jd::snapshot_builder b;
  auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  b.next(metrics(100, 5, 90, 2, 10, 20, 20, 100, 10), t0);
  // two seconds later: +200 accepted, +10 dups, +100 delivered, +4 rejected; of 100 new latencies
  // 50 were <= 1 ms and 50 in (1, 5] ms; 10 commits of 20 messages on average.
  auto v =
      json::parse(b.next(metrics(300, 15, 190, 6, 60, 120, 120, 300, 20), t0 + std::chrono::seconds(2))).as_object();
  EXPECT_EQ(v.at("interval_s").to_number<double>(), 2);
  EXPECT_EQ(v.at("rates").at("accepted").to_number<double>(), 100);
  EXPECT_EQ(v.at("rates").at("duplicates").to_number<double>(), 5);
  EXPECT_EQ(v.at("rates").at("delivered").to_number<double>(), 50);
  EXPECT_EQ(v.at("rejected_rates").at("schema").to_number<double>(), 2);
  EXPECT_NEAR(v.at("accept_latency_ms").at("p50").to_number<double>(), 1.0, 1e-9);
  EXPECT_NEAR(v.at("accept_latency_ms").at("p99").to_number<double>(), 4.92, 1e-9);
  EXPECT_EQ(v.at("group_commit").at("mean_size").to_number<double>(), 20);
  EXPECT_EQ(v.at("group_commit").at("commits_per_s").to_number<double>(), 5);
}

TEST(snapshot_builder, missing_metrics_are_null_not_zero) {
  jd::snapshot_builder b;
  auto v = json::parse(b.next("", std::chrono::system_clock::now())).as_object();
  EXPECT_TRUE(v.at("totals").at("accepted").is_null());
  EXPECT_TRUE(v.at("parked").is_null());
  EXPECT_TRUE(v.at("route_table_version").is_null());
  EXPECT_TRUE(v.at("accept_latency_ms").at("p99").is_null());
  EXPECT_TRUE(v.at("backlog_top").as_array().empty());
}

TEST(sse_frame, is_one_event_with_one_data_line) {
  jd::snapshot_builder b;
  auto f = jd::sse_frame(b.next(metrics(1, 0, 0, 0, 0, 0, 0, 0, 0), std::chrono::system_clock::now()));
  EXPECT_EQ(f.rfind("event: snapshot\ndata: {", 0), 0u);
  EXPECT_EQ(f.substr(f.size() - 3), "}\n\n");
  EXPECT_EQ(std::count(f.begin(), f.end(), '\n'), 3);
}

TEST(ops_handler, serves_assets_and_events_and_ignores_other_paths) {
  int renders = 0;
  jd::ops_handler h(jd::default_root(), [&] {
    ++renders;
    return metrics(10, 0, 0, 0, 0, 0, 0, 0, 0);
  });
  auto index = h.handle("GET", "/dashboard");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->body.find("/dashboard/uplot.iife.min.js"), std::string::npos);
  EXPECT_EQ(h.handle("GET", "/dashboard/app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(h.handle("GET", "/metrics"));
  EXPECT_FALSE(h.handle("POST", "/dashboard"));
  EXPECT_FALSE(h.handle("GET", "/dashboard/../CMakeLists.txt"));

  auto ev = h.handle("GET", "/events");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->content_type, "text/event-stream");
  EXPECT_EQ(ev->body.rfind("retry: 500\nevent: snapshot\ndata: {", 0), 0u) << ev->body;
  auto data = ev->body.substr(ev->body.find("data: ") + 6);
  auto v = json::parse(data.substr(0, data.find('\n'))).as_object();
  EXPECT_EQ(v.at("totals").at("accepted").to_number<double>(), 10);
  // A second viewer within the same second shares the reading.
  auto ev2 = h.handle("GET", "/events?x=1");
  EXPECT_EQ(ev2->body, ev->body);
  EXPECT_EQ(renders, 1);
}

TEST(ops_handler, missing_file_is_a_404_naming_it) {
  jd::ops_handler h("/nonexistent-dashboard-root", [] { return std::string(); });
  auto r = h.handle("GET", "/dashboard/uplot.min.css");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("uPlot.min.css"), std::string::npos);
}

// ---- the operator panels (issue 16) ----

namespace {
std::string panel_metrics(double tulp, double jvs, double untrusted, double handshakes) {
  return "jubes_store_messages_accepted_total 1200\n"
         "jubes_store_messages 1100\n"
         "jubes_store_used_bytes 4096\n"
         "jubes_store_map_size_bytes 8192\n"
         "jubes_store_capacity_bytes 16384\n"
         "jubes_parked_messages 2\n"
         "jubes_outbox_cursor{recipient=\"rvdk\"} 40\n"
         "jubes_outbox_cursor{recipient=\"idv\"} 2\n"
         "jubes_outbox_backlog{recipient=\"rvdk\"} 0\n"
         "jubes_outbox_backlog{recipient=\"idv\"} 7\n"
         "jubes_outbox_oldest_unacked_age_seconds{recipient=\"rvdk\"} 0\n"
         "jubes_outbox_oldest_unacked_age_seconds{recipient=\"idv\"} 12.5\n"
         "jubes_api_connections 3\n"
         "jubes_preauth_connections 1\n"
         "jubes_ingest_accepted_total{party=\"tulp-gw\"} " +
         std::to_string(tulp) + "\njubes_ingest_accepted_total{party=\"jvs\"} " + std::to_string(jvs) +
         "\njubes_tls_handshake_failures_total{reason=\"untrusted\"} " + std::to_string(untrusted) +
         "\njubes_tls_handshake_failures_total{reason=\"expired\"} 0\njubes_tls_handshakes_total " +
         std::to_string(handshakes) +
         "\njubes_tls_certificate_expiry_timestamp_seconds{certificate=\"server\"} 1858000000\n"
         "jubes_tls_certificate_expiry_timestamp_seconds{certificate=\"ca\"} 2110000000\n";
}
}  // namespace

TEST(snapshot_builder, panels_from_the_store_connections_tls_sources_and_every_backlog) {
  jd::snapshot_builder b;
  auto t0 = std::chrono::system_clock::now();
  auto first = json::parse(b.next(panel_metrics(100, 10, 1, 50), t0)).as_object();
  EXPECT_TRUE(first.at("sources").as_array().at(0).at("rate").is_null()) << "no rate before two readings";
  auto v = json::parse(b.next(panel_metrics(300, 15, 4, 60), t0 + std::chrono::seconds(2))).as_object();

  const auto& st = v.at("store_totals").as_object();
  EXPECT_EQ(st.at("accepted").to_number<double>(), 1200);
  EXPECT_EQ(st.at("held").to_number<double>(), 1100);
  EXPECT_EQ(st.at("delivered").to_number<double>(), 42);
  EXPECT_EQ(st.at("parked").to_number<double>(), 2);
  EXPECT_EQ(v.at("store").at("capacity_bytes").to_number<double>(), 16384);
  EXPECT_DOUBLE_EQ(v.at("store").at("use_ratio").to_number<double>(), 0.25);
  EXPECT_EQ(v.at("connections").at("open").to_number<double>(), 3);
  EXPECT_EQ(v.at("connections").at("preauth").to_number<double>(), 1);

  const auto& tls = v.at("tls").as_object();
  EXPECT_EQ(tls.at("failures_total").to_number<double>(), 4);
  EXPECT_DOUBLE_EQ(tls.at("failures_per_s").to_number<double>(), 1.5);
  EXPECT_EQ(tls.at("failures_by_reason").at("untrusted").to_number<double>(), 4);
  EXPECT_DOUBLE_EQ(tls.at("handshakes_per_s").to_number<double>(), 5);
  EXPECT_EQ(tls.at("server_not_after").to_number<double>(), 1858000000);
  EXPECT_EQ(tls.at("ca_not_after").to_number<double>(), 2110000000);

  const auto& src = v.at("sources").as_array();
  ASSERT_EQ(src.size(), 2u);
  EXPECT_EQ(src.at(0).at("party").as_string(), "jvs");
  EXPECT_DOUBLE_EQ(src.at(0).at("rate").to_number<double>(), 2.5);
  EXPECT_EQ(src.at(1).at("party").as_string(), "tulp-gw");
  EXPECT_EQ(src.at(1).at("accepted").to_number<double>(), 300);
  EXPECT_DOUBLE_EQ(src.at(1).at("rate").to_number<double>(), 100);

  const auto& backlog = v.at("backlog").as_array();  // every recipient, the empty outbox too
  ASSERT_EQ(backlog.size(), 2u);
  EXPECT_EQ(backlog.at(0).at("recipient").as_string(), "idv");
  EXPECT_DOUBLE_EQ(backlog.at(0).at("oldest_unacked_s").to_number<double>(), 12.5);
  EXPECT_EQ(backlog.at(1).at("backlog").to_number<double>(), 0);
}

TEST(snapshot_builder, a_counter_that_went_back_counts_from_zero) {
  jd::snapshot_builder b;
  auto t0 = std::chrono::system_clock::now();
  b.next(panel_metrics(500, 0, 0, 0), t0);
  auto v = json::parse(b.next(panel_metrics(20, 0, 0, 0), t0 + std::chrono::seconds(1))).as_object();
  EXPECT_DOUBLE_EQ(v.at("sources").at(1).at("rate").to_number<double>(), 20);
}

TEST(ops_handler, parked_view_lists_ids_and_reasons_of_the_source_and_is_503_without_one) {
  std::size_t asked = 0;
  jd::ops_handler h(
      jd::default_root(), [] { return std::string(); },
      [&](std::size_t max) -> jubes::result<jd::parked_list> {
        asked = max;
        return jd::parked_list{5000, {{42, "tulp-gw", "piBeeindiging", "no rule routes it", 1795950000123}}};
      });
  auto r = h.handle("GET", "/dashboard/parked.json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(asked, jd::max_parked_shown);
  auto v = json::parse(r->body).as_object();
  EXPECT_EQ(v.at("schema").as_string(), "jubes.parked.v1");
  EXPECT_EQ(v.at("total").to_number<double>(), 5000);
  EXPECT_EQ(v.at("shown").to_number<double>(), 1);
  const auto& e = v.at("entries").at(0).as_object();
  EXPECT_EQ(e.at("id").to_number<double>(), 42);
  EXPECT_EQ(e.at("source").as_string(), "tulp-gw");
  EXPECT_EQ(e.at("reason").as_string(), "no rule routes it");
  EXPECT_EQ(e.size(), 5u) << "ids, source, type, reason, time: nothing else";
  EXPECT_NE(h.handle("GET", "/dashboard/parked")->body.find("<table id=\"parked\""), std::string::npos);
  EXPECT_NE(h.handle("GET", "/dashboard/parked")->body.find("/dashboard/parked.js"), std::string::npos);

  jd::ops_handler none(jd::default_root(), [] { return std::string(); });
  EXPECT_EQ(none.handle("GET", "/dashboard/parked.json")->status, 503);
  jd::ops_handler failing(
      jd::default_root(), [] { return std::string(); },
      [](std::size_t) -> jubes::result<jd::parked_list> {
        return jubes::error(boost::system::errc::make_error_code(boost::system::errc::io_error), "disk");
      });
  auto f = failing.handle("GET", "/dashboard/parked.json");
  EXPECT_EQ(f->status, 503);
  EXPECT_NE(f->body.find("disk"), std::string::npos);
}
