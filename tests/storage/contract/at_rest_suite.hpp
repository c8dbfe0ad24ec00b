// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Bodies at rest as part of the backend contract (docs/storage.md, "Bodies at rest"): on every
// backend a body sealed with the store's data key comes back whole, the store reopens with its
// KEK only (a wrong or missing KEK is errc::bad_key naming the KEK's source), a rotation makes a
// new key active while older bodies stay readable, a KEK that does not unwrap the keys cannot
// rotate, and check() opens every body. Included by every backend's test binary, which
// instantiates at_rest_contract with a storage place and an opener.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "contract_util.hpp"
#include "storage/body_codec.hpp"

namespace jubes::storage::contract {

struct at_rest_backend {
  std::string name;
  std::function<std::shared_ptr<void>()> place;  ///< fresh, empty storage (a directory, a database)
  /// Opens the store at `place` with `a`.
  std::function<jubes::result<std::unique_ptr<backend>>(const std::shared_ptr<void>& place, const at_rest_options& a)>
      open;
};

inline std::string at_rest_name(const ::testing::TestParamInfo<at_rest_backend>& i) {
  return i.param.name;
}

class at_rest_contract : public ::testing::TestWithParam<at_rest_backend> {
 protected:
  void SetUp() override { place_ = GetParam().place(); }
  static at_rest_options sealed(const key_bytes& kek) {
    at_rest_options a;
    a.comp = compression::zstd;
    a.kek = kek;
    a.kek_source = "/contract/kek";
    return a;
  }
  std::unique_ptr<backend> open_ok(const at_rest_options& a) {
    auto s = GetParam().open(place_, a);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }
  static std::string body(int i) {
    return "<bsn>123456782</bsn><naam>Dijk " + std::to_string(i) + "</naam>" + std::string(300, 'x');
  }
  static void ingest_n(backend& b, int from, int n) {
    for (int i = from; i < from + n; ++i) {
      auto r = await<ingest_result>([&](completion<ingest_result> d) {
        b.submit(request("ar-" + std::to_string(i), {"rvdk"}, body(i)), std::move(d));
      });
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_EQ(r->outcome, ingest_outcome::accepted);
    }
  }
  static void expect_readable(backend& b, int n) {
    auto es = b.read_outbox("rvdk", 0, 10000);
    ASSERT_TRUE(es) << es.error().message();
    ASSERT_EQ(es->size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ((*es)[i].body, body(i)) << i;
      auto m = b.get((*es)[i].message_id);
      ASSERT_TRUE(m && m->has_value());
      EXPECT_EQ((*m)->body, body(i)) << i;
    }
    auto rep = b.check();
    EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
    EXPECT_EQ(rep.plain_blobs, 0u);
  }

  std::shared_ptr<void> place_;
  key_bytes kek_ = random_key();
};

TEST_P(at_rest_contract, sealed_bodies_come_back_and_the_store_opens_with_its_kek_only) {
  {
    auto s = open_ok(sealed(kek_));
    ASSERT_TRUE(s);
    ingest_n(*s, 0, 5);
    expect_readable(*s, 5);
    s->close();
  }
  auto wrong = GetParam().open(place_, sealed(random_key()));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), errc::bad_key);
  EXPECT_NE(wrong.error().detail.find("wrong key-encryption key"), std::string::npos) << wrong.error().detail;
  EXPECT_NE(wrong.error().detail.find("/contract/kek"), std::string::npos) << wrong.error().detail;
  auto none = GetParam().open(place_, at_rest_options{});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), errc::bad_key);
  EXPECT_NE(none.error().detail.find("no key-encryption key"), std::string::npos) << none.error().detail;
  auto s = open_ok(sealed(kek_));
  ASSERT_TRUE(s);
  expect_readable(*s, 5);
  s->close();
}

TEST_P(at_rest_contract, rotation_makes_a_new_key_active_and_old_bodies_stay_readable) {
  auto s = open_ok(sealed(kek_));
  ASSERT_TRUE(s);
  ingest_n(*s, 0, 3);
  auto other = s->rotate_key(random_key(), false);
  ASSERT_FALSE(other) << "a KEK that does not unwrap the store's keys";
  EXPECT_EQ(other.error(), errc::bad_key);
  auto id = s->rotate_key(kek_, false);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, 2u);
  ingest_n(*s, 3, 3);
  expect_readable(*s, 6);
  s->close();
  s.reset();
  auto again = open_ok(sealed(kek_));
  ASSERT_TRUE(again);
  expect_readable(*again, 6);
  again->close();
}

}  // namespace jubes::storage::contract
