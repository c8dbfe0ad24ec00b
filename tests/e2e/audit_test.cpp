// SPDX-License-Identifier: EUPL-1.2
// The audit trail end to end: operator actions over mutual TLS (routes reload, re-route, purge,
// backup) appear in `jubesctl audit list --json` and GET /v1/admin/audit with the operator's
// certificate identity and reason; actions of jubesctl on a stopped gateway with the OS user; and
// records altered, removed or reordered in the LMDB file with plain liblmdb, outside jubes, are
// found by `jubesctl audit verify`, which names the first bad record and exits 1.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <boost/json.hpp>
#include <regex>

#include "support.hpp"

namespace jubes::e2e {
namespace {

class audit : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string conf = std::string(JUBES_SOURCE_DIR) + "/conf";
    fs::copy_file(conf + "/routes.yaml", dir_.path() / "routes.yaml");
    fs::copy_file(conf + "/bij-deelnemers.yaml", dir_.path() / "bij-deelnemers.yaml");
    fs::copy_file(conf + "/gemeente-splitsingen.yaml", dir_.path() / "gemeente-splitsingen.yaml");
    std::string text = test_config(dir_.path() / "data");
    text = std::regex_replace(text, std::regex("routes_file: [^\n]*"),
                              "routes_file: " + (dir_.path() / "routes.yaml").string());
    cfg_ = write_file(dir_.path(), "jubes.yaml", text);
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }

  run_result jubesctl(std::vector<std::string> args, const fs::path& data = {}) {
    std::vector<std::string> argv{JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir",
                                  (data.empty() ? dir_.path() / "data" : data).string()};
    if (d_->started()) argv.insert(argv.end(), {"--listen", "127.0.0.1:" + std::to_string(d_->api_port())});
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  unsigned post(const std::string& party, const std::string& xml) {
    auto c = d_->client_for(party);
    auto r = c.request("POST", "/v1/messages", xml);
    return r ? r->status : 0;
  }
  /// `jubesctl audit list --json ARGS`, parsed.
  boost::json::array list(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"audit", "list", "--json"});
    auto r = jubesctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // stdout and stderr come together: the array is from the first '[' to the last ']'.
    const auto from = r.output.find('['), to = r.output.rfind(']');
    boost::system::error_code ec;
    auto v = boost::json::parse(from == std::string::npos || to == std::string::npos || to < from
                                    ? std::string("?")
                                    : r.output.substr(from, to - from + 1),
                                ec);
    EXPECT_FALSE(ec) << r.output;
    return ec || !v.is_array() ? boost::json::array{} : v.as_array();
  }
  static const boost::json::object* find_kind(const boost::json::array& a, std::string_view kind) {
    for (const auto& v : a)
      if (v.as_object().at("kind").as_string() == kind) return &v.as_object();
    return nullptr;
  }

  temp_dir dir_;
  fs::path cfg_;
  std::unique_ptr<jubesd> d_;
};

