// SPDX-License-Identifier: EUPL-1.2
// An open API connection identified again after a reload (reidentify.hpp): nothing happens while the
// epoch stands still; a routes reload that dissolves its municipality leaves it no party (and gives
// its connection slot back); a TLS reload that no longer trusts its client chain refuses it. The chains
// are real: a test PKI made with scripts/dev-pki and handshakes between two SSL objects in memory.
#include "reidentify.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <memory>

#include "table_in_service.hpp"
#include "testing/testing.hpp"
#include "tls_rotation.hpp"

namespace jubes::gateway::detail {
namespace {
namespace fs = std::filesystem;
using verdict = connection_identity::verdict;

constexpr std::string_view k_header =
    "\"92.10 Gemeentecode\",\"92.11 Omschrijving\",\"92.12 Nieuwe code\",\"99.98 Datum ingang\",\"99.99 Datum "
    "einde\"\n";
// Amsterdam and Leeuwarden current; then Amsterdam merged into Leeuwarden (for the test).
const std::string k_current =
    std::string(k_header) + "\"0080\",\"Leeuwarden\",\"\",\"\",\"\"\n" + "\"0363\",\"Amsterdam\",\"\",\"\",\"\"\n";
const std::string k_dissolved = std::string(k_header) + "\"0080\",\"Leeuwarden\",\"\",\"\",\"\"\n" +
                                "\"0363\",\"Amsterdam\",\"0080\",\"\",\"20260101\"\n";

config municipal_config() {
  config c;
  c.municipalities_by_cn = true;
  c.limits.max_connections_per_party = 2;
  return c;
}

const peer_identity k_amsterdam{"gemeente:0363/bij", "", "/O=test/CN=gemeente:0363/bij"};

// A trust check that must not run.
std::optional<distrust> no_check() {
  ADD_FAILURE() << "the trust store was consulted without a reload";
  return std::nullopt;
}
std::optional<distrust> trusted() {
  return std::nullopt;
}

// A directory over the table in service; reload() swaps the table, then bumps the epoch, as the server does.
class reidentify : public ::testing::Test {
 protected:
  void reload(std::string_view csv) {
    routes_.current.store(table_of(csv));
    epoch_.bump();
  }
  connection_identity connect() { return connection_identity(d_, k_amsterdam, epoch_.current()); }

