// SPDX-License-Identifier: EUPL-1.2
#include "tables.hpp"

#include <gtest/gtest.h>

#include "database.hpp"
#include "storage/errc.hpp"
#include "test_util.hpp"

namespace jubes::storage::tables {
namespace {

/// A fresh environment with every table; each test writes in one transaction and reads it back.
class tables_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(database::open(db_, dir_.path(), MDB_NOSYNC, 8u << 20));
    ASSERT_TRUE(db_.open_tables(true));
    auto t = db_.begin_write();
    ASSERT_TRUE(t) << t.error().message();
    t_ = std::move(*t);
  }
  const all& tb() const { return db_.t(); }
  /// Overwrites a value with bytes no accessor wrote, as a disk fault or a bug might.
  void damage(const table& table, std::string_view key, std::string_view value) {
    ASSERT_EQ(lmdb::put(t_, table.dbi(), key, value), 0);
  }

  jubes::testing::temp_dir dir_{"tables"};
  database db_;
  lmdb::txn t_;
};

codec::message_rec message(std::int64_t at) {
  codec::message_rec r;
  r.accepted_at_ms = at;
  r.party = "tulp-gw";
  r.refnr = "ref";
  r.message_type = "piBeeindiging";
  r.recipients = {"rvdk"};
  return r;
}

TEST_F(tables_test, messages_round_trip_and_not_found_is_a_value) {
  ASSERT_TRUE(tb().messages.put(t_, 7, message(42), true));
  auto got = tb().messages.get(t_, 7);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->accepted_at_ms, 42);
  EXPECT_EQ((*got)->recipients, std::vector<std::string>{"rvdk"});
  auto missing = tb().messages.get(t_, 8);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  EXPECT_EQ(tb().messages.last_id(t_)->value_or(0), 7u);
  damage(tb().messages, messages_db::encode_key(9), "garbage");
  EXPECT_EQ(tb().messages.get(t_, 9).error(), errc::corrupt);
  // A damaged newest record does not hide the highest id (the store must still open).
  EXPECT_EQ(tb().messages.last_id(t_)->value_or(0), 9u);
}

TEST_F(tables_test, scan_yields_entries_in_key_order_and_goes_on_past_damage) {
  ASSERT_TRUE(tb().messages.put(t_, 1, message(1)));
  damage(tb().messages, messages_db::encode_key(2), "x");
  ASSERT_TRUE(tb().messages.put(t_, 3, message(3)));
  auto sc = scan<messages_db>::open(t_, tb().messages);
  ASSERT_TRUE(sc);
  auto e = sc->first();
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->id, 1u);
  e = sc->next();
  EXPECT_EQ(e.error(), errc::corrupt);
  e = sc->next();
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->id, 3u);
  e = sc->next();
  ASSERT_TRUE(e);
  EXPECT_FALSE(*e);
  auto from2 = sc->seek(3);
  ASSERT_TRUE(from2 && *from2);
  EXPECT_EQ((*from2)->rec.accepted_at_ms, 3);
}

TEST_F(tables_test, blobs_hold_bodies_and_reject_bodies_outside_them) {
  ASSERT_TRUE(tb().blobs.put(t_, 5, {5, 6}, "<a/><bb/>"));
  auto b = tb().blobs.get(t_, 5);
  ASSERT_TRUE(b && *b);
  EXPECT_EQ((*b)->ids(), (std::vector<std::uint64_t>{5, 6}));
  codec::message_rec rec;
  rec.body_offset = 4;
  rec.body_len = 5;
  EXPECT_EQ(*blobs_db::body(**b, rec), "<bb/>");
  rec.body_len = 6;
  EXPECT_EQ(blobs_db::body(**b, rec).error(), errc::corrupt);
  EXPECT_FALSE(*tb().blobs.get(t_, 6));
  EXPECT_TRUE(*tb().blobs.del(t_, 5));
  EXPECT_FALSE(*tb().blobs.del(t_, 5));
  damage(tb().blobs, blobs_db::encode_key(8), "\x09");
  EXPECT_EQ(tb().blobs.get(t_, 8).error(), errc::corrupt);
}

