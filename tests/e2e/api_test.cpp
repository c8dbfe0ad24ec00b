// SPDX-License-Identifier: EUPL-1.2
// Issue 6's done-when list against the real jubesd: every status code of the contract, exactly-once,
// ACLs, 404 for other parties, long poll, ack, forward, limits, metrics, drain.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <random>
#include <regex>
#include <thread>

#include "support.hpp"

namespace jubes::e2e {
namespace {
using namespace std::chrono_literals;

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}
std::string between(const std::string& s, const std::string& open, const std::string& close) {
  auto a = s.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  auto b = s.find(close, a);
  return b == std::string::npos ? std::string() : s.substr(a, b - a);
}
/// A running gateway for one test, with optional limits/extra config.
class api : public ::testing::Test {
 protected:
  void start(const std::string& limits = "", const std::string& extra = "") {
    cfg_ = write_file(dir_.path(), "jubes.yaml", test_config(dir_.path() / "data", limits, extra));
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  void SetUp() override {
    if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("custom") ==
        std::string::npos)
      start();
  }
  gateway::http_reply post(gateway::client& c, const std::string& xml, const std::string& ct = "application/xml") {
    auto r = c.request("POST", "/v1/messages", xml, ct);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : gateway::http_reply{};
  }
  gateway::http_reply get(gateway::client& c, const std::string& target) {
    auto r = c.request("GET", target);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : gateway::http_reply{};
  }
  gateway::http_reply post_empty(gateway::client& c, const std::string& target) {
    auto r = c.request("POST", target, "", "text/plain");
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : gateway::http_reply{};
  }
  std::string metrics() { return d_->metrics(); }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(api, accepted_201_then_duplicate_200_with_identical_receipt_and_one_outbox_entry) {
  auto tulp = d_->client_for("tulp-gw");
  auto xml = with_ref(example("piBeeindiging"), "E2E-DUP-1");
  auto a = post(tulp, xml);
  ASSERT_EQ(a.status, 201u) << a.body;
  EXPECT_NE(a.body.find("<dti:berichtcode>Bv03</dti:berichtcode>"), std::string::npos);
  EXPECT_NE(a.body.find("<dti:crossRefnummer>E2E-DUP-1</dti:crossRefnummer>"), std::string::npos);
  std::string id = between(a.body, "<dti:referentienummer>", "</dti:referentienummer>");
  EXPECT_EQ(a.header("Location"), "/v1/messages/" + id);
  auto b = post(tulp, xml);
  EXPECT_EQ(b.status, 200u);
  EXPECT_EQ(b.body, a.body);  // the original receipt, byte for byte
  EXPECT_EQ(b.header("Location"), a.header("Location"));
  auto g = d_->client_for("gemeente:0363/bij");
  auto box = get(g, "/v1/outbox?after=0");
  EXPECT_EQ(box.status, 200u);
  EXPECT_EQ(count_of(box.body, "<entry "), 1) << box.body;
  EXPECT_NE(box.body.find("id=\"" + id + "\" type=\"piBeeindiging\" source=\"tulp-gw\""), std::string::npos);
}

TEST_F(api, reused_referentienummer_with_other_content_is_409_stuf016) {
  auto tulp = d_->client_for("tulp-gw");
  auto xml = with_ref(example("piBeeindiging"), "E2E-409");
  ASSERT_EQ(post(tulp, xml).status, 201u);
  auto other = replace_once(xml, "<dti:voornamen>", "<dti:voornamen>Anders ");
  auto r = post(tulp, other);
  EXPECT_EQ(r.status, 409u);
  EXPECT_NE(r.body.find("StUF016"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Combinatie zender en referentienummer niet uniek"), std::string::npos) << r.body;
}

TEST_F(api, invalid_input_is_400_with_location_and_changes_nothing) {
  auto tulp = d_->client_for("tulp-gw");
  auto r = post(tulp, "<dti:piBeeindiging xmlns:dti=\"x\"><unclosed></dti:piBeeindiging>");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("Fo03"), std::string::npos) << r.body;
  auto bad_bsn = replace_once(with_ref(example("piBeeindiging"), "E2E-BSN"), "<dti:bsn>123456782</dti:bsn>",
                              "<dti:bsn>123456789</dti:bsn>");
  r = post(tulp, bad_bsn);
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("StUF055"), std::string::npos) << r.body;
  auto g = d_->client_for("gemeente:0363/bij");
  EXPECT_EQ(count_of(get(g, "/v1/outbox?after=0").body, "<entry "), 0);
}

TEST_F(api, not_xml_is_415) {
  auto tulp = d_->client_for("tulp-gw");
  EXPECT_EQ(post(tulp, example("piBeeindiging"), "text/plain").status, 415u);
  EXPECT_EQ(post(tulp, example("piBeeindiging"), "application/json").status, 415u);
}

TEST_F(api, acl_denials_are_403) {
  // A recipient may not post.
  auto rvdk = d_->client_for("rvdk");
  EXPECT_EQ(post(rvdk, example("piBeeindiging")).status, 403u);
  // jvs may not send a PI type (even with its own zender).
  auto jvs = d_->client_for("jvs");
  auto pi = replace_once(with_ref(example("piBeeindiging"), "E2E-ACL"), "<dti:applicatie>TULP-GW</dti:applicatie>",
                         "<dti:applicatie>JVS</dti:applicatie>");
  auto r = post(jvs, pi);
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("may not send message type piBeeindiging"), std::string::npos) << r.body;
  // The admin API does not exist for a non-operator.
  EXPECT_EQ(get(rvdk, "/v1/admin/parked").status, 404u);
}

TEST_F(api, zender_spoofing_is_403) {
  auto selectie = d_->client_for("selectie");
  auto r = post(selectie, with_ref(example("piBeeindiging"), "E2E-SPOOF"));  // zender DJI/TULP-GW
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("is not party selectie"), std::string::npos) << r.body;
}

