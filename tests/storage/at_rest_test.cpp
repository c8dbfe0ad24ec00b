// SPDX-License-Identifier: EUPL-1.2
// Bodies at rest in the LMDB store: nothing readable in data.mdb or a backup, the KEK refused
// when missing or wrong, plain stores of before still readable, rotation and re-encryption,
// and check() finding a damaged sealed blob.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <fstream>
#include <iterator>
#include <map>

#include "codec.hpp"
#include "storage/admin.hpp"
#include "storage/body_codec.hpp"
#include "storage/errc.hpp"
#include "test_util.hpp"

namespace jubes::storage {
namespace {

using test::make_req;
using test::temp_dir;

constexpr std::string_view bsn = "999993653", name = "Zwartkruis";

std::string body(int i) {
  return "<dti:piBeeindiging><bsn>" + std::string(bsn) + "</bsn><geslachtsnaam>" + std::string(name) +
         "</geslachtsnaam><n>" + std::to_string(i) + "</n></dti:piBeeindiging>";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Key id of every blob in the file (0: a plain blob), read with LMDB directly.
std::map<std::uint32_t, int> blob_keys(const std::filesystem::path& dir) {
  std::map<std::uint32_t, int> out;
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_maxdbs(env, 64);
  EXPECT_EQ(mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0600), 0);
  MDB_txn* t = nullptr;
  mdb_txn_begin(env, nullptr, MDB_RDONLY, &t);
  MDB_dbi dbi = 0;
  EXPECT_EQ(mdb_dbi_open(t, "blobs", 0, &dbi), 0);
  MDB_cursor* c = nullptr;
  mdb_cursor_open(t, dbi, &c);
  MDB_val k{}, v{};
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    std::string_view val(static_cast<const char*>(v.mv_data), v.mv_size);
    codec::blob_header h;
    EXPECT_TRUE(codec::decode_blob_header(val, h));
    auto info = body_codec::peek(val.substr(h.header_len));
    ++out[info && info->encrypted ? info->key_id : 0];
  }
  mdb_cursor_close(c);
  mdb_txn_abort(t);
  mdb_env_close(env);
  return out;
}

class at_rest_test : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_ = test::test_options(dir_.path() / "store");
    opts_.at_rest = encrypted(kek_);
  }
  static at_rest_options encrypted(const key_bytes& kek) {
    at_rest_options a;
    a.comp = compression::zstd;
    a.kek = kek;
    a.kek_source = "/test/kek";
    return a;
  }
  void ingest_n(store& s, int from, int n) {
    for (int i = from; i < from + n; ++i)
      test::ingest_ok(s, make_req("tulp-gw", "r" + std::to_string(i), {"rvdk"}, body(i)));
  }
  void expect_all_readable(store& s, int n) {
    auto es = s.read_outbox("rvdk", 0, 10000);
    ASSERT_TRUE(es) << es.error().message();
    ASSERT_EQ(es->size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) EXPECT_EQ((*es)[i].body, body(i)) << i;
    auto r = s.check();
    EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems.front());
  }
  temp_dir dir_;
  key_bytes kek_ = random_key();
  options opts_;
};

TEST_F(at_rest_test, neither_the_store_nor_a_backup_holds_a_bsn_or_name) {
  {
    auto s = test::open_ok(opts_);
    ingest_n(*s, 0, 50);
    expect_all_readable(*s, 50);
    ASSERT_TRUE(s->backup(dir_.path() / "backup"));
  }
  for (auto f : {opts_.dir / "data.mdb", dir_.path() / "backup" / "data.mdb"}) {
    const std::string raw = slurp(f);
    ASSERT_GT(raw.size(), 0u) << f;
    EXPECT_EQ(raw.find(bsn), std::string::npos) << f;
    EXPECT_EQ(raw.find(name), std::string::npos) << f;
  }
  // The backup opens with the same KEK, and only with it.
  auto b = store::open_readonly(dir_.path() / "backup", open_check::full, opts_.at_rest);
  ASSERT_TRUE(b) << b.error().message();
  expect_all_readable(**b, 50);
  EXPECT_FALSE(store::open_readonly(dir_.path() / "backup", open_check::structure, {}));
}

