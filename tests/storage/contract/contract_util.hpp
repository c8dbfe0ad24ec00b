// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Helpers of the backend contract suite (contract_suite.hpp) that other backend tests share: an
// opened backend with what must outlive it, a request, and waiting for a completion.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "storage/backend.hpp"

namespace jubes::storage::contract {

/// An open backend and whatever must outlive it (a temporary directory, ...).
struct opened {
  std::shared_ptr<void> keep;  // destroyed after the backend
  std::unique_ptr<backend> b;
};

struct contract_backend {
  std::string name;
  std::function<opened()> open;  ///< fresh, empty storage; fails the test (ADD_FAILURE) if it cannot
};

inline std::string contract_name(const ::testing::TestParamInfo<contract_backend>& i) {
  return i.param.name;
}

inline ingest_request request(std::string refnr, std::vector<std::string> recipients, std::string body = "") {
  ingest_request r;
  r.party = "tulp-gw";
  r.referentienummer = refnr;
  r.message_type = "piBeeindiging";
  r.body = body.empty() ? "<dti:piBeeindiging>" + refnr + " één</dti:piBeeindiging>" : std::move(body);
  r.recipients = std::move(recipients);
  r.route_version = "v1";
  r.matched_rules = {"bij-pi", "rule \"2\""};
  r.received_at_ms = 17;
  return r;
}

/// Runs `submit(done)` and waits for its completion, checking that it comes exactly once.
template <class T, class F>
jubes::result<T> await(F&& submit) {
  auto p = std::make_shared<std::promise<jubes::result<T>>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto f = p->get_future();
  submit([p, calls](jubes::result<T> r) {
    if (calls->fetch_add(1) == 0)
      p->set_value(std::move(r));
    else
      ADD_FAILURE() << "completion called more than once";
  });
  return f.get();
}

}  // namespace jubes::storage::contract