TEST_F(api, message_is_404_to_a_party_that_may_not_see_it) {
  auto tulp = d_->client_for("tulp-gw");
  auto a = post(tulp, with_ref(example("piBeeindiging"), "E2E-404"));
  ASSERT_EQ(a.status, 201u);
  auto loc = a.header("Location");
  auto mine = get(tulp, loc);
  EXPECT_EQ(mine.status, 200u);
  EXPECT_NE(mine.body.find("E2E-404"), std::string::npos);
  auto g = d_->client_for("gemeente:0363/bij");
  EXPECT_EQ(get(g, loc).status, 200u);
  auto other = d_->client_for("gemeente:0599/bij");
  EXPECT_EQ(get(other, loc).status, 404u);
  auto selectie = d_->client_for("selectie");
  EXPECT_EQ(get(selectie, loc).status, 404u);
  EXPECT_EQ(get(selectie, "/v1/messages/999999").status, 404u);  // same answer as for an existing one
}

TEST_F(api, long_poll_is_woken_by_an_ingest) {
  std::atomic<bool> polling{false};
  gateway::http_reply polled;
  std::thread poller([&] {
    auto g = d_->client_for("gemeente:0363/bij");
    ASSERT_TRUE(g.connect());
    polling = true;
    polled = get(g, "/v1/outbox?after=0&wait=30");
  });
  while (!polling) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(300ms);  // let the poll reach its wait; correctness does not depend on it
  auto tulp = d_->client_for("tulp-gw");
  ASSERT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-WAKE")).status, 201u);
  poller.join();
  EXPECT_EQ(polled.status, 200u);
  EXPECT_EQ(count_of(polled.body, "<entry "), 1) << polled.body;
}

TEST_F(api, sigterm_wakes_a_long_poll_with_an_empty_batch) {
  std::atomic<bool> polling{false};
  gateway::http_reply polled;
  std::thread poller([&] {
    auto g = d_->client_for("rvdk");
    ASSERT_TRUE(g.connect());
    polling = true;
    polled = get(g, "/v1/outbox?after=0&wait=30");
  });
  while (!polling) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(d_->stop(SIGTERM), 0) << d_->log();
  poller.join();
  EXPECT_EQ(polled.status, 200u);
  EXPECT_NE(polled.body.find("count=\"0\""), std::string::npos) << polled.body;
}

