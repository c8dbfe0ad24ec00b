// SPDX-License-Identifier: EUPL-1.2
// Bodies at rest on PostgreSQL beyond the contract (contract/at_rest_suite.hpp): what the table
// holds, bodies written before schema 4, nodes sharing the data keys, re-encryption, and check
// naming the first body that does not open.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "contract/contract_util.hpp"
#include "pg_util.hpp"
#include "storage/body_codec.hpp"
#include "storage/errc.hpp"

namespace jubes::pgstore {
namespace {

using storage::ingest_outcome;
using storage::ingest_result;
using storage::contract::await;
using storage::contract::request;

/// Runs one SQL statement (text results). @return its first value ("" when it has no row)
std::string sql(const std::string& conninfo, const std::string& q) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(conninfo.c_str()), PQfinish);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(c.get(), q.c_str()), PQclear);
  auto s = PQresultStatus(r.get());
  EXPECT_TRUE(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) << q << ": " << PQerrorMessage(c.get());
  return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

std::string body(int i) {
  return "<bsn>123456782</bsn><naam>Dijk " + std::to_string(i) + "</naam>" + std::string(200, 'x');
}

class pg_at_rest : public ::testing::Test {
 protected:
  void SetUp() override { ci_ = pgtest::migrated_database(); }
  options sealed(const storage::key_bytes& kek) const {
    auto o = pgtest::test_options(ci_);
    o.at_rest.comp = storage::compression::zstd;
    o.at_rest.kek = kek;
    o.at_rest.kek_source = "/pg/kek";
    return o;
  }
  static void ingest_n(storage::backend& b, int from, int n) {
    for (int i = from; i < from + n; ++i) {
      auto r = await<ingest_result>([&](storage::completion<ingest_result> d) {
        b.submit(request("pa-" + std::to_string(i), {"rvdk"}, body(i)), std::move(d));
      });
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_EQ(r->outcome, ingest_outcome::accepted);
    }
  }
  static void expect_readable(storage::backend& b, int n) {
    auto es = b.read_outbox("rvdk", 0, 10000);
    ASSERT_TRUE(es) << es.error().message();
    ASSERT_EQ(es->size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) EXPECT_EQ((*es)[i].body, body(i)) << i;
  }
  /// How many kept bodies are sealed with data key `id` (0: not encrypted), from their headers.
  std::string under_key(int id) const {
    return sql(ci_,
               "SELECT count(*) FROM messages WHERE body IS NOT NULL AND substring(body FROM 1 FOR 2) = '\\x1b4a' AND "
               "get_byte(body, 7) = " +
                   std::to_string(id));
  }

  std::string ci_;
  storage::key_bytes kek_ = storage::random_key();
};

TEST_F(pg_at_rest, the_table_holds_sealed_bodies_and_wrapped_keys_only) {
  auto s = pgtest::open_ok(sealed(kek_));
  ASSERT_TRUE(s);
  ingest_n(*s, 0, 10);
  expect_readable(*s, 10);
  EXPECT_EQ(sql(ci_, "SELECT count(*) FROM messages WHERE position('123456782'::bytea IN body) > 0"), "0");
  EXPECT_EQ(sql(ci_, "SELECT count(*) FROM messages WHERE position('Dijk'::bytea IN body) > 0"), "0");
  EXPECT_EQ(under_key(1), "10");
  EXPECT_EQ(sql(ci_, "SELECT string_agg(id || ':' || active || ':' || octet_length(wrapped), ',') FROM data_keys"),
            "1:true:60");
  // read_batch caps by the plain size (from the sealed header), not by the smaller sealed one.
  auto b = s->read_batch("rvdk", 0, 100, body(0).size() * 3);
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->entries.size(), 3u);
  EXPECT_TRUE(b->more);
  s->close();
}

TEST_F(pg_at_rest, bodies_written_before_stay_readable_and_reencrypt_seals_them) {
  {
    auto plain = pgtest::open_ok(pgtest::test_options(ci_));  // no compression, no KEK: as before schema 4
    ASSERT_TRUE(plain);
    ingest_n(*plain, 0, 3);
    plain->close();
  }
  EXPECT_EQ(sql(ci_, "SELECT count(*) FROM messages WHERE position('123456782'::bytea IN body) > 0"), "3");
  auto s = pgtest::open_ok(sealed(kek_));
  ASSERT_TRUE(s);
  ingest_n(*s, 3, 2);
  expect_readable(*s, 5);
  auto rep = s->check();
  EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
  EXPECT_EQ(rep.plain_blobs, 3u);
  EXPECT_EQ(rep.blobs, 5u);
  auto id = s->rotate_key(kek_, false);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, 2u);
  auto n = s->reseal(2);  // two per transaction: several transactions
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(under_key(2), "5");
  EXPECT_EQ(sql(ci_, "SELECT count(*) FROM messages WHERE position('123456782'::bytea IN body) > 0"), "0");
  auto again = s->reseal();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u) << "nothing left under an older key";
  expect_readable(*s, 5);
  rep = s->check();
  EXPECT_TRUE(rep.ok()) << (rep.problems.empty() ? "" : rep.problems.front());
  EXPECT_EQ(rep.plain_blobs, 0u);
  s->close();
}

TEST_F(pg_at_rest, nodes_share_the_keys_and_a_rotation_on_one_seals_the_next_batch_of_the_other) {
  auto a = pgtest::open_ok(sealed(kek_));
  auto b = pgtest::open_ok(sealed(kek_));
  ASSERT_TRUE(a && b);
  ingest_n(*b, 0, 2);
  auto id = a->rotate_key(kek_, false);
  ASSERT_TRUE(id) << id.error().message();
  // b sealed with key 1 on the caller's thread; its batch reads key 2 as active and seals again.
  ingest_n(*b, 2, 2);
  EXPECT_EQ(under_key(1), "2");
  EXPECT_EQ(under_key(2), "2");
  expect_readable(*a, 4);
  expect_readable(*b, 4);
  auto other = store::open(sealed(storage::random_key()));
  ASSERT_FALSE(other) << "a node with another KEK";
  EXPECT_EQ(other.error(), storage::errc::bad_key);
  EXPECT_NE(other.error().detail.find("/pg/kek"), std::string::npos) << other.error().detail;
  a->close();
  b->close();
}

TEST_F(pg_at_rest, check_names_the_first_body_that_does_not_open) {
  auto s = pgtest::open_ok(sealed(kek_));
  ASSERT_TRUE(s);
  ingest_n(*s, 0, 4);
  const std::string second = sql(ci_, "SELECT id FROM messages ORDER BY id OFFSET 1 LIMIT 1");
  sql(ci_, "UPDATE messages SET body = set_byte(body, 40, get_byte(body, 40) # 4) WHERE id >= " + second);
  auto rep = s->check();
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.problems.front().rfind("message " + second + ": ", 0), 0u) << rep.problems.front();
  EXPECT_NE(rep.problems.front().find("authentication failed"), std::string::npos) << rep.problems.front();
  EXPECT_EQ(rep.problems.size(), 3u);
  auto m = s->get(std::stoull(second));
  ASSERT_FALSE(m) << "a damaged body is an error, never other bytes";
  EXPECT_EQ(m.error(), storage::errc::corrupt);
  s->close();
}

}  // namespace
}  // namespace jubes::pgstore
