// SPDX-License-Identifier: EUPL-1.2
// Bodies at rest end to end: the real jubesd and jubesctl over mTLS. Messages carrying a known BSN
// and name go in and come back intact, while neither data.mdb nor a `jubesctl backup` holds either;
// a wrong or missing KEK is refused at start naming the file; `jubesctl keys rotate` (through the
// running jubesd, and offline with --reencrypt) keeps every message readable; `jubesctl check`
// finds a byte flipped in a sealed blob.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "support.hpp"

namespace jubes::e2e {
namespace {

constexpr std::string_view bsn = "123456782", name = "Dijk";  // conf/examples/piBeeindiging.xml

class at_rest : public ::testing::Test {
 protected:
  void SetUp() override {
    kek_ = dir_.path() / "kek";
    write_kek(kek_, 'A');
    std::string text = test_config(dir_.path() / "data");
    text = std::regex_replace(text, std::regex("kek_file: kek"), "kek_file: " + kek_.string());
    ASSERT_NE(text.find(kek_.string()), std::string::npos) << "conf/jubes.yaml names kek_file";
    cfg_ = write_file(dir_.path(), "jubes.yaml", text);
  }
  static void write_kek(const fs::path& p, char fill) {
    std::ofstream(p, std::ios::binary) << std::string(32, fill);
    ::chmod(p.c_str(), 0600);
  }
  void start() {
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  run_result jubesctl(std::vector<std::string> args) {
    std::vector<std::string> argv{JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir",
                                  (dir_.path() / "data").string()};
    if (d_) argv.insert(argv.end(), {"--listen", "127.0.0.1:" + std::to_string(d_->api_port())});
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  void post(int from, int n) {
    auto c = d_->client_for("tulp-gw");
    for (int i = from; i < from + n; ++i) {
      auto r = c.request("POST", "/v1/messages", with_ref(example("piBeeindiging"), "AT-REST-" + std::to_string(i)));
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 201u) << r->body;
    }
  }
  /// Every message of the outbox comes back whole, with the BSN and the name.
  void expect_outbox(int n) {
    auto c = d_->client_for("gemeente:0363/bij");
    auto r = c.request("GET", "/v1/outbox?after=0&max=1000");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200u) << r->body;
    for (int i = 0; i < n; ++i) EXPECT_NE(r->body.find("AT-REST-" + std::to_string(i) + "<"), std::string::npos) << i;
    std::size_t count = 0;
    for (auto at = r->body.find(std::string(bsn)); at != std::string::npos; at = r->body.find(std::string(bsn), at + 1))
      ++count;
    EXPECT_EQ(count, static_cast<std::size_t>(n));
    EXPECT_NE(r->body.find("<dti:geslachtsnaam>" + std::string(name) + "</dti:geslachtsnaam>"), std::string::npos);
  }
  void stop() {
    ASSERT_EQ(d_->stop(), 0);
    d_.reset();
  }
  static void expect_no_plaintext(const fs::path& file) {
    const std::string raw = slurp(file);
    ASSERT_GT(raw.size(), 4096u) << file;
    EXPECT_EQ(raw.find(bsn), std::string::npos) << file << " holds the BSN";
    EXPECT_EQ(raw.find(std::string("<dti:geslachtsnaam>") + std::string(name)), std::string::npos) << file;
    EXPECT_EQ(raw.find("Kinkerstraat"), std::string::npos) << file;
  }

  temp_dir dir_;
  fs::path cfg_, kek_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(at_rest, no_bsn_or_name_in_the_store_or_a_backup_and_messages_come_back_intact) {
  start();
  post(0, 20);
  expect_outbox(20);
  auto b = jubesctl({"backup", (dir_.path() / "backup").string()});
  ASSERT_EQ(b.exit_code, 0) << b.output;
  expect_no_plaintext(dir_.path() / "data" / "store" / "data.mdb");
  expect_no_plaintext(dir_.path() / "backup" / "data.mdb");
  auto c = jubesctl({"check"});
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("plain_blobs=0"), std::string::npos) << c.output;
}

TEST_F(at_rest, a_wrong_or_missing_kek_is_refused_at_start_naming_the_file) {
  start();
  post(0, 3);
  stop();
  write_kek(kek_, 'B');
  auto wrong = run({JUBESD_PATH, "--config", cfg_.string(), "--data-dir", (dir_.path() / "data").string(), "--listen",
                    "127.0.0.1:0", "--ops-listen", "127.0.0.1:0"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find(kek_.string()), std::string::npos) << wrong.output;
  EXPECT_NE(wrong.output.find("wrong key-encryption key"), std::string::npos) << wrong.output;
  auto ctl = jubesctl({"stats"});
  EXPECT_NE(ctl.exit_code, 0);
  EXPECT_NE(ctl.output.find("wrong key-encryption key"), std::string::npos) << ctl.output;
  fs::remove(kek_);
  auto missing = run({JUBESD_PATH, "--config", cfg_.string(), "--data-dir", (dir_.path() / "data").string(), "--listen",
                      "127.0.0.1:0", "--ops-listen", "127.0.0.1:0"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("key-encryption key " + kek_.string()), std::string::npos) << missing.output;
  write_kek(kek_, 'A');
  start();
  expect_outbox(3);
}

TEST_F(at_rest, rotation_keeps_old_messages_readable_online_and_offline) {
  start();
  post(0, 5);
  auto r = jubesctl({"keys", "rotate"});  // through the running jubesd
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("data key 2 is now active"), std::string::npos) << r.output;
  post(5, 5);
  expect_outbox(10);
  stop();
  r = jubesctl({"keys", "rotate", "--reencrypt"});  // on the stopped store
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("data key 3 is now active"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("re-encrypted"), std::string::npos) << r.output;
  auto c = jubesctl({"check"});
  EXPECT_EQ(c.exit_code, 0) << c.output;
  // Both rotations are operator actions on the audit trail: the operator certificate's party
  // through jubesd, the OS user on the store directly.
  auto audit = jubesctl({"--json", "audit", "list"});
  ASSERT_EQ(audit.exit_code, 0) << audit.output;
  std::size_t rotations = 0;
  for (auto at = audit.output.find("\"keys_rotated\""); at != std::string::npos;
       at = audit.output.find("\"keys_rotated\"", at + 1))
    ++rotations;
  EXPECT_EQ(rotations, 2u) << audit.output;
  EXPECT_NE(audit.output.find("\"os:"), std::string::npos) << audit.output;
  start();
  expect_outbox(10);
  post(10, 2);
  expect_outbox(12);
}

TEST_F(at_rest, check_finds_a_byte_flipped_in_a_sealed_blob) {
  start();
  post(0, 4);
  stop();
  const fs::path file = dir_.path() / "data" / "store" / "data.mdb";
  const std::string raw = slurp(file);
  int flipped = 0;  // every sealed blob header (zstd + AES-256-GCM), stale page copies included
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    for (auto at = raw.find("\x1bJ\x01\x03"); at != std::string::npos; at = raw.find("\x1bJ\x01\x03", at + 1)) {
      f.seekp(static_cast<std::streamoff>(at + 40));
      f.put(static_cast<char>(raw[at + 40] ^ 0x04));
      ++flipped;
    }
  }
  ASSERT_GE(flipped, 1);
  auto c = jubesctl({"check"});
  EXPECT_NE(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("authentication failed"), std::string::npos) << c.output;
}

}  // namespace
}  // namespace jubes::e2e