TEST_F(api, ack_is_idempotent_and_unacked_entries_come_again) {
  auto tulp = d_->client_for("tulp-gw");
  ASSERT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-ACK-1")).status, 201u);
  ASSERT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-ACK-2")).status, 201u);
  auto g = d_->client_for("gemeente:0363/bij");
  auto first = get(g, "/v1/outbox");
  EXPECT_EQ(count_of(first.body, "<entry "), 2);
  EXPECT_EQ(get(g, "/v1/outbox").body, first.body);  // not acked: same entries, same seq and id
  auto a1 = post_empty(g, "/v1/outbox/ack?upto=1");
  EXPECT_EQ(a1.status, 200u);
  EXPECT_NE(a1.body.find("cursor=\"1\""), std::string::npos);
  auto a2 = post_empty(g, "/v1/outbox/ack?upto=1");
  EXPECT_EQ(a2.status, 200u);
  EXPECT_EQ(a2.body, a1.body);
  auto rest = get(g, "/v1/outbox");
  EXPECT_EQ(count_of(rest.body, "<entry "), 1);
  EXPECT_NE(rest.body.find("seq=\"2\""), std::string::npos);
  EXPECT_EQ(post_empty(g, "/v1/outbox/ack?upto=99").status, 400u);  // beyond the head
  EXPECT_EQ(post_empty(g, "/v1/outbox/ack").status, 400u);
}

TEST_F(api, forward_reaches_the_target_exactly_once_and_is_audited) {
  auto tulp = d_->client_for("tulp-gw");
  auto a = post(tulp, with_ref(example("piBeeindiging"), "E2E-FWD"));
  ASSERT_EQ(a.status, 201u);
  auto loc = a.header("Location");
  auto g = d_->client_for("gemeente:0363/bij");
  auto f1 = post_empty(g, loc + "/forward?to=gemeente%3A0599");
  EXPECT_EQ(f1.status, 201u) << f1.body;
  auto f2 = post_empty(g, loc + "/forward?to=gemeente:0599");
  EXPECT_EQ(f2.status, 200u) << f2.body;
  auto t = d_->client_for("gemeente:0599/bij");
  auto box = get(t, "/v1/outbox?after=0");
  EXPECT_EQ(count_of(box.body, "<entry "), 1) << box.body;
  EXPECT_EQ(get(t, loc).status, 200u);  // the target may now read it
  // Only a recipient may forward; others get 404 (never revealing the message).
  auto other = d_->client_for("gemeente:0518/bij");
  EXPECT_EQ(post_empty(other, loc + "/forward?to=gemeente:0344").status, 404u);
  EXPECT_EQ(post_empty(g, loc + "/forward?to=rvdk").status, 400u);
  auto rvdk = d_->client_for("rvdk");
  EXPECT_EQ(post_empty(rvdk, loc + "/forward?to=gemeente:0599").status, 403u);
}

