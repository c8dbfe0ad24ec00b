#include "store_ops.hpp"

#include <memory>

#include "storage/errc.hpp"

namespace jubes::gateway::detail {

namespace {
/// A failed result<T>, spelled out: for T = bool the plain conversion from jubes::error is ambiguous
/// (jubes::error converts to bool explicitly).
template <class T>
jubes::result<T> failed(jubes::error e) {
  return jubes::result<T>(boost::system::in_place_error, std::move(e));
}

/// Completes `done` with overloaded when the store did not take the request. `done` is shared
/// because the store consumed its callback copy only when it accepted.
template <class T>
void refused_unless(bool queued, const std::shared_ptr<store_done<T>>& done) {
  if (!queued) (*done)(failed<T>(storage::errc::overloaded));
}
}  // namespace

void submit_ingest(storage::store& s, storage::ingest_request req, store_done<storage::ingest_result> done) {
  auto d = std::make_shared<store_done<storage::ingest_result>>(std::move(done));
  refused_unless(s.submit(std::move(req), [d](storage::ingest_result r) { (*d)(std::move(r)); }), d);
}

void submit_ack(storage::store& s, std::string recipient, std::uint64_t upto, store_done<std::uint64_t> done) {
  auto d = std::make_shared<store_done<std::uint64_t>>(std::move(done));
  refused_unless(s.submit_ack(std::move(recipient), upto,
                              [d](boost::system::error_code ec, std::uint64_t cursor) {
                                if (ec) return (*d)(failed<std::uint64_t>(ec));
                                (*d)(cursor);
                              }),
                 d);
}

void submit_forward(storage::store& s, std::uint64_t id, std::string from, std::string to, store_done<bool> done) {
  auto d = std::make_shared<store_done<bool>>(std::move(done));
  refused_unless(s.submit_forward(id, std::move(from), std::move(to),
                                  [d](boost::system::error_code ec, bool added) {
                                    if (ec) return (*d)(failed<bool>(ec));
                                    (*d)(added);
                                  }),
                 d);
}

void submit_reroute(storage::store& s, std::uint64_t id, std::vector<std::string> recipients, std::string version,
                    store_done<void> done) {
  auto d = std::make_shared<store_done<void>>(std::move(done));
  refused_unless(s.submit_reroute(id, std::move(recipients), std::move(version),
                                  [d](boost::system::error_code ec) {
                                    if (ec) return (*d)(failed<void>(ec));
                                    (*d)(jubes::result<void>());
                                  }),
                 d);
}

void submit_purge(storage::store& s, store_done<storage::purge_result> done) {
  auto d = std::make_shared<store_done<storage::purge_result>>(std::move(done));
  refused_unless(s.submit_purge([d](boost::system::result<storage::purge_result> r) {
    if (!r) return (*d)(failed<storage::purge_result>(r.error()));
    (*d)(std::move(*r));
  }),
                 d);
}

}  // namespace jubes::gateway::detail
