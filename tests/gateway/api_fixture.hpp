// SPDX-License-Identifier: EUPL-1.2
#pragma once
// A gateway API without a process or a socket: the real conf/ (schemas, routes, municipalities,
// parties) with the store in a temporary directory. Handlers run on an io_context on this thread.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <optional>
#include <string>

#include "api.hpp"
#include "gateway/config.hpp"
#include "gateway/metrics.hpp"
#include "handlers/router.hpp"
#include "testing/testing.hpp"

namespace jubes::gateway::detail {

class api_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    config_overrides ov;
    ov.data_dir = dir_.path().string();
    ov.require_tls_files = false;
    auto c = load_config(jubes::testing::source_dir() / "conf" / "jubes.yaml", ov);
    ASSERT_TRUE(c) << c.error().message();
    cfg_.emplace(std::move(*c));
    cfg_->store.durable = false;  // no fsync per test commit; durability is the store's own test
    // The default configuration encrypts bodies at rest: a KEK of this test's own (mode 0600).
    cfg_->store.kek_file = jubes::testing::write_file(dir_.path(), "kek", std::string(32, 'k'));
    std::filesystem::permissions(cfg_->store.kek_file, std::filesystem::perms::owner_read);
    tune(*cfg_);
    api_.emplace(*cfg_, metrics_);
    auto r = api_->open();
    ASSERT_TRUE(r) << r.error().message();
  }
  void TearDown() override { api_.reset(); }
  /// A test fixture's changes to the configuration before the api opens.
  virtual void tune(config&) {}

  services& svc() { return api_->handler_services(); }

  /// A caller for party `id` of the configuration, or a municipality recipient made up like the
  /// server does for a certificate CN gemeente:NNNN.
  caller who(const std::string& id) {
    caller c;
    c.id = id;
    for (const auto& p : cfg_->parties)
      if (p.id == id) c.party = &p;
    if (!c.party) {
      auto& p = made_up_.emplace_back();
      p.id = id;
      p.role = party_role::recipient;
      c.party = &p;
    }
    return c;
  }

  static request make_request(http::verb method, std::string target, std::string body = {},
                              std::string content_type = "application/xml") {
    request req{method, target, 11};
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  /// Runs `fn(services&, call&)` for one request, to completion, on an io_context here.
  response run(handler fn, request req, const caller& c, std::uint64_t id = 0) {
    auto t = split(req);
    call k{req, c, std::move(t), id, {}, {}};
    auto res = drive([&]() -> net::awaitable<response> { co_return co_await fn(svc(), k); });
    return with_body(std::move(res), k.stream);
  }

  /// Runs api::handle (token bucket, route table, handler) for one request.
  response handle(request req, const caller& c) {
    std::unique_ptr<body_source> stream;
    auto res = drive([&]() -> net::awaitable<response> { co_return co_await api_->handle(req, c, stream); });
    return with_body(std::move(res), stream);
  }

  /// The response with the body of a streamed reply put in, as the client would read it.
  static response with_body(response res, const std::unique_ptr<body_source>& stream) {
    if (stream) {
      res.body() = drain_body(*stream);
      res.prepare_payload();
    }
    return res;
  }

  static std::string example(const std::string& name) {
    return jubes::testing::read_file(jubes::testing::source_dir() / "conf" / "examples" / (name + ".xml"));
  }

  jubes::testing::temp_dir dir_{"gateway-api"};
  net::io_context ioc_;  // before api_: outlives it
  std::optional<config> cfg_;
  registry metrics_;
  std::optional<api> api_;
  std::deque<party_config> made_up_;

 private:
  static query_map split(const request& req) { return split_target(req.target()).query; }

  /// One io_context for the fixture's life, destroyed after the api (and so after the store's
  /// threads are joined): a store thread may still be returning from posting a completion when
  /// the handler it posted has already run here.
  template <class F>
  response drive(F f) {
    std::optional<response> out;
    ioc_.restart();
    net::co_spawn(ioc_, f(), [&](std::exception_ptr e, response r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
    });
    ioc_.run();
    EXPECT_TRUE(out.has_value());
    return out ? std::move(*out) : response{};
  }
};

}  // namespace jubes::gateway::detail