TEST_F(api, custom_body_over_limit_is_413_and_header_over_limit_is_431) {
  ASSERT_NO_FATAL_FAILURE(start("  max_body_bytes: 2048\n  max_header_bytes: 1024\n"));
  auto tulp = d_->client_for("tulp-gw");
  EXPECT_EQ(post(tulp, example("piBeeindiging")).status, 413u);
  auto c = d_->client_for("tulp-gw");
  auto r = c.request("GET", "/v1/outbox?pad=" + std::string(2000, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431u);
}

TEST_F(api, custom_over_rate_is_429_with_retry_after) {
  ASSERT_NO_FATAL_FAILURE(start("  rate_per_party: 0.01\n  burst_per_party: 2\n"));
  auto tulp = d_->client_for("tulp-gw");
  EXPECT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-R1")).status, 201u);
  EXPECT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-R2")).status, 201u);
  auto r = post(tulp, with_ref(example("piBeeindiging"), "E2E-R3"));
  EXPECT_EQ(r.status, 429u);
  EXPECT_FALSE(r.header("Retry-After").empty());
  // Another party has its own bucket.
  auto g = d_->client_for("gemeente:0363/bij");
  EXPECT_EQ(get(g, "/v1/outbox").status, 200u);
}

TEST_F(api, custom_too_many_connections_for_a_party_is_503_with_retry_after) {
  ASSERT_NO_FATAL_FAILURE(start("  max_connections_per_party: 1\n"));
  auto first = d_->client_for("rvdk");
  ASSERT_EQ(get(first, "/v1/outbox").status, 200u);  // keeps its connection open
  auto second = d_->client_for("rvdk");
  auto r = get(second, "/v1/outbox");
  EXPECT_EQ(r.status, 503u);
  EXPECT_FALSE(r.header("Retry-After").empty());
}

TEST_F(api, custom_store_full_is_507_and_changes_nothing) {
  std::string text = test_config(dir_.path() / "data2");
  text = replace_once(text, "map_size_bytes: 17179869184", "map_size_bytes: 1048576");
  cfg_ = write_file(dir_.path(), "small.yaml", text);
  d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data2");
  ASSERT_TRUE(d_->started()) << d_->log();
  auto plan = example("reintegratieplan");
  auto b64 = between(plan, "<dti:inhoud>", "</dti:inhoud>");
  // Base64 of random bytes: bodies are compressed at rest, so a repeated pattern would fit.
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937 rng(7);
  std::string big(3 * 1024 * 1024, 'A');
  for (auto& ch : big) ch = kAlphabet[rng() % 64];
  plan = replace_once(plan, b64, big);
  auto tulp = d_->client_for("tulp-gw");
  auto r = post(tulp, with_ref(plan, "E2E-FULL"));
  EXPECT_EQ(r.status, 507u) << r.body.substr(0, 500);
  EXPECT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-SMALL")).status, 201u);
}

TEST_F(api, custom_slow_client_is_cut_off) {
  ASSERT_NO_FATAL_FAILURE(start("  read_timeout_ms: 500\n"));
  namespace net = boost::asio;
  namespace ssl = net::ssl;
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file((pki() / "ca.crt").string());
  ctx.use_certificate_chain_file((pki() / "clients/tulp-gw.crt").string());
  ctx.use_private_key_file((pki() / "clients/tulp-gw.key").string(), ssl::context::pem);
  ssl::stream<net::ip::tcp::socket> s(ioc, ctx);
  s.lowest_layer().connect({net::ip::make_address("127.0.0.1"), d_->api_port()});
  s.handshake(ssl::stream_base::client);
  const std::string req =
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
      "Content-Length: 100\r\n\r\n" +
      std::string(100, ' ');
  boost::system::error_code ec;
  std::size_t sent = 0;
  for (; sent < req.size() && !ec; ++sent) {  // one byte every 100 ms: 20 s for the whole request
    net::write(s, net::buffer(req.data() + sent, 1), ec);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(ec) << "the server kept reading a trickling client";
  EXPECT_LT(sent, req.size());
  EXPECT_NE(metrics().find("jubes_read_timeouts_total 1"), std::string::npos);
}

TEST_F(api, unroutable_message_is_accepted_and_parked_then_listed_for_the_operator) {
  auto tulp = d_->client_for("tulp-gw");
  // BIJ-worthy, but Urk (0184) does not take part in BIJ: a piBeeindiging no rule routes to anybody.
  auto r = post(tulp, unroutable("E2E-PARK"));
  ASSERT_EQ(r.status, 201u) << r.body;
  // Not a BIJ offence: not BIJ-worthy, stored and counted, not parked (issue 13).
  auto not_bij = std::regex_replace(with_ref(example("piBeeindiging"), "E2E-NOT-BIJ"),
                                    std::regex("<dti:delictcategorie>[^<]*</dti:delictcategorie>"),
                                    "<dti:delictcategorie>overig</dti:delictcategorie>");
  ASSERT_EQ(post(tulp, not_bij).status, 201u);
  EXPECT_NE(metrics().find("jubes_ingest_unrouted_total 1"), std::string::npos);
  auto op = d_->client_for("operator");
  auto parked = get(op, "/v1/admin/parked");
  EXPECT_EQ(parked.status, 200u);
  EXPECT_NE(parked.body.find("E2E-PARK"), std::string::npos) << parked.body;
  EXPECT_NE(metrics().find("jubes_parked_messages 1"), std::string::npos);
  EXPECT_EQ(post_empty(op, "/v1/admin/routes/reload").status, 200u);
}

TEST_F(api, readyz_and_promtool_accepts_real_metrics) {
  auto tulp = d_->client_for("tulp-gw");
  ASSERT_EQ(post(tulp, with_ref(example("piBeeindiging"), "E2E-PROM")).status, 201u);
  ASSERT_EQ(post(tulp, "<bad", "application/xml").status, 400u);
  auto o = d_->ops_client();
  EXPECT_EQ(get(o, "/readyz").status, 200u);
  auto m = metrics();
  for (auto name :
       {"jubes_http_requests_total", "jubes_ingest_accepted_total", "jubes_ingest_rejected_total",
        "jubes_accept_latency_seconds_bucket", "jubes_writer_queue_depth", "jubes_group_commit_size_bucket",
        "jubes_group_commit_seconds_bucket", "jubes_outbox_backlog", "jubes_outbox_oldest_unacked_age_seconds",
        "jubes_parked_messages", "jubes_store_used_bytes", "jubes_route_table_info"})
    EXPECT_NE(m.find(name), std::string::npos) << name;
  auto f = write_file(dir_.path(), "metrics.txt", m);
  auto r = run({"/bin/sh", "-c", "promtool check metrics < " + f.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(api, curl_main_paths) {
  std::string base = "https://127.0.0.1:" + std::to_string(d_->api_port());
  auto cert = [](const std::string& p) {
    // curl reads "a:b" in --cert as file:password; escape the colon of gemeente:NNNN.
    return std::regex_replace((pki() / "clients" / (p + ".crt")).string(), std::regex(":"), "\\:");
  };
  auto key = [](const std::string& p) { return (pki() / "clients" / (p + ".key")).string(); };
  auto f = write_file(dir_.path(), "m.xml", with_ref(example("piBeeindiging"), "E2E-CURL"));
  auto post = run({"/usr/bin/curl", "-s", "-w", "\n%{http_code}", "--cacert", (pki() / "ca.crt").string(), "--cert",
                   cert("tulp-gw"), "--key", key("tulp-gw"), "-H", "Content-Type: application/xml", "--data-binary",
                   "@" + f.string(), base + "/v1/messages"});
  EXPECT_EQ(post.exit_code, 0);
  EXPECT_NE(post.output.find("Bv03"), std::string::npos) << post.output;
  EXPECT_EQ(post.output.substr(post.output.size() - 3), "201");
  auto poll = run({"/usr/bin/curl", "-s", "--cacert", (pki() / "ca.crt").string(), "--cert", cert("gemeente:0363/bij"),
                   "--key", key("gemeente:0363/bij"), base + "/v1/outbox?wait=5"});
  EXPECT_EQ(poll.exit_code, 0);
  EXPECT_NE(poll.output.find("E2E-CURL"), std::string::npos) << poll.output;
  auto ack = run({"/usr/bin/curl", "-s", "-X", "POST", "--cacert", (pki() / "ca.crt").string(), "--cert",
                  cert("gemeente:0363/bij"), "--key", key("gemeente:0363/bij"), base + "/v1/outbox/ack?upto=1"});
  EXPECT_NE(ack.output.find("cursor=\"1\""), std::string::npos) << ack.output;
}

TEST_F(api, sigterm_under_load_loses_nothing_acknowledged) {
  std::mutex mu;
  std::vector<std::string> acknowledged;  // Locations of 201/200 replies
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t] {
      auto c = d_->client_for("tulp-gw");
      for (int i = 0; !stop; ++i) {
        auto r = c.request("POST", "/v1/messages",
                           with_ref(example("piBeeindiging"), "LOAD-" + std::to_string(t) + "-" + std::to_string(i)));
        if (!r) break;  // the gateway closed: drained
        ++sent;
        if (r->status == 201 || r->status == 200) {
          std::lock_guard lk(mu);
          acknowledged.push_back(r->header("Location"));
        }
      }
    });
  while (sent < 40) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(d_->stop(SIGTERM), 0) << d_->log();
  stop = true;
  for (auto& t : senders) t.join();
  ASSERT_FALSE(acknowledged.empty());
  // Restart on the same data directory: every acknowledged message is there.
  d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
  ASSERT_TRUE(d_->started()) << d_->log();
  auto c = d_->client_for("tulp-gw");
  for (const auto& loc : acknowledged) EXPECT_EQ(get(c, loc).status, 200u) << loc;
}

}  // namespace
}  // namespace jubes::e2e
