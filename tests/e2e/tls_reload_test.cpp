// SPDX-License-Identifier: EUPL-1.2
// Issue 16, "Certificate rotation without restart", against the real jubesd: after SIGHUP or
// `jubesctl tls reload` a new connection sees the new server certificate while an open one keeps
// working; a bad file keeps the old certificate and is logged and counted; a CA bundle reload lets
// a client of a new CA in; a CRL reload keeps a revoked client out, also on a connection it opened
// before (refused at its next request). The expiry metric follows the
// files. Each test works on its own copy of the test PKI, changed with scripts/dev-pki.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <ctime>
#include <regex>
#include <thread>

#include "support.hpp"

namespace jubes::e2e {
namespace {
using namespace std::chrono_literals;

std::string serial_hex(X509* x) {
  std::string out;
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      out = hex;
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  return out;
}

/// @return the serial (hex) and notAfter (Unix s) of the first certificate in `pem`
std::pair<std::string, std::int64_t> file_certificate(const fs::path& pem) {
  std::pair<std::string, std::int64_t> out{"", 0};
  FILE* f = std::fopen(pem.c_str(), "r");
  if (!f) return out;
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!x) return out;
  out.first = serial_hex(x);
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) out.second = timegm(&tm);
  X509_free(x);
  return out;
}

