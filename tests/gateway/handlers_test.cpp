// Each API handler alone: a beast request and a caller, run on an io_context against a real store
// in a temporary directory and the real conf/ schemas, routes and parties. No process, no socket.
#include <gtest/gtest.h>

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
  auto me = who("gemeente:0363");
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
  auto mine = run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("gemeente:0363"), 1);
  EXPECT_EQ(mine.result_int(), 200u);
  EXPECT_EQ(mine["X-Jubes-Message-Type"], "piBeeindiging");
  EXPECT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/1"), who("rvdk"), 1).result_int(), 404u);
  EXPECT_EQ(run(handle_get_message, make_request(v::get, "/v1/messages/7"), who("gemeente:0363"), 7).result_int(),
            404u);
}

TEST_F(handlers, forward_is_for_municipalities_and_bij_notices) {
  ASSERT_EQ(ingest(example("piBeeindiging")).result_int(), 201u);
  auto target = make_request(v::post, "/v1/messages/1/forward?to=gemeente:0599");
  auto fwd = run(handle_forward, target, who("gemeente:0363"), 1);
  EXPECT_EQ(fwd.result_int(), 201u) << fwd.body();
  EXPECT_TRUE(has(fwd, "to=\"gemeente:0599\""));
  EXPECT_EQ(run(handle_forward, target, who("gemeente:0363"), 1).result_int(), 200u);  // already there
  EXPECT_EQ(run(handle_forward, target, who("rvdk"), 1).result_int(), 403u);
  auto self = make_request(v::post, "/v1/messages/1/forward?to=gemeente:0363");
  EXPECT_EQ(run(handle_forward, self, who("gemeente:0363"), 1).result_int(), 400u);
  auto bad = make_request(v::post, "/v1/messages/1/forward?to=gemeente:036");
  EXPECT_EQ(run(handle_forward, bad, who("gemeente:0363"), 1).result_int(), 400u);
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

TEST_F(handlers, the_api_checks_party_then_route_table) {
  EXPECT_EQ(handle(make_request(v::get, "/v1/outbox"), caller{}).result_int(), 403u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/messages"), who("tulp-gw")).result_int(), 405u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/nothing"), who("tulp-gw")).result_int(), 404u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/admin/stats"), who("rvdk")).result_int(), 404u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/admin/stats"), who("operator")).result_int(), 200u);
  EXPECT_EQ(handle(make_request(v::post, "/v1/admin/stats"), who("operator")).result_int(), 405u);
  EXPECT_EQ(handle(make_request(v::get, "/v1/messages/abc"), who("rvdk")).result_int(), 404u);
}

}  // namespace
}  // namespace jubes::gateway::detail