TEST_F(audit, operator_actions_over_mtls_are_listed_with_the_operator_identity_and_reason) {
  ASSERT_EQ(post("tulp-gw", unroutable("AUD-PARK")), 201u);
  std::string routes = slurp(dir_.path() / "routes.yaml");
  routes += "\n  - id: test-overig\n    types: [piBeeindiging]\n    recipients: ['gemeente:0363/bij']\n";
  write_file(dir_.path(), "routes.yaml", routes);
  auto r = jubesctl({"routes", "reload", "--reason", "ticket 17: overig to rvdk"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = jubesctl({"parked", "reroute", "--all", "--reason", "ticket 17"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = jubesctl({"purge", "--reason", "weekly"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = jubesctl({"backup", (dir_.path() / "bk").string(), "--reason", "before upgrade"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(dir_.path() / "bk" / "data.mdb"));

  auto all = list();
  struct want {
    const char* kind;
    const char* reason;
  } wants[] = {{"routes_reloaded", "reason: ticket 17: overig to rvdk"},
               {"reroute_ordered", "reason: ticket 17"},
               {"purge_ordered", "reason: weekly"},
               {"backup_taken", "reason: before upgrade"}};
  for (const auto& w : wants) {
    const auto* rec = find_kind(all, w.kind);
    ASSERT_NE(rec, nullptr) << w.kind << " missing in " << boost::json::serialize(all);
    EXPECT_EQ(rec->at("party").as_string(), "operator") << w.kind;
    EXPECT_NE(std::string(rec->at("detail").as_string()).find(w.reason), std::string::npos)
        << boost::json::serialize(*rec);
    EXPECT_EQ(rec->at("hash").as_string().size(), 64u);
  }
  // The re-route is in the same transaction as its rerouted record, which follows it.
  const auto* ordered = find_kind(all, "reroute_ordered");
  const auto* rerouted = find_kind(all, "rerouted");
  ASSERT_TRUE(ordered && rerouted);
  EXPECT_EQ(rerouted->at("seq").as_int64(), ordered->at("seq").as_int64() + 1);
  EXPECT_EQ(rerouted->at("message_id"), ordered->at("message_id"));

  // The filters, and the operator endpoint serving the same records.
  auto mine = list({"--party", "operator"});
  EXPECT_EQ(mine.size(), 4u) << boost::json::serialize(mine);
  auto msg = list({"--message", std::to_string(ordered->at("message_id").as_int64())});
  EXPECT_GE(msg.size(), 3u);  // parked, reroute_ordered, rerouted
  EXPECT_TRUE(list({"--since", "2999-01-01"}).empty());
  auto op = d_->client_for("operator").request("GET", "/v1/admin/audit?party=operator");
  ASSERT_TRUE(op);
  ASSERT_EQ(op->status, 200u) << op->body;
  EXPECT_EQ(boost::json::parse(op->body), boost::json::value(mine));
  auto not_op = d_->client_for("rvdk").request("GET", "/v1/admin/audit");
  ASSERT_TRUE(not_op);
  EXPECT_EQ(not_op->status, 404u);
  auto bad = d_->client_for("operator").request("GET", "/v1/admin/audit?since=yesterday");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400u);

  r = jubesctl({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok: "), std::string::npos) << r.output;
}

TEST_F(audit, actions_on_a_stopped_gateway_are_attributed_to_the_os_user) {
  ASSERT_EQ(post("tulp-gw", unroutable("AUD-OFF")), 201u);
  ASSERT_EQ(d_->stop(), 0);
  auto r = jubesctl({"purge", "--reason", "offline"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = jubesctl({"backup", (dir_.path() / "bk").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto all = list();
  const auto* p = find_kind(all, "purge_ordered");
  ASSERT_NE(p, nullptr) << boost::json::serialize(all);
  EXPECT_EQ(std::string(p->at("party").as_string()).rfind("os:", 0), 0u) << boost::json::serialize(*p);
  EXPECT_NE(std::string(p->at("detail").as_string()).find("reason: offline"), std::string::npos);
  const auto* b = find_kind(all, "backup_taken");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(std::string(b->at("party").as_string()).rfind("os:", 0), 0u);
}

/// The LMDB environment of a store directory, opened with plain liblmdb (no jubes code).
class raw_env {
 public:
  explicit raw_env(const fs::path& dir) {
    mdb_env_create(&env_);
    mdb_env_set_maxdbs(env_, 16);
    mdb_env_set_mapsize(env_, 1ull << 30);
    ok_ = mdb_env_open(env_, dir.c_str(), 0, 0600) == 0 && mdb_txn_begin(env_, nullptr, 0, &t_) == 0 &&
          mdb_dbi_open(t_, "audit", 0, &dbi_) == 0;
  }
  ~raw_env() {
    if (t_) mdb_txn_abort(t_);
    mdb_env_close(env_);
  }
  bool ok() const { return ok_; }
  static std::string key(std::uint64_t seq) {
    std::string k(8, '\0');
    for (int i = 7; i >= 0; --i, seq >>= 8) k[static_cast<std::size_t>(i)] = static_cast<char>(seq & 0xff);
    return k;
  }
  std::string get(std::uint64_t seq) {
    auto k = key(seq);
    MDB_val kv{k.size(), k.data()}, dv{};
    if (mdb_get(t_, dbi_, &kv, &dv) != 0) return {};
    return std::string(static_cast<const char*>(dv.mv_data), dv.mv_size);
  }
  bool put(std::uint64_t seq, std::string v) {
    auto k = key(seq);
    MDB_val kv{k.size(), k.data()}, dv{v.size(), v.data()};
    return mdb_put(t_, dbi_, &kv, &dv, 0) == 0;
  }
  bool del(std::uint64_t seq) {
    auto k = key(seq);
    MDB_val kv{k.size(), k.data()};
    return mdb_del(t_, dbi_, &kv, nullptr) == 0;
  }
  bool commit() {
    int rc = mdb_txn_commit(t_);
    t_ = nullptr;
    return rc == 0;
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* t_ = nullptr;
  MDB_dbi dbi_ = 0;
  bool ok_ = false;
};

TEST_F(audit, records_altered_removed_or_reordered_in_the_lmdb_file_are_named_by_audit_verify) {
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(post("tulp-gw", with_ref(example("piBeeindiging"), "T" + std::to_string(i))), 201u);
  auto cp = jubesctl({"audit", "checkpoint", "--json"});
  ASSERT_EQ(cp.exit_code, 0) << cp.output;
  ASSERT_NE(cp.output.find("{\"seq\""), std::string::npos) << cp.output;
  const auto line = cp.output.substr(cp.output.find("{\"seq\""));
  const auto checkpoint = write_file(dir_.path(), "checkpoint.json", line.substr(0, line.find('\n')));
  ASSERT_EQ(d_->stop(), 0);
  auto r = jubesctl({"audit", "verify", "--from-checkpoint", checkpoint.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // Each tampering on a copy of the data directory, by plain liblmdb.
  auto tampered = [&](const std::string& name, const std::function<bool(raw_env&)>& edit) {
    const fs::path copy = dir_.path() / name;
    fs::copy(dir_.path() / "data", copy, fs::copy_options::recursive);
    {
      raw_env env(copy / "store");
      EXPECT_TRUE(env.ok()) << name;
      EXPECT_TRUE(edit(env)) << name;
      EXPECT_TRUE(env.commit()) << name;
    }
    return jubesctl({"audit", "verify"}, copy);
  };
  auto altered = tampered("altered", [](raw_env& e) {
    std::string v = e.get(2);
    if (v.size() < 22) return false;
    v[21] = static_cast<char>(v[21] ^ 0x20);  // the first byte of the party ("tulp-gw" -> "Tulp-gw")
    return e.put(2, v);
  });
  EXPECT_EQ(altered.exit_code, 1) << altered.output;
  EXPECT_NE(altered.output.find("broken: seq 2: hash mismatch"), std::string::npos) << altered.output;

  auto removed = tampered("removed", [](raw_env& e) { return e.del(3); });
  EXPECT_EQ(removed.exit_code, 1) << removed.output;
  EXPECT_NE(removed.output.find("broken: seq 3: gap"), std::string::npos) << removed.output;

  auto reordered = tampered("reordered", [](raw_env& e) {
    std::string a = e.get(2), b = e.get(3);
    return !a.empty() && !b.empty() && e.put(2, b) && e.put(3, a);
  });
  EXPECT_EQ(reordered.exit_code, 1) << reordered.output;
  EXPECT_NE(reordered.output.find("broken: seq 2:"), std::string::npos) << reordered.output;
  EXPECT_NE(reordered.output.find("reordered"), std::string::npos) << reordered.output;

  auto truncated = tampered("truncated", [](raw_env& e) { return e.del(5); });
  EXPECT_EQ(truncated.exit_code, 1) << truncated.output;
  EXPECT_NE(truncated.output.find("broken: seq 5: truncated"), std::string::npos) << truncated.output;

  r = jubesctl({"audit", "verify", "--from-checkpoint", (dir_.path() / "nope.json").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = jubesctl({"audit", "verify", "--bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
}  // namespace jubes::e2e