/// Connects to the API with a party's certificate from `pki` and trusting `ca`; @return the serial
/// of the certificate the server presented, or "error: ..." when no handshake completed.
std::string served_serial(std::uint16_t port, const fs::path& ca, const fs::path& pki, const std::string& party) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1) return "error: ca";
  auto crt = pki / "clients" / (party + ".crt"), key = pki / "clients" / (party + ".key");
  if (SSL_CTX_use_certificate_file(ctx.get(), crt.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return "error: client certificate";
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  BIO* bio = BIO_new_connect(("127.0.0.1:" + std::to_string(port)).c_str());
  SSL_set_bio(ssl.get(), bio, bio);
  if (SSL_connect(ssl.get()) != 1) return "error: handshake";
  std::unique_ptr<X509, decltype(&X509_free)> peer(SSL_get1_peer_certificate(ssl.get()), &X509_free);
  std::string out = peer ? serial_hex(peer.get()) : "error: no certificate";
  SSL_shutdown(ssl.get());
  return out;
}

class tls_reload : public ::testing::Test {
 protected:
  /// Copies the test PKI to this test's directory (once).
  void copy_pki() {
    if (!pki_.empty()) return;
    pki_ = dir_.path() / "pki";
    fs::copy(pki(), pki_, fs::copy_options::recursive);
  }
  /// Starts jubesd on this test's PKI (`extra_tls`: more keys under tls:, e.g. the CRL).
  void start(const std::string& extra_tls = "") {
    copy_pki();
    std::string text = test_config(dir_.path() / "data");
    text = std::regex_replace(text, std::regex("pki_dir: [^\n]*"), "pki_dir: " + pki_.string() + extra_tls);
    cfg_ = write_file(dir_.path(), "jubes.yaml", text);
    d_ = std::make_unique<jubesd>(cfg_, dir_.path() / "data");
    ASSERT_TRUE(d_->started()) << d_->log();
  }
  void dev_pki(const std::vector<std::string>& args, const fs::path& dir) {
    std::vector<std::string> argv{"/bin/bash", std::string(JUBES_SOURCE_DIR) + "/scripts/dev-pki", dir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  gateway::client client(const std::string& party, const fs::path& pki_dir, const fs::path& ca) {
    gateway::client_options o;
    o.port = d_->api_port();
    o.ca = ca;
    o.cert = pki_dir / "clients" / (party + ".crt");
    o.key = pki_dir / "clients" / (party + ".key");
    return gateway::client(o);
  }
  /// GET /v1/outbox as `c`: @return the status, 0 when the connection was refused
  static unsigned poll(gateway::client& c) {
    auto r = c.request("GET", "/v1/outbox?after=0&max=1");
    return r ? r->status : 0;
  }
  double metric(const std::string& series) { return metric_value(d_->metrics(), series); }
  /// @return `series` once two reads 200 ms apart agree (at most 5 s)
  double settled_metric(const std::string& series) {
    double v = metric(series);
    for (int i = 0; i < 25; ++i) {
      std::this_thread::sleep_for(200ms);
      const double again = metric(series);
      if (again == v) break;
      v = again;
    }
    return v;
  }
  /// Waits (bounded) until `series` reaches `value`; the caller asserts on the outcome.
  double wait_metric(const std::string& series, double value) {
    double v = metric(series);
    for (int i = 0; i < 1000 && v < value; ++i) {
      std::this_thread::sleep_for(10ms);
      v = metric(series);
    }
    return v;
  }
  /// Waits (bounded) until the log holds every one of `what` (a refusal is logged just after the
  /// client saw it). @return the log
  std::string wait_log(const std::vector<std::string>& what) {
    std::string log = d_->log();
    auto all = [&] {
      for (const auto& w : what)
        if (log.find(w) == std::string::npos) return false;
      return true;
    };
    for (int i = 0; i < 1000 && !all(); ++i) {
      std::this_thread::sleep_for(10ms);
      log = d_->log();
    }
    return log;
  }
  void sighup_and_wait(const std::string& series, double value) {
    kill(d_->pid(), SIGHUP);
    ASSERT_EQ(wait_metric(series, value), value) << d_->log();
  }
  run_result jubesctl_tls_reload() {
    return run({JUBESCTL_PATH, "--config", cfg_.string(), "--data-dir", (dir_.path() / "data").string(), "--listen",
                "127.0.0.1:" + std::to_string(d_->api_port()), "tls", "reload"});
  }

  temp_dir dir_;
  fs::path pki_, cfg_;
  std::unique_ptr<jubesd> d_;
};

const std::string kReloads = "jubes_tls_reloads_total";
const std::string kFailures = "jubes_tls_reload_failures_total";
const std::string kServerExpiry = "jubes_tls_certificate_expiry_timestamp_seconds{certificate=\"server\"}";
const std::string kCaExpiry = "jubes_tls_certificate_expiry_timestamp_seconds{certificate=\"ca\"}";

TEST_F(tls_reload, sighup_new_server_certificate_for_new_connections_while_open_ones_continue) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto [serial1, expiry1] = file_certificate(pki_ / "server.crt");
  ASSERT_FALSE(serial1.empty());
  EXPECT_EQ(metric(kServerExpiry), static_cast<double>(expiry1));
  EXPECT_EQ(metric(kCaExpiry), static_cast<double>(file_certificate(pki_ / "ca.crt").second));
  EXPECT_EQ(served_serial(d_->api_port(), pki_ / "ca.crt", pki_, "rvdk"), serial1);
  auto open = client("rvdk", pki_, pki_ / "ca.crt");
  ASSERT_EQ(poll(open), 200u);

  ASSERT_NO_FATAL_FAILURE(dev_pki({"--renew-server"}, pki_));
  auto [serial2, expiry2] = file_certificate(pki_ / "server.crt");
  ASSERT_NE(serial2, serial1);
  ASSERT_NO_FATAL_FAILURE(sighup_and_wait(kReloads, 1));

  EXPECT_EQ(served_serial(d_->api_port(), pki_ / "ca.crt", pki_, "rvdk"), serial2);
  EXPECT_EQ(metric(kServerExpiry), static_cast<double>(expiry2));
  // The open connection goes on, on its own handshake: no new handshake is counted for it. The
  // server counts a handshake when its side completes, which may be just after the client of
  // served_serial() closed: read the counter once it has settled.
  double handshakes = settled_metric("jubes_tls_handshakes_total");
  EXPECT_EQ(poll(open), 200u);
  EXPECT_EQ(metric("jubes_tls_handshakes_total"), handshakes);
  auto fresh = client("rvdk", pki_, pki_ / "ca.crt");
  EXPECT_EQ(poll(fresh), 200u);
  EXPECT_EQ(metric(kFailures), 0);
  EXPECT_NE(d_->log().find("tls_reloaded"), std::string::npos) << d_->log();
}

TEST_F(tls_reload, bad_files_keep_the_old_certificate_and_are_reported) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto serial1 = file_certificate(pki_ / "server.crt").first;
  const std::string key = slurp(pki_ / "server.key");

  write_file(pki_, "server.key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
  ASSERT_NO_FATAL_FAILURE(sighup_and_wait(kFailures, 1));
  EXPECT_EQ(served_serial(d_->api_port(), pki_ / "ca.crt", pki_, "rvdk"), serial1);
  auto c = client("rvdk", pki_, pki_ / "ca.crt");
  EXPECT_EQ(poll(c), 200u);
  EXPECT_NE(wait_log({"tls_reload_refused"}).find("tls_reload_refused"), std::string::npos) << d_->log();
  EXPECT_NE(d_->log().find((pki_ / "server.key").string()), std::string::npos) << d_->log();

  // A key of another certificate: refused through jubesctl too, with the cause.
  fs::copy_file(pki_ / "clients" / "rvdk.key", pki_ / "server.key", fs::copy_options::overwrite_existing);
  auto r = jubesctl_tls_reload();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("refused: tls.key"), std::string::npos) << r.output;
  EXPECT_EQ(metric(kFailures), 2);
  EXPECT_EQ(metric(kReloads), 0);
  EXPECT_EQ(served_serial(d_->api_port(), pki_ / "ca.crt", pki_, "rvdk"), serial1);

  // Garbage in the certificate file.
  write_file(pki_, "server.key", key);
  write_file(pki_, "server.crt", "garbage\n");
  r = jubesctl_tls_reload();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("refused: tls.cert"), std::string::npos) << r.output;
  EXPECT_EQ(served_serial(d_->api_port(), pki_ / "ca.crt", pki_, "rvdk"), serial1);

  // Good files again: taken.
  ASSERT_NO_FATAL_FAILURE(dev_pki({"--renew-server"}, pki_));
  r = jubesctl_tls_reload();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok: server certificate"), std::string::npos) << r.output;
  EXPECT_EQ(metric(kReloads), 1);
  EXPECT_EQ(served_serial(d_->api_port(), pki_ / "ca.crt", pki_, "rvdk"), file_certificate(pki_ / "server.crt").first);
}

