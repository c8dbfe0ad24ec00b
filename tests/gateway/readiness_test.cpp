// SPDX-License-Identifier: EUPL-1.2
// Readiness tells the truth about the store (issue 12, invariant 7): a disk that refuses a flush
// stops the store, /readyz (api::not_ready_reason) says so with the cause, and ingest answers 503
// with the cause at once instead of queueing into a failed writer. The failing disk is injected at
// the syscall boundary (testing/fault_sync.hpp: fdatasync fails with EIO as LMDB calls it).
#include <gtest/gtest.h>

#include "api_fixture.hpp"
#include "handlers/handler.hpp"
#include "testing/fault_sync.hpp"

namespace jubes::gateway::detail {
namespace {

class failing_disk : public api_fixture {
 protected:
  void tune(config& c) override { c.store.durable = true; }  // real flushes, so that one can fail
  void TearDown() override {
    jubes::testing::fault::disarm();
    api_fixture::TearDown();
  }
  /// conf/examples/piBeeindiging.xml with its own referentienummer.
  static std::string message(const std::string& ref) {
    auto body = example("piBeeindiging");
    const std::string old = "TULP-2026-0000184213";
    body.replace(body.find(old), old.size(), ref);
    return body;
  }
  response ingest(const std::string& ref) {
    return handle(make_request(http::verb::post, "/v1/messages", message(ref)), who("tulp-gw"));
  }
};

TEST_F(failing_disk, readyz_turns_not_ready_and_ingest_answers_503_with_the_cause) {
  EXPECT_EQ(api_->not_ready_reason(), "");
  auto ok = ingest("TULP-2026-0000000001");
  ASSERT_EQ(ok.result_int(), 201u) << ok.body();

  jubes::testing::fault::fail_flushes_after(0);
  auto during = ingest("TULP-2026-0000000002");
  EXPECT_EQ(during.result_int(), 503u) << "acknowledged although its flush failed: " << during.body();
  jubes::testing::fault::disarm();

  auto why = api_->not_ready_reason();
  EXPECT_EQ(why.rfind("failed: store failed: ", 0), 0u) << why;
  EXPECT_NE(why.find("restart"), std::string::npos) << why;

  // The disk works again, the store does not pretend it does: 503 with the cause, at once.
  auto after = ingest("TULP-2026-0000000003");
  EXPECT_EQ(after.result_int(), 503u) << after.body();
  EXPECT_NE(after.body().find("store failed"), std::string::npos) << after.body();
  EXPECT_FALSE(after[http::field::retry_after].empty());
  EXPECT_FALSE(api_->not_ready_reason().empty());
}

}  // namespace
}  // namespace jubes::gateway::detail
