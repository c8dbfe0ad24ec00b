// SPDX-License-Identifier: EUPL-1.2
// The request log (request_log.hpp): which requests get a line, what it says, and that the two
// classes no token bucket bounds are summarised instead of logged one line each.
#include "request_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "common/log.hpp"

namespace jubes::gateway::detail {
namespace {
using namespace std::chrono_literals;

// Captures what the logger sends to stderr by pointing fd 2 at a pipe for the duration.
std::string capture(auto&& fn) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fds[1], STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  return out;
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

request_record conflict() {
  request_record r;
  r.request_id = "abc-7";
  r.party = "tulp-gw";
  r.subject = "/O=jubes dev/CN=tulp-gw";
  r.method = "POST";
  r.path = "/v1/messages";
  r.status = 409;
  r.stuf_code = "StUF016";
  r.reason = "referentienummer_reused";
  r.referentienummer = "REF-1";
  r.bytes_in = 1500;
  r.duration = 2ms;
  return r;
}

TEST(request_log, a_rejected_request_gets_its_line) {
  request_log log(false, 1h);
  auto out = capture([&] { log.record(conflict()); });
  EXPECT_EQ(lines(out), 1) << out;
  EXPECT_NE(out.find(" INFO api request_rejected request_id=abc-7 party=tulp-gw subject=\"/O=jubes dev/CN=tulp-gw\" "
                     "method=POST path=/v1/messages status=409 stuf_code=StUF016 reason=referentienummer_reused "
                     "referentienummer=REF-1 duration_us=2000\n"),
            std::string::npos)
      << out;
}

TEST(request_log, every_authenticated_rejection_gets_a_line_and_5xx_is_a_warning) {
  request_log log(false, 1h);
  auto r = conflict();
  auto out = capture([&] {
    for (int i = 0; i < 5; ++i) log.record(r);
    r.status = 507;
    log.record(r);
  });
  EXPECT_EQ(lines(out), 6) << out;
  EXPECT_NE(out.find(" WARN api request_rejected "), std::string::npos) << out;
}

TEST(request_log, unknown_party_and_429_are_summarised_per_class) {
  request_log log(false, 1h);
  auto stranger = conflict();
  stranger.party = "";
  stranger.status = 403;
  stranger.reason = "unknown_party";
  auto over = conflict();
  over.status = 429;
  over.reason = "rate_limited";
  auto out = capture([&] {
    for (int i = 0; i < 100; ++i) log.record(stranger);
    for (int i = 0; i < 100; ++i) log.record(over);
  });
  // One line per class within the interval; the first of each is written at once.
  EXPECT_EQ(lines(out), 2) << out;
  EXPECT_NE(out.find("status=403 stuf_code=StUF016 reason=unknown_party"), std::string::npos) << out;
  EXPECT_NE(out.find("since_last=\"unknown_party=1\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find("since_last=\"tulp-gw=1\"\n"), std::string::npos) << out;
  // With no interval every one is written, each counting itself.
  request_log every(false, 0ms);
  out = capture([&] {
    for (int i = 0; i < 3; ++i) every.record(stranger);
  });
  EXPECT_EQ(lines(out), 3) << out;
}

TEST(request_log, accepted_requests_only_with_the_access_log) {
  auto ok = conflict();
  ok.status = 201;
  ok.stuf_code = "";
  ok.reason = "";
  ok.bytes_out = 900;
  request_log off(false, 1h);
  EXPECT_EQ(capture([&] { off.record(ok); }), "");
  request_log on(true, 1h);
  auto out = capture([&] { on.record(ok); });
  EXPECT_EQ(lines(out), 1) << out;
  EXPECT_NE(out.find(" INFO api request request_id=abc-7 party=tulp-gw method=POST path=/v1/messages status=201 "
                     "referentienummer=REF-1 bytes_in=1500 bytes_out=900 duration_us=2000\n"),
            std::string::npos)
      << out;
}

TEST(request_log, nothing_below_the_level_and_long_paths_are_cut) {
  request_log log(false, 1h);
  log::set_level(log::level::warn);
  EXPECT_EQ(capture([&] { log.record(conflict()); }), "");
  log::set_level(log::level::info);
  auto r = conflict();
  std::string path = "/v1/" + std::string(1000, 'x');
  r.path = path;
  auto out = capture([&] { log.record(r); });
  EXPECT_NE(out.find(" path=/v1/" + std::string(kMaxLoggedPath - 4, 'x') + " "), std::string::npos) << out;
}

TEST(request_log, ids_are_unique) {
  request_log log(false);
  auto a = log.next_id(), b = log.next_id();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, a.find('-')), b.substr(0, b.find('-')));
}

TEST(request_log, a_refused_client_certificate_is_named_once_per_interval_escaped) {
  request_log log(false, 1h);
  handshake_refusal r{"127.0.0.1:5000", "revoked", "/O=jubes dev/CN=rvdk\n forged=1", "/O=jubes dev/CN=jubes dev CA",
                      "certificate revoked"};
  auto out = capture([&] {
    log.handshake_refused(r);
    log.handshake_refused(r);  // within the interval: only counted
  });
  EXPECT_EQ(lines(out), 1) << out;  // the newline in the subject is escaped (printable(), then the text format)
  EXPECT_NE(out.find("tls_client_refused"), std::string::npos) << out;
  EXPECT_NE(out.find("CN=rvdk\\\\x0A forged=1"), std::string::npos) << out;
  EXPECT_NE(out.find("CN=jubes dev CA"), std::string::npos) << out;
  EXPECT_NE(out.find("certificate revoked"), std::string::npos) << out;
  EXPECT_NE(out.find("since_last="), std::string::npos) << out;
  EXPECT_NE(out.find("revoked=1"), std::string::npos) << out;
}

}  // namespace
}  // namespace jubes::gateway::detail
