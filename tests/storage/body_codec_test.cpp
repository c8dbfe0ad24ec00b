// SPDX-License-Identifier: EUPL-1.2
// The sealing layer alone (storage/body_codec.hpp): round trips, tampering, wrong keys, the
// KEK file and key wrapping.
#include "storage/body_codec.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "storage/errc.hpp"
#include "testing/testing.hpp"

namespace jubes::storage {
namespace {

std::shared_ptr<const key_ring> ring_with(std::uint32_t id, const key_bytes& k) {
  auto r = std::make_shared<key_ring>();
  r->keys.emplace(id, k);
  r->active = id;
  return r;
}

std::string xml_bodies(int n) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += "<dti:piBeeindiging><bsn>11122233" + std::to_string(i % 10) +
         "</bsn><geslachtsnaam>Jansen</geslachtsnaam><ref>REF-" + std::to_string(i) + "</ref></dti:piBeeindiging>";
  return s;
}

std::string sealed(const body_codec& c, std::string_view plain, std::string_view ctx = "blob-1") {
  std::string out;
  auto r = c.seal(plain, ctx, out);
  EXPECT_TRUE(r) << r.error().message();
  return out;
}

TEST(body_codec, round_trips_every_combination) {
  const std::string plain = xml_bodies(40);
  for (auto comp : {compression::none, compression::zstd})
    for (bool enc : {false, true}) {
      body_codec c(comp, enc ? ring_with(7, random_key()) : nullptr);
      const std::string s = sealed(c, plain);
      auto info = body_codec::peek(s);
      ASSERT_TRUE(info);
      EXPECT_EQ(info->compressed, comp == compression::zstd);
      EXPECT_EQ(info->encrypted, enc);
      EXPECT_EQ(info->key_id, enc ? 7u : 0u);
      EXPECT_EQ(info->plain_len, plain.size());
      if (enc) {
        EXPECT_EQ(s.find("Jansen"), std::string::npos);
      }
      if (comp == compression::zstd) {
        EXPECT_LT(s.size() * 3, plain.size());
      }
      std::string back;
      auto r = c.open(s, "blob-1", back);
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(back, plain);
    }
}

TEST(body_codec, empty_and_incompressible_bodies_round_trip) {
  body_codec c(compression::zstd, ring_with(1, random_key()));
  const key_bytes noise = random_key();
  for (std::string plain : {std::string(), std::string(reinterpret_cast<const char*>(noise.data()), noise.size())}) {
    std::string back = "x";
    ASSERT_TRUE(c.open(sealed(c, plain), "blob-1", back));
    EXPECT_EQ(back, plain);
  }
}

TEST(body_codec, every_flipped_byte_is_refused) {
  body_codec c(compression::zstd, ring_with(1, random_key()));
  const std::string s = sealed(c, xml_bodies(5));
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string bad = s;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    std::string back;
    auto r = c.open(bad, "blob-1", back);
    ASSERT_FALSE(r) << "byte " << i;
    EXPECT_EQ(r.error(), errc::corrupt);
  }
  std::string back;
  EXPECT_FALSE(c.open(s.substr(0, s.size() - 1), "blob-1", back));
  EXPECT_FALSE(c.open(s, "blob-2", back)) << "moved to another blob";
}

TEST(body_codec, a_wrong_or_unknown_key_is_refused_naming_the_key) {
  body_codec writer(compression::zstd, ring_with(1, random_key()));
  const std::string s = sealed(writer, xml_bodies(3));
  body_codec other(compression::zstd, ring_with(1, random_key()));
  std::string back;
  auto r = other.open(s, "blob-1", back);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("authentication failed"), std::string::npos) << r.error().detail;
  body_codec none(compression::zstd, ring_with(2, random_key()));
  r = none.open(s, "blob-1", back);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("data key 1"), std::string::npos) << r.error().detail;
}

TEST(body_codec, rotation_keeps_old_values_readable) {
  const key_bytes k1 = random_key(), k2 = random_key();
  body_codec c(compression::zstd, ring_with(1, k1));
  const std::string old = sealed(c, "old body");
  auto two = std::make_shared<key_ring>();
  two->keys = {{1, k1}, {2, k2}};
  two->active = 2;
  c.set_keys(two);
  const std::string young = sealed(c, "new body");
  EXPECT_EQ(body_codec::peek(young)->key_id, 2u);
  std::string back;
  ASSERT_TRUE(c.open(old, "blob-1", back));
  EXPECT_EQ(back, "old body");
  ASSERT_TRUE(c.open(young, "blob-1", back));
  EXPECT_EQ(back, "new body");
}

TEST(body_codec, plain_legacy_values_are_not_taken_for_sealed_ones) {
  EXPECT_FALSE(body_codec::peek("<?xml version=\"1.0\"?><a/>"));
  EXPECT_FALSE(body_codec::peek(std::string("\0<\0a", 4)));
  EXPECT_FALSE(body_codec::peek(std::string("\0\0\0\x01", 4) + std::string(8, '\0')));
  body_codec c(compression::none, nullptr);
  std::string back;
  EXPECT_FALSE(c.open("<a/>", "", back));
}

TEST(key_wrap, unwraps_with_its_kek_only) {
  const key_bytes kek = random_key(), dek = random_key();
  const std::string w = wrap_key(kek, 3, dek);
  auto ok = unwrap_key(kek, 3, w);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, dek);
  auto wrong = unwrap_key(random_key(), 3, w);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), errc::bad_key);
  EXPECT_FALSE(unwrap_key(kek, 4, w)) << "the id is authenticated";
}

TEST(kek_file, reads_raw_and_hex_and_refuses_the_rest) {
  jubes::testing::temp_dir d;
  auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    auto p = d.path() / name;
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), mode);
    return p;
  };
  auto raw = read_kek_file(write("raw", std::string(32, 'k'), 0600));
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_EQ((*raw)[0], 'k');
  auto hex = read_kek_file(write("hex", std::string(62, '0') + "ff\n", 0400));
  ASSERT_TRUE(hex) << hex.error().message();
  EXPECT_EQ((*hex)[31], 0xff);
  for (auto [name, text, mode, why] : {std::tuple{"open", std::string(32, 'k'), 0644, "group or others"},
                                       std::tuple{"short", std::string(31, 'k'), 0600, "32 bytes"},
                                       std::tuple{"nothex", std::string(64, 'z'), 0600, "64 hex"}}) {
    auto p = write(name, text, static_cast<mode_t>(mode));
    auto r = read_kek_file(p);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error(), errc::bad_key);
    EXPECT_NE(r.error().detail.find(p.string()), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  }
  auto missing = read_kek_file(d.path() / "absent");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("absent"), std::string::npos);
}

}  // namespace
}  // namespace jubes::storage