TEST_F(tls_reload, ca_bundle_reload_lets_a_client_of_a_new_ca_in) {
  ASSERT_NO_FATAL_FAILURE(start());
  const fs::path other = dir_.path() / "pki-b";
  ASSERT_NO_FATAL_FAILURE(dev_pki({}, other));
  auto newcomer = client("rvdk", other, pki_ / "ca.crt");
  EXPECT_EQ(poll(newcomer), 0u);
  // The refused certificate is named in the log: subject, issuer and the verification error.
  auto log = wait_log({"tls_client_refused", "unable to get local issuer certificate"});
  EXPECT_NE(log.find("tls_client_refused"), std::string::npos) << log;
  EXPECT_NE(log.find("CN=rvdk"), std::string::npos) << log;
  EXPECT_NE(log.find("unable to get local issuer certificate"), std::string::npos) << log;

  write_file(pki_, "ca.crt", slurp(pki_ / "ca.crt") + slurp(other / "ca.crt"));
  auto r = jubesctl_tls_reload();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 CA certificate(s)"), std::string::npos) << r.output;
  auto admitted = client("rvdk", other, pki_ / "ca.crt");
  EXPECT_EQ(poll(admitted), 200u);
  auto earliest = std::min(file_certificate(pki_ / "ca.crt").second, file_certificate(other / "ca.crt").second);
  EXPECT_EQ(metric(kCaExpiry), static_cast<double>(earliest));
  // The old CA's clients still get in.
  auto old = client("rvdk", pki_, pki_ / "ca.crt");
  EXPECT_EQ(poll(old), 200u);
}

TEST_F(tls_reload, crl_reload_keeps_a_revoked_client_out) {
  copy_pki();
  ASSERT_NO_FATAL_FAILURE(dev_pki({"--crl"}, pki_));
  ASSERT_NO_FATAL_FAILURE(start("\n  crl: crl.pem"));
  auto open = client("rvdk", pki_, pki_ / "ca.crt");
  ASSERT_EQ(poll(open), 200u);

  ASSERT_NO_FATAL_FAILURE(dev_pki({"--revoke", "rvdk"}, pki_));
  ASSERT_NO_FATAL_FAILURE(sighup_and_wait(kReloads, 1));
  auto revoked = client("rvdk", pki_, pki_ / "ca.crt");
  EXPECT_EQ(poll(revoked), 0u);
  EXPECT_EQ(wait_metric("jubes_tls_handshake_failures_total{reason=\"revoked\"}", 1), 1);
  auto log = wait_log({"tls_client_refused", "certificate revoked"});
  EXPECT_NE(log.find("certificate revoked"), std::string::npos) << log;
  EXPECT_NE(log.find("CN=rvdk"), std::string::npos) << log;
  // Others are unaffected.
  auto other = client("idv", pki_, pki_ / "ca.crt");
  EXPECT_EQ(poll(other), 200u);
  // The connection opened before the revocation is checked against the new CRL at its next request:
  // 403 naming the cause, then closed; the request log names the certificate.
  const double handshakes = settled_metric("jubes_tls_handshakes_total");
  auto refused = open.request("GET", "/v1/outbox?after=0&max=1");
  ASSERT_TRUE(refused) << refused.error().message();
  EXPECT_EQ(refused->status, 403u) << refused->body;
  EXPECT_NE(refused->body.find("no longer trusted: certificate revoked"), std::string::npos) << refused->body;
  EXPECT_EQ(refused->header("Connection"), "close");
  EXPECT_EQ(metric("jubes_tls_handshakes_total"), handshakes) << "refused on its own connection, not a new one";
  EXPECT_EQ(wait_metric("jubes_http_requests_total{party=\"rvdk\",status=\"403\",endpoint=\"/v1/outbox\"}", 1), 1)
      << d_->metrics();
  EXPECT_EQ(poll(open), 0u) << "a new connection of the revoked certificate fails its handshake";
}

}  // namespace
}  // namespace jubes::e2e