TEST_F(tables_test, dedup_insert_is_once_per_key_and_its_key_decodes) {
  codec::dedup_rec d;
  d.message_id = 3;
  d.accepted_at_ms = 99;
  dedup_db::key k{"tulp-gw", "ref-1"};
  EXPECT_TRUE(*tb().dedup.insert(t_, k, d));
  d.message_id = 4;
  EXPECT_FALSE(*tb().dedup.insert(t_, k, d));  // MDB_KEYEXIST is a value
  auto got = tb().dedup.get(t_, k);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->message_id, 3u);
  EXPECT_FALSE(*tb().dedup.get(t_, {"tulp-gw", "ref-2"}));
  auto sc = scan<dedup_db>::open(t_, tb().dedup);
  auto e = sc->first();
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->party, "tulp-gw");
  EXPECT_EQ((*e)->refnr, "ref-1");
  EXPECT_TRUE(*tb().dedup.del(t_, k));
  EXPECT_FALSE(*tb().dedup.del(t_, k));
  damage(tb().dedup, dedup_db::encode_key(k), "short");
  EXPECT_EQ(tb().dedup.get(t_, k).error(), errc::corrupt);
}

TEST_F(tables_test, outbox_heads_and_recipients) {
  EXPECT_EQ(*tb().outbox.head(t_, "rvdk"), 0u);
  EXPECT_FALSE(*tb().outbox.next_recipient(t_, ""));
  for (std::uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(tb().outbox.put(t_, {"rvdk", s}, 10 + s));
  ASSERT_TRUE(tb().outbox.put(t_, {"idv", 1}, 11));
  ASSERT_TRUE(tb().outbox.put(t_, {"rvdk-x", 1}, 12));  // a name that extends another
  EXPECT_EQ(*tb().outbox.head(t_, "rvdk"), 3u);
  EXPECT_EQ(*tb().outbox.head(t_, "rvd"), 0u);
  EXPECT_EQ(tb().outbox.get(t_, {"rvdk", 2})->value_or(0), 12u);
  EXPECT_FALSE(*tb().outbox.get(t_, {"rvdk", 4}));
  std::vector<std::string> names;
  for (std::string n;;) {
    auto next = tb().outbox.next_recipient(t_, n);
    ASSERT_TRUE(next);
    if (!*next) break;
    names.push_back(n = **next);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"idv", "rvdk", "rvdk-x"}));
  damage(tb().outbox, outbox_db::encode_key({"rvdk", 4}), "1234");
  EXPECT_EQ(tb().outbox.get(t_, {"rvdk", 4}).error(), errc::corrupt);
}

TEST_F(tables_test, cursors_parked_meta_and_audit) {
  EXPECT_FALSE(*tb().cursors.get(t_, "rvdk"));
  ASSERT_TRUE(tb().cursors.put(t_, "rvdk", 5));
  EXPECT_EQ(tb().cursors.get(t_, "rvdk")->value_or(0), 5u);
  damage(tb().cursors, "idv", "x");
  EXPECT_EQ(tb().cursors.get(t_, "idv").error(), errc::corrupt);

  ASSERT_TRUE(tb().parked.put(t_, 4));
  EXPECT_EQ(*tb().parked.count(t_), 1u);
  EXPECT_TRUE(*tb().parked.del(t_, 4));
  EXPECT_FALSE(*tb().parked.del(t_, 4));

  EXPECT_FALSE(*tb().meta.get(t_, meta_db::key::purged_bodies));
  ASSERT_TRUE(tb().meta.put(t_, meta_db::key::purged_bodies, 12));
  EXPECT_EQ(tb().meta.get(t_, meta_db::key::purged_bodies)->value_or(0), 12u);
  damage(tb().meta, "dedup_purged_upto", "bad");
  EXPECT_EQ(tb().meta.get(t_, meta_db::key::dedup_purged_upto).error(), errc::corrupt);

  EXPECT_FALSE(*tb().audit.last_seq(t_));
  audit_record a;
  a.at_ms = 17;
  a.kind = audit_kind::read;
  a.message_id = 3;
  a.party = "rvdk";
  ASSERT_TRUE(tb().audit.append(t_, 1, a));
  ASSERT_TRUE(tb().audit.append(t_, 2, a));
  EXPECT_EQ(tb().audit.last_seq(t_)->value_or(0), 2u);
  auto sc = scan<audit_db>::open(t_, tb().audit);
  auto e = sc->last();
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->rec.party, "rvdk");
  damage(tb().audit, audit_db::encode_key(3), "");
  EXPECT_EQ(sc->last().error(), errc::corrupt);
}

}  // namespace
}  // namespace jubes::storage::tables
