// SPDX-License-Identifier: EUPL-1.2
// Each API handler alone: a beast request and a caller, run on an io_context against a real store
// in a temporary directory and the real conf/ schemas, routes and parties. No process, no socket.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <future>
#include <map>

#include "api_fixture.hpp"
#include "handlers/handler.hpp"

namespace jubes::gateway::detail {
namespace {

using v = http::verb;

class handlers : public api_fixture {
 protected:
  /// Posts conf/examples/<name>.xml as tulp-gw. @return the reply
  response ingest(const std::string& body, const std::string& party = "tulp-gw",
                  const std::string& content_type = "application/xml") {
    return run(handle_ingest, make_request(v::post, "/v1/messages", body, content_type), who(party));
  }
  static bool has(const response& r, std::string_view text) { return r.body().find(text) != std::string::npos; }
};

TEST_F(handlers, ingest_accepts_once_then_repeats_the_receipt_and_refuses_other_content) {
  auto body = example("piBeeindiging");
  auto first = ingest(body);
  EXPECT_EQ(first.result_int(), 201u) << first.body();
  EXPECT_TRUE(has(first, "Bv03")) << first.body();
  EXPECT_EQ(first[http::field::location], "/v1/messages/1");
  auto again = ingest(body);
  EXPECT_EQ(again.result_int(), 200u);
  EXPECT_EQ(again.body(), first.body());

  auto other = body;
  other.replace(other.find("Kinkerstraat"), 12, "Damstraat");
  auto conflict = ingest(other);
  EXPECT_EQ(conflict.result_int(), 409u);
  EXPECT_TRUE(has(conflict, "StUF016")) << conflict.body();
  EXPECT_TRUE(has(conflict, "Combinatie zender en referentienummer niet uniek"));
  EXPECT_TRUE(has(conflict, "TULP-2026-0000184213")) << conflict.body();
}

TEST_F(handlers, ingest_refusals_go_through_the_one_fault_mapping) {
  auto body = example("piBeeindiging");
  EXPECT_EQ(ingest(body, "tulp-gw", "text/plain").result_int(), 415u);
  EXPECT_EQ(ingest(body, "rvdk").result_int(), 403u);  // a recipient may not post
  auto zender = ingest(body, "selectie");              // the zender is TULP-GW, not SELECTIE
  EXPECT_EQ(zender.result_int(), 403u);
  EXPECT_TRUE(has(zender, "StUF052")) << zender.body();
  auto bad = body;
  bad.replace(bad.find("<dti:bsn>123456782"), 18, "<dti:bsn>123456789");  // fails the eleven-test
  auto invalid = ingest(bad);
  EXPECT_EQ(invalid.result_int(), 400u);
  EXPECT_TRUE(has(invalid, "StUF055")) << invalid.body();
  auto broken = ingest("<a>");
  EXPECT_EQ(broken.result_int(), 400u);
  EXPECT_TRUE(has(broken, "StUF001")) << broken.body();
}

TEST_F(handlers, poll_returns_the_batch_and_ack_moves_the_cursor) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  auto me = who("gemeente:0363/bij");
  auto batch = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), me);
  EXPECT_EQ(batch.result_int(), 200u);
  EXPECT_TRUE(has(batch, "count=\"1\"")) << batch.body();
  EXPECT_TRUE(has(batch, "type=\"piBeeindiging\""));
  EXPECT_EQ(run(handle_poll, make_request(v::get, "/v1/outbox?after=x"), me).result_int(), 400u);

  EXPECT_EQ(run(handle_ack, make_request(v::post, "/v1/outbox/ack"), me).result_int(), 400u);
  EXPECT_EQ(run(handle_ack, make_request(v::post, "/v1/outbox/ack?upto=9"), me).result_int(), 400u);
  auto ack = run(handle_ack, make_request(v::post, "/v1/outbox/ack?upto=1"), me);
  EXPECT_EQ(ack.result_int(), 200u) << ack.body();
  EXPECT_TRUE(has(ack, "cursor=\"1\""));
  auto after = run(handle_poll, make_request(v::get, "/v1/outbox"), me);  // from the cursor: nothing new
  EXPECT_TRUE(has(after, "count=\"0\"")) << after.body();
}

TEST_F(handlers, get_message_shows_a_message_only_to_who_may_read_it) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  auto mine = run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("gemeente:0363/bij"), 1);
  EXPECT_EQ(mine.result_int(), 200u);
  EXPECT_EQ(mine["X-Jubes-Message-Type"], "piBeeindiging");
  EXPECT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("rvdk"), 1).result_int(), 404u);
  EXPECT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/7"), who("gemeente:0363/bij"), 7).result_int(),
            404u);
}

