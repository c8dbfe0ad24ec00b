// SPDX-License-Identifier: EUPL-1.2
// Bodies at rest end to end: the real jubesd and jubesctl over mTLS, on both backends. Messages
// carrying a known BSN and name go in and come back intact, while the raw store holds neither (LMDB:
// data.mdb and a `jubesctl backup`; PostgreSQL: the cluster's files, `pg_dump` of the database and
// a `pg_basebackup`); a wrong or missing KEK is refused at start naming the file; `jubesctl keys
// rotate` (while jubesd runs, and offline with --reencrypt) keeps every message readable;
// `jubesctl check` finds a byte flipped in a sealed body.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "pg_server.hpp"
#include "support.hpp"

namespace jubes::e2e {
namespace {

constexpr std::string_view bsn = "123456782", name = "Dijk";  // conf/examples/piBeeindiging.xml

bool on_postgresql() {
  const char* b = std::getenv("JUBES_E2E_STORE");
  return b && std::string(b) == "postgresql";
}

/// A PostgreSQL client program (pg_dump, psql, pg_basebackup) of the test server's installation.
std::string pg_tool(const std::string& name) {
  for (const char* d : {"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"})
    if (fs::exists(fs::path(d) / name)) return (fs::path(d) / name).string();
  return name;
}

std::string hex_of(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) h += digits[c >> 4], h += digits[c & 15];
  return h;
}

class at_rest : public ::testing::Test {
 protected:
  void SetUp() override {
    kek_ = dir_.path() / "kek";
    write_kek(kek_, 'A');
    std::string text = test_config(dir_.path() / "data");
    text = std::regex_replace(text, std::regex("kek_file: kek"), "kek_file: " + kek_.string());
    ASSERT_NE(text.find(kek_.string()), std::string::npos) << "conf/jubes.yaml names kek_file";
    std::smatch m;
    if (on_postgresql()) {
      ASSERT_TRUE(std::regex_search(text, m, std::regex("conninfo: \"([^\"]*)\""))) << text;
      conninfo_ = m[1];
    }
    cfg_ = write_file(dir_.path(), "jubes.yaml", text);
  }
  /// One SQL statement on the test's database (psql). @return its output (unaligned, no header)
  std::string psql(const std::string& q) {
    auto r = run({pg_tool("psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo_, "-c", q});
    EXPECT_EQ(r.exit_code, 0) << q << ": " << r.output;
    return r.out;
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
    expect_no_plaintext_in(raw, file.string());
  }
  /// Neither the BSN nor the name nor the street, as bytes or as the hex of bytea text output.
  static void expect_no_plaintext_in(const std::string& raw, const std::string& what) {
    for (const std::string& needle :
         {std::string(bsn), std::string("<dti:geslachtsnaam>") + std::string(name), std::string("Kinkerstraat")}) {
      EXPECT_EQ(raw.find(needle), std::string::npos) << what << " holds " << needle;
      EXPECT_EQ(raw.find(hex_of(needle)), std::string::npos) << what << " holds " << needle << " (hex)";
    }
  }
  /// Every file under `dir` (recursively). @return how many bytes were searched
  static std::uintmax_t expect_no_plaintext_under(const fs::path& dir) {
    std::uintmax_t bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) {
        const std::string raw = slurp(e.path());
        bytes += raw.size();
        expect_no_plaintext_in(raw, e.path().string());
      }
    return bytes;
  }

  temp_dir dir_;
  fs::path cfg_, kek_;
  std::string conninfo_;  // PostgreSQL: the test's database
  std::unique_ptr<jubesd> d_;
};

TEST_F(at_rest, no_bsn_or_name_in_the_store_or_a_backup_and_messages_come_back_intact) {
  start();
  post(0, 20);
  expect_outbox(20);
  if (on_postgresql()) {
    // The control: the bodies really are in this database (as sealed bytea values).
    EXPECT_EQ(psql("SELECT count(*) FROM messages WHERE substring(body FROM 1 FOR 2) = '\\x1b4a'"), "20\n");
    // The database's files (tables, TOAST, WAL) after a checkpoint, a dump and a base backup.
    // The control: a plain value stored beside them is found by the same scan.
    const std::string control = "plain-control-" + std::to_string(::getpid()) + "-" + hex_of("x");
    psql("CREATE TABLE control (v text); INSERT INTO control VALUES ('" + control + "')");
    psql("CHECKPOINT");
    EXPECT_GT(expect_no_plaintext_under(pgtest::server().dir() / "data"), 1u << 20);
    bool seen = false;
    for (const auto& e : fs::recursive_directory_iterator(pgtest::server().dir() / "data"))
      if (e.is_regular_file() && slurp(e.path()).find(control) != std::string::npos) seen = true;
    EXPECT_TRUE(seen) << "the scan does not see what the database stores";
    auto dump = run({pg_tool("pg_dump"), "-d", conninfo_, "-f", (dir_.path() / "dump.sql").string()});
    ASSERT_EQ(dump.exit_code, 0) << dump.output;
    expect_no_plaintext(dir_.path() / "dump.sql");
    const std::string server = std::regex_replace(conninfo_, std::regex("dbname=[^ ]*"), "");
    auto base = run(
        {pg_tool("pg_basebackup"), "-d", server, "-D", (dir_.path() / "base").string(), "-X", "fetch", "-c", "fast"},
        std::chrono::seconds(120));
    ASSERT_EQ(base.exit_code, 0) << base.output;
    EXPECT_GT(expect_no_plaintext_under(dir_.path() / "base"), 1u << 20);
  } else {
    auto b = jubesctl({"backup", (dir_.path() / "backup").string()});
    ASSERT_EQ(b.exit_code, 0) << b.output;
    expect_no_plaintext(dir_.path() / "data" / "store" / "data.mdb");
    expect_no_plaintext(dir_.path() / "backup" / "data.mdb");
  }
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
  auto r = jubesctl({"keys", "rotate"});  // LMDB: through the running jubesd; PostgreSQL: on the database
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("data key 2 is now active"), std::string::npos) << r.output;
  post(5, 5);
  expect_outbox(10);
  if (on_postgresql()) {  // the running jubesd sealed the later messages with the new key
    EXPECT_EQ(
        psql("SELECT k || ':' || count(*) FROM (SELECT get_byte(body, 7) AS k FROM messages) x GROUP BY k ORDER BY k"),
        "1:5\n2:5\n");
  }
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
  if (on_postgresql()) {  // --reencrypt left nothing under an older key
    EXPECT_EQ(
        psql("SELECT k || ':' || count(*) FROM (SELECT get_byte(body, 7) AS k FROM messages) x GROUP BY k ORDER BY k"),
        "3:10\n");
  }
  start();
  expect_outbox(10);
  post(10, 2);
  expect_outbox(12);
}

TEST_F(at_rest, check_finds_a_byte_flipped_in_a_sealed_blob) {
  start();
  post(0, 4);
  stop();
  if (on_postgresql()) {
    const std::string id = psql("SELECT id FROM messages ORDER BY id OFFSET 2 LIMIT 1");
    ASSERT_FALSE(id.empty());
    const std::string bad = id.substr(0, id.find('\n'));
    psql("UPDATE messages SET body = set_byte(body, 40, get_byte(body, 40) # 4) WHERE id = " + bad);
    auto c = jubesctl({"check"});
    EXPECT_NE(c.exit_code, 0) << c.output;
    EXPECT_NE(c.output.find("message " + bad + ": sealed body: authentication failed"), std::string::npos) << c.output;
    return;
  }
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