TEST_F(at_rest_test, a_missing_or_wrong_kek_is_refused_at_open) {
  { auto s = test::open_ok(opts_); }
  auto no_kek = opts_;
  no_kek.at_rest.kek.reset();
  auto r = store::open(no_kek);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_key);
  EXPECT_NE(r.error().detail.find("no key-encryption key"), std::string::npos) << r.error().detail;
  auto wrong = opts_;
  wrong.at_rest = encrypted(random_key());
  r = store::open(wrong);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_key);
  EXPECT_NE(r.error().detail.find("/test/kek"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("GCM tag mismatch"), std::string::npos) << r.error().detail;
  auto ro = store::open_readonly(opts_.dir, open_check::structure, wrong.at_rest);
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error(), errc::bad_key);
  EXPECT_TRUE(test::open_ok(opts_)) << "the right KEK still opens it";
}

TEST_F(at_rest_test, a_plain_store_of_before_stays_readable_and_check_counts_it) {
  auto plain = opts_;
  plain.at_rest = {};
  { ingest_n(*test::open_ok(plain), 0, 10); }
  auto s = test::open_ok(opts_);
  ingest_n(*s, 10, 10);
  expect_all_readable(*s, 20);
  auto r = s->check();
  EXPECT_GE(r.plain_blobs, 1u);
  EXPECT_LT(r.plain_blobs, r.blobs);
  s.reset();
  auto keys = blob_keys(opts_.dir);
  EXPECT_GE(keys[0], 1);
  EXPECT_GE(keys[1], 1);
}

TEST_F(at_rest_test, rotation_uses_the_new_key_keeps_old_ones_readable_and_reencrypts) {
  auto s = test::open_ok(opts_);
  ingest_n(*s, 0, 10);
  auto id = s->rotate_key(kek_, false);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, 2u);
  EXPECT_EQ(s->keys(), std::make_pair(2u, std::size_t{2}));
  ingest_n(*s, 10, 10);
  expect_all_readable(*s, 20);
  EXPECT_FALSE(s->rotate_key(random_key(), false)) << "a KEK that does not unwrap the keys";
  s.reset();
  auto keys = blob_keys(opts_.dir);
  EXPECT_GE(keys[1], 1);
  EXPECT_GE(keys[2], 1);
  s = test::open_ok(opts_);  // reopened: both keys unwrap, key 2 active
  expect_all_readable(*s, 20);
  auto n = s->reseal(1);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(*n, static_cast<std::uint64_t>(keys[1]));
  expect_all_readable(*s, 20);
  s.reset();
  keys = blob_keys(opts_.dir);
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_GE(keys[2], 2);
}

TEST_F(at_rest_test, check_finds_a_flipped_byte_in_a_sealed_blob) {
  { ingest_n(*test::open_ok(opts_), 0, 5); }
  // Every copy of a sealed blob's header (zstd + AES-256-GCM): the live one and any stale copy in
  // a page a later transaction freed. A byte of each ciphertext flipped.
  const std::string raw = slurp(opts_.dir / "data.mdb");
  int flipped = 0;
  {
    std::fstream f(opts_.dir / "data.mdb", std::ios::in | std::ios::out | std::ios::binary);
    for (auto at = raw.find("\x1bJ\x01\x03"); at != std::string::npos; at = raw.find("\x1bJ\x01\x03", at + 1)) {
      f.seekp(static_cast<std::streamoff>(at + 40));
      f.put(static_cast<char>(raw[at + 40] ^ 0x20));
      ++flipped;
    }
  }
  ASSERT_GE(flipped, 1);
  auto r = admin::check_isolated(opts_.dir, opts_.at_rest);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems.front().find("authentication failed"), std::string::npos) << r.problems.front();
  auto s = test::open_ok(opts_);
  for (std::uint64_t id = 1; id <= 5; ++id) {
    auto m = s->get(id);
    ASSERT_FALSE(m) << "message " << id << " of a damaged blob";
    EXPECT_EQ(m.error(), errc::corrupt);
  }
}

}  // namespace
}  // namespace jubes::storage