TEST_F(handlers, repeated_reads_of_one_message_by_one_party_are_audited_once_per_window) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("gemeente:0363/bij"), 1).result_int(),
              200u);
    ASSERT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("tulp-gw"), 1).result_int(), 200u);
  }
  // The writer applies requests in order: once a later ingest is answered, the reads are committed.
  auto later = example("piBeeindiging");
  later.replace(later.find("TULP-2026-0000184213"), 20, "TULP-2026-0000184214");
  ASSERT_EQ(ingest(later).result_int(), 201u);
  auto trail = svc().store.audit(1);
  ASSERT_TRUE(trail) << trail.error().message();
  std::map<std::string, int> reads;
  for (const auto& r : *trail)
    if (r.kind == storage::audit_kind::read) ++reads[r.party];
  EXPECT_EQ(reads, (std::map<std::string, int>{{"gemeente:0363/bij", 1}, {"tulp-gw", 1}}));
}

TEST(read_coalescer, one_record_per_party_and_message_per_window) {
  read_coalescer c(1000, 3);
  EXPECT_TRUE(c.admit(1, "a", 10'000));
  EXPECT_FALSE(c.admit(1, "a", 10'999));
  EXPECT_TRUE(c.admit(1, "b", 10'999));  // another party
  EXPECT_TRUE(c.admit(2, "a", 10'999));  // another message
  EXPECT_TRUE(c.admit(1, "a", 9'000));   // the clock went back: a new window (a record more, never fewer)
  EXPECT_FALSE(c.admit(1, "a", 9'999));
  EXPECT_TRUE(c.admit(1, "a", 10'000));  // the window passed
  EXPECT_FALSE(c.admit(1, "a", 10'500));
  // Full (3 tracked): a fourth pair forgets the expired windows first, then, if needed, all of them.
  EXPECT_TRUE(c.admit(3, "a", 11'600));
  EXPECT_LE(c.tracked(), 3u);
  EXPECT_TRUE(read_coalescer(0).admit(1, "a", 0));
  read_coalescer every(0);
  EXPECT_TRUE(every.admit(1, "a", 5));
  EXPECT_TRUE(every.admit(1, "a", 5));
}

TEST_F(handlers, forward_is_for_municipalities_and_bij_notices) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  auto target = make_request(v::post, "/v1/messages/1/forward?to=gemeente:0599");
  auto fwd = run(handle_forward, target, who("gemeente:0363/bij"), 1);
  EXPECT_EQ(fwd.result_int(), 201u) << fwd.body();
  EXPECT_TRUE(has(fwd, "to=\"gemeente:0599/bij\"")) << fwd.body();  // into the other municipality's BIJ box
  EXPECT_EQ(run(handle_forward, target, who("gemeente:0363/bij"), 1).result_int(), 200u);  // already there
  EXPECT_EQ(run(handle_forward, make_request(v::post, "/v1/messages/1/forward?to=gemeente:0599/bij"),
                who("gemeente:0363/bij"), 1)
                .result_int(),
            200u);
  EXPECT_EQ(run(handle_forward, target, who("rvdk"), 1).result_int(), 403u);
  auto self = make_request(v::post, "/v1/messages/1/forward?to=gemeente:0363");
  EXPECT_EQ(run(handle_forward, self, who("gemeente:0363/bij"), 1).result_int(), 400u);
  auto bad = make_request(v::post, "/v1/messages/1/forward?to=gemeente:036");
  EXPECT_EQ(run(handle_forward, bad, who("gemeente:0363/bij"), 1).result_int(), 400u);
}

constexpr std::string_view k_outsider = "0184";

TEST_F(handlers, forwarding_stays_within_bij_boxes_and_bij_participants) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  // Not from a re-integration box, not into one.
  auto fwd = run(handle_forward, make_request(v::post, "/v1/messages/1/forward?to=gemeente:0599"),
                 who("gemeente:0363/reintegratie"), 1);
  EXPECT_EQ(fwd.result_int(), 403u) << fwd.body();
  auto other_box = run(handle_forward, make_request(v::post, "/v1/messages/1/forward?to=gemeente:0599/reintegratie"),
                       who("gemeente:0363/bij"), 1);
  EXPECT_EQ(other_box.result_int(), 400u) << other_box.body();
  EXPECT_TRUE(has(other_box, "within the bij box")) << other_box.body();
  // Not to a municipality that does not take part in BIJ (conf/bij-deelnemers.yaml leaves out Urk, 0184).
  auto outsider =
      run(handle_forward, make_request(v::post, "/v1/messages/1/forward?to=gemeente:" + std::string(k_outsider)),
          who("gemeente:0363/bij"), 1);
  EXPECT_EQ(outsider.result_int(), 403u) << outsider.body();
  EXPECT_TRUE(has(outsider, "does not take part in BIJ")) << outsider.body();

  // An operator may override it, on behalf of the box that has the message, with a reason (audited).
  const std::string override_target =
      "/v1/messages/1/forward?from=gemeente:0363/bij&to=gemeente:" + std::string(k_outsider);
  EXPECT_EQ(run(handle_forward, make_request(v::post, override_target), who("operator"), 1).result_int(), 400u);
  EXPECT_EQ(run(handle_forward, make_request(v::post, override_target + "&reason=x"), who("gemeente:0363/bij"), 1)
                .result_int(),
            403u);  // a box cannot override
  EXPECT_EQ(run(handle_forward,
                make_request(v::post, "/v1/messages/1/forward?from=gemeente:0599/bij&to=gemeente:0184&reason=x"),
                who("operator"), 1)
                .result_int(),
            404u);  // on behalf of a box that does not have it
  auto ok =
      run(handle_forward, make_request(v::post, override_target + "&reason=verhuisd%20naar%20Urk"), who("operator"), 1);
  ASSERT_EQ(ok.result_int(), 201u) << ok.body();
  EXPECT_TRUE(has(ok, "to=\"gemeente:0184/bij\"")) << ok.body();
  // The audit trail says who overrode, on whose behalf, to whom and why, right after the 201 (no waiting): the store
  // wrote the operator's record in the forward's own transaction, straight after its record of who forwarded.
  auto trail = svc().store.audit(1);
  ASSERT_TRUE(trail) << trail.error().message();
  ASSERT_GE(trail->size(), 2u);
  const auto& fw = (*trail)[trail->size() - 2];
  const auto& ov = trail->back();
  EXPECT_EQ(fw.kind, storage::audit_kind::forwarded);
  EXPECT_EQ(fw.party, "gemeente:0363/bij");
  EXPECT_EQ(ov.kind, storage::audit_kind::forward_override);
  EXPECT_EQ(ov.seq, fw.seq + 1);
  EXPECT_EQ(ov.party, "operator");
  EXPECT_EQ(ov.detail,
            "forwarded from gemeente:0363/bij to gemeente:0184/bij (not a BIJ participant); reason: verhuisd naar Urk");
  // Again: 200, and no second record of either kind.
  auto again = run(handle_forward, make_request(v::post, override_target + "&reason=nogmaals"), who("operator"), 1);
  EXPECT_EQ(again.result_int(), 200u) << again.body();
  auto after = svc().store.audit(1);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->size(), trail->size());
}

TEST_F(handlers, a_recipient_gets_its_projection_the_source_what_it_sent) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  const std::string sent = example("piBeeindiging");
  auto src = run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("tulp-gw"), 1);
  EXPECT_EQ(src.body(), sent);
  auto bij = run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("gemeente:0363/bij"), 1);
  ASSERT_EQ(bij.result_int(), 200u) << bij.body();
  EXPECT_TRUE(has(bij, "<dti:bsn>")) << bij.body();
  EXPECT_FALSE(has(bij, "strafduurDagen")) << bij.body();
  EXPECT_FALSE(has(bij, "<dti:djiInstelling>true")) << bij.body();
  // The same municipality's re-integration box never received it.
  EXPECT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("gemeente:0363/reintegratie"), 1)
                .result_int(),
            404u);
  auto batch = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), who("gemeente:0363/bij"));
  EXPECT_TRUE(has(batch, "count=\"1\"")) << batch.body();
  EXPECT_FALSE(has(batch, "strafduurDagen")) << batch.body();
  EXPECT_TRUE(has(run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), who("gemeente:0363/reintegratie")),
                  "count=\"0\""));
}

TEST_F(handlers, admin_endpoints_report_in_plain_text) {
  auto op = who("operator");
  auto stats = run(handle_stats, make_request(v::get, "/v1/admin/stats"), op);
  EXPECT_EQ(stats.result_int(), 200u);
  auto none = run(handle_parked_reroute, make_request(v::post, "/v1/admin/parked/reroute?all=1"), op);
  EXPECT_EQ(none.result_int(), 200u);
  EXPECT_EQ(none.body(), "nothing parked\n");
  EXPECT_EQ(run(handle_parked_reroute, make_request(v::post, "/v1/admin/parked/reroute"), op).result_int(), 400u);
  auto missing = run(handle_parked_reroute, make_request(v::post, "/v1/admin/parked/reroute?id=42"), op);
  EXPECT_EQ(missing.result_int(), 409u);
  EXPECT_EQ(missing.body(), "42: not found\n");
  auto reload = run(handle_routes_reload, make_request(v::post, "/v1/admin/routes/reload"), op);
  EXPECT_EQ(reload.result_int(), 200u) << reload.body();
  EXPECT_EQ(run(handle_purge, make_request(v::post, "/v1/admin/purge"), op).result_int(), 200u);
  EXPECT_EQ(run(handle_parked_list, make_request(v::get, "/v1/admin/parked"), op).result_int(), 200u);
}

TEST_F(handlers, admin_endpoints_answer_json_when_asked_and_parked_decisions_need_an_id_and_a_reason) {
  auto op = who("operator");
  auto req = make_request(v::get, "/v1/admin/stats");
  req.set(http::field::accept, "application/json");
  auto stats = run(handle_stats, req, op);
  EXPECT_EQ(stats.result_int(), 200u);
  EXPECT_EQ(stats[http::field::content_type], "application/json");
  EXPECT_NE(stats.body().find("\"messages\":"), std::string::npos) << stats.body();
  EXPECT_EQ(run(handle_parked_show, make_request(v::get, "/v1/admin/parked/42"), op, 42).result_int(), 404u);
  auto close = make_request(v::post, "/v1/admin/parked/42/close?reason=test");
  EXPECT_EQ(run(handle_parked_close, close, op, 42).result_int(), 404u);
  EXPECT_EQ(run(handle_parked_close, make_request(v::post, "/v1/admin/parked/42/close"), op, 42).result_int(), 400u);
  auto nobody = make_request(v::post, "/v1/admin/parked/42/assign?to=nobody&reason=x");
  EXPECT_EQ(run(handle_parked_assign, nobody, op, 42).result_int(), 400u);
  auto id = make_request(v::get, "/v1/admin/identity");
  id.set(http::field::accept, "application/json");
  EXPECT_NE(run(handle_identity, id, op).body().find("\"backend\":\"lmdb\""), std::string::npos);
}

TEST_F(handlers, a_parked_message_is_assigned_only_to_a_mailbox_with_a_projection_for_its_type) {
  // BIJ-worthy, for Urk (0184), which does not take part in BIJ: parked.
  auto xml = example("piBeeindiging");
  for (auto p = xml.find("<dti:gemeentecode>"); p != std::string::npos; p = xml.find("<dti:gemeentecode>", p + 1))
    xml.replace(p + 18, 4, "0184");
  ASSERT_EQ(ingest(xml).result_int(), 201u);
  auto op = who("operator");
  // The victim desk and a re-integration box may not see a BIJ notice.
  for (const char* to : {"idv", "gemeente:0363/reintegratie"}) {
    auto r = run(handle_parked_assign,
                 make_request(v::post, std::string("/v1/admin/parked/1/assign?reason=x&to=") + to), op, 1);
    EXPECT_EQ(r.result_int(), 400u) << to << ": " << r.body();
    EXPECT_TRUE(has(r, "has no projection for piBeeindiging")) << r.body();
  }
  auto ok = run(handle_parked_assign, make_request(v::post, "/v1/admin/parked/1/assign?reason=x&to=gemeente:0363/bij"),
                op, 1);
  EXPECT_EQ(ok.result_int(), 200u) << ok.body();
}

TEST_F(handlers, the_api_checks_party_then_route_table) {
  EXPECT_EQ(handle(make_request(v::get, "/v1/outbox"), caller{}).result_int(), 403u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/messages"), who("tulp-gw")).result_int(), 405u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/nothing"), who("tulp-gw")).result_int(), 404u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/admin/stats"), who("rvdk")).result_int(), 404u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/admin/stats"), who("operator")).result_int(), 200u);
  EXPECT_EQ(handle(make_request(v::post, "/v1/admin/stats"), who("operator")).result_int(), 405u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/messages/abc"), who("rvdk")).result_int(), 404u);
}

/// conf/examples/reintegratieplan.xml for gemeente:0363 with a base64 document of `b64_bytes`.
std::string plan_of(std::string plan, const std::string& ref, std::size_t b64_bytes) {
  for (auto p = plan.find("<dti:gemeentecode>"); p != std::string::npos; p = plan.find("<dti:gemeentecode>", p + 1))
    plan.replace(p + 18, 4, "0363");
  auto a = plan.find("<dti:inhoud>") + 12;
  plan.replace(a, plan.find("</dti:inhoud>") - a, std::string(b64_bytes / 4 * 4, 'Q'));
  auto r = plan.find("<dti:referentienummer>") + 22;
  plan.replace(r, plan.find("</dti:referentienummer>") - r, ref);
  return plan;
}

TEST_F(handlers, a_poll_batch_is_capped_in_bytes_the_first_entry_always_goes_and_more_is_said) {
  const auto plan = example("reintegratieplan");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(ingest(plan_of(plan, "MEM-" + std::to_string(i), 300 * 1024)).result_int(), 201u);
  cfg_->limits.max_batch_bytes = 700 * 1024;  // two of the three plans
  auto me = who("gemeente:0363/reintegratie");
  auto two = run(handle_poll, make_request(v::get, "/v1/outbox?after=0"), me);
  EXPECT_TRUE(has(two, "count=\"2\" last=\"2\"")) << two.body().substr(0, 300);
  EXPECT_EQ(two["X-Jubes-More"], "true");
  EXPECT_TRUE(two.body().ends_with("</entry>\n</outbox>\n"));
  cfg_->limits.max_batch_bytes = 1024;  // less than one plan: the first still goes
  auto one = run(handle_poll, make_request(v::get, "/v1/outbox?after=1"), me);
  EXPECT_TRUE(has(one, "count=\"1\" last=\"2\"")) << one.body().substr(0, 300);
  EXPECT_EQ(one["X-Jubes-More"], "true");
  auto last = run(handle_poll, make_request(v::get, "/v1/outbox?after=2"), me);
  EXPECT_TRUE(has(last, "count=\"1\" last=\"3\"")) << last.body().substr(0, 300);
  EXPECT_EQ(last["X-Jubes-More"], "false");
}

TEST_F(handlers, a_small_poll_is_answered_while_a_large_body_is_validated) {
  // One thread runs both requests, as one IO thread would. The large body (over
  // limits.offload_body_bytes) is invalid only at its very end, so its validation reads all of it;
  // it starts first. Validated on this thread, it would be answered before the poll even started.
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  auto big = plan_of(example("reintegratieplan"), "MEM-BAD", 4 * 1024 * 1024);
  big.insert(big.rfind("</dti:reintegratieplan>"), "<dti:onbekend/>");
  ASSERT_GE(big.size(), cfg_->limits.offload_body_bytes);
  auto src = who("tulp-gw"), me = who("gemeente:0363/bij");
  auto ingest_req = make_request(v::post, "/v1/messages", big, "application/xml");
  auto poll_req = make_request(v::get, "/v1/outbox?after=0");
  call ic{ingest_req, src, split_target(ingest_req.target()).query, 0, {}, {}};
  call pc{poll_req, me, split_target(poll_req.target()).query, 0, {}, {}};
  std::vector<std::string> order;
  std::optional<response> ingested, polled;
  ioc_.restart();
  net::co_spawn(ioc_, handle_ingest(svc(), ic), [&](std::exception_ptr, response r) {
    order.push_back("ingest");
    ingested = std::move(r);
  });
  net::co_spawn(ioc_, handle_poll(svc(), pc), [&](std::exception_ptr, response r) {
    order.push_back("poll");
    polled = std::move(r);
  });
  ioc_.run();
  ASSERT_TRUE(ingested && polled);
  EXPECT_EQ(ingested->result_int(), 400u) << ingested->body().substr(0, 300);
  EXPECT_EQ(polled->result_int(), 200u);
  EXPECT_EQ(order, (std::vector<std::string>{"poll", "ingest"}));
}

TEST_F(handlers, a_backup_does_not_wait_for_the_validation_pool) {
  // The validation pool's only thread is held until the backup is answered (or 20 s pass). A backup
  // queued behind it would be answered only after the hold gave up.
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  ASSERT_TRUE(svc().validation.has_value());
  std::promise<void> answered;
  std::atomic<bool> gave_up{false};
  net::post(*svc().validation, [f = answered.get_future(), &gave_up]() mutable {
    gave_up = f.wait_for(std::chrono::seconds(20)) == std::future_status::timeout;
  });
  const auto target = dir_.path() / "backup";
  auto r = run(handle_backup, make_request(v::post, "/v1/admin/backup?dir=" + target.string() + "&reason=test"),
               who("operator"));
  EXPECT_FALSE(gave_up.load());
  answered.set_value();
  EXPECT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_TRUE(std::filesystem::exists(target / "data.mdb"));
}

}  // namespace
}  // namespace jubes::gateway::detail