  const config cfg_ = municipal_config();
  registry_in_service routes_{k_current};
  party_directory d_{cfg_, routes_.check()};
  identity_epoch epoch_;
};

TEST_F(reidentify, an_unchanged_epoch_keeps_the_caller_and_consults_nothing) {
  auto id = connect();
  const party_config* party = id.who().party;
  ASSERT_NE(party, nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(id.refresh(epoch_.current(), no_check), verdict::same);
  EXPECT_EQ(id.who().party, party);
  EXPECT_FALSE(id.lost_party());
  EXPECT_FALSE(id.over());
}

TEST_F(reidentify, a_reload_that_keeps_the_party_renews_once_and_keeps_it) {
  auto id = connect();
  const party_config* party = id.who().party;
  reload(k_current);
  EXPECT_EQ(id.refresh(epoch_.current(), trusted), verdict::renewed);
  EXPECT_EQ(id.who().party, party);
  EXPECT_FALSE(id.lost_party());
  EXPECT_EQ(id.refresh(epoch_.current(), no_check), verdict::same) << "renewed once per reload";
}

TEST_F(reidentify, a_reload_that_dissolves_the_municipality_leaves_no_party_and_gives_the_slot_back) {
  auto a = connect();
  auto b = connect();
  EXPECT_FALSE(b.over()) << "two of max_connections_per_party = 2";

  reload(k_dissolved);
  EXPECT_EQ(a.refresh(epoch_.current(), trusted), verdict::renewed);
  EXPECT_EQ(a.who().party, nullptr) << "0363 is no municipality any more: 403, as for a new connection";
  EXPECT_TRUE(a.lost_party()) << "the connection closes after its 403";
  EXPECT_FALSE(a.over());
  EXPECT_EQ(d_.identify(k_amsterdam).party, nullptr) << "a new connection is refused alike";

  // Amsterdam back (for the test): `a` gave its slot back, `b` still holds one.
  reload(k_current);
  auto c = connect();
  EXPECT_FALSE(c.over()) << "b and c: two; a third would be over the limit";
  EXPECT_EQ(a.refresh(epoch_.current(), trusted), verdict::renewed);
  EXPECT_NE(a.who().party, nullptr) << "current again: a party again";
  EXPECT_FALSE(a.lost_party());
  EXPECT_TRUE(a.over()) << "its slot follows the party: the third of two";
}

TEST_F(reidentify, a_chain_no_longer_trusted_is_refused_whatever_the_party) {
  auto id = connect();
  epoch_.bump();  // a TLS reload
  auto v = id.refresh(epoch_.current(), [] {
    return std::optional<distrust>(distrust{"revoked", {"/CN=gemeente:0363/bij", "/CN=ca", "certificate revoked"}});
  });
  EXPECT_EQ(v, verdict::untrusted);
  EXPECT_EQ(id.distrusted().reason, "revoked");
  EXPECT_EQ(id.distrusted().cert.verify_error, "certificate revoked");
}

// ---- real chains ----

/// A PKI made once per test binary with scripts/dev-pki; the client `idv` revoked (crl.pem).
const fs::path& test_pki() {
  static testing::temp_dir dir("reidentify-pki");
  static const fs::path pki = [] {
    const fs::path p = dir.path() / "pki";
    const std::string script = (testing::source_dir() / "scripts" / "dev-pki").string();
    for (const std::string args : {"", " --revoke idv"}) {
      const std::string cmd = "/bin/bash " + script + " " + p.string() + args + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "failed: " << cmd;
    }
    return p;
  }();
  return pki;
}

config tls_config(const fs::path& ca, const fs::path& crl = {}) {
  config c = municipal_config();
  c.tls_cert = test_pki() / "server.crt";
  c.tls_key = test_pki() / "server.key";
  c.tls_ca = ca;
  c.tls_crl = crl;
  return c;
}

using ssl_ptr = std::unique_ptr<SSL, decltype(&SSL_free)>;
using ctx_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

/// A handshake in memory between a server SSL of `server` and a client with the certificate of
/// clients/`party` of the test PKI. @return the server's SSL (null when the handshake failed)
ssl_ptr accepted_with(boost::asio::ssl::context& server, const std::string& party) {
  ctx_ptr cctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  const auto crt = test_pki() / "clients" / (party + ".crt"), key = test_pki() / "clients" / (party + ".key");
  if (SSL_CTX_use_certificate_chain_file(cctx.get(), crt.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(cctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return {nullptr, &SSL_free};
  ssl_ptr s(SSL_new(server.native_handle()), &SSL_free), c(SSL_new(cctx.get()), &SSL_free);
  BIO *sb = nullptr, *cb = nullptr;
  BIO_new_bio_pair(&sb, 0, &cb, 0);
  SSL_set_bio(s.get(), sb, sb);
  SSL_set_bio(c.get(), cb, cb);
  SSL_set_accept_state(s.get());
  SSL_set_connect_state(c.get());
  bool sdone = false, cdone = false;
  for (int i = 0; i < 50 && !(sdone && cdone); ++i) {
    if (!cdone) cdone = SSL_do_handshake(c.get()) == 1;
    if (!sdone) sdone = SSL_do_handshake(s.get()) == 1;
  }
  if (!sdone) return {nullptr, &SSL_free};
  return s;
}

std::shared_ptr<boost::asio::ssl::context> context_of(const config& cfg) {
  auto ctx = make_server_context(cfg);
  EXPECT_TRUE(ctx) << ctx.error().message();
  return std::make_shared<boost::asio::ssl::context>(std::move(*ctx));
}

TEST(reidentify_tls, verify_peer_chain_judges_the_handshakes_chain_by_another_trust_store) {
  const config cfg = tls_config(test_pki() / "ca.crt");
  auto ctx = context_of(cfg);
  auto s = accepted_with(*ctx, "rvdk");
  ASSERT_TRUE(s) << "the handshake with the trusted CA";
  EXPECT_FALSE(verify_peer_chain(s.get(), ctx->native_handle())) << "the handshake's own store trusts it";

  auto other = context_of(tls_config(test_pki() / "untrusted" / "ca.crt"));
  auto d = verify_peer_chain(s.get(), other->native_handle());
  ASSERT_TRUE(d) << "a CA bundle without the client's CA";
  EXPECT_EQ(d->reason, "untrusted");
  EXPECT_EQ(d->cert.verify_error, "unable to get local issuer certificate");
  EXPECT_NE(d->cert.subject.find("CN=rvdk"), std::string::npos) << d->cert.subject;

  auto with_crl = context_of(tls_config(test_pki() / "ca.crt", test_pki() / "crl.pem"));
  EXPECT_FALSE(verify_peer_chain(s.get(), with_crl->native_handle())) << "rvdk is not revoked";
  auto idv = accepted_with(*ctx, "idv");
  ASSERT_TRUE(idv) << "accepted before the CRL was in service";
  d = verify_peer_chain(idv.get(), with_crl->native_handle());
  ASSERT_TRUE(d) << "a CRL that revokes idv";
  EXPECT_EQ(d->reason, "revoked");
  EXPECT_EQ(d->cert.verify_error, "certificate revoked");
}

TEST(reidentify_tls, a_tls_reload_that_distrusts_the_chain_refuses_the_open_connection) {
  testing::temp_dir dir("reidentify");
  fs::copy_file(test_pki() / "ca.crt", dir / "ca.crt");
  const config cfg = tls_config(dir / "ca.crt");
  registry metrics;
  identity_epoch epoch;
  tls_contexts tls(cfg, metrics, &epoch);
  ASSERT_TRUE(tls.load());
  auto ctx = tls.current();
  auto s = accepted_with(*ctx, "gemeente:0363/bij");
  ASSERT_TRUE(s);
  registry_in_service routes(k_current);
  party_directory d(cfg, routes.check());
  connection_identity id(d, identity_of(s.get()), epoch.current());
  ASSERT_NE(id.who().party, nullptr);
  auto checked = ctx;
  auto trust = [&] { return trust_in_service(s.get(), tls, checked); };

  // The same files again: a new context, the chain passes it, the connection goes on.
  ASSERT_TRUE(tls.reload("test"));
  EXPECT_EQ(id.refresh(epoch.current(), trust), verdict::renewed);
  EXPECT_NE(checked, ctx) << "the chain was verified against the new context";

  // A failed reload publishes nothing and does not move the epoch.
  const auto before = epoch.current();
  testing::write_file(dir.path(), "ca.crt", "not a certificate\n");
  EXPECT_FALSE(tls.reload("test"));
  EXPECT_EQ(epoch.current(), before);
  EXPECT_EQ(id.refresh(epoch.current(), no_check), verdict::same);

  // A CA bundle without the client's CA.
  fs::copy_file(test_pki() / "untrusted" / "ca.crt", dir / "ca.crt", fs::copy_options::overwrite_existing);
  ASSERT_TRUE(tls.reload("test"));
  EXPECT_EQ(id.refresh(epoch.current(), trust), verdict::untrusted);
  EXPECT_EQ(id.distrusted().reason, "untrusted");
  EXPECT_NE(id.distrusted().cert.subject.find("CN=gemeente:0363"), std::string::npos) << id.distrusted().cert.subject;
}

}  // namespace
}  // namespace jubes::gateway::detail
