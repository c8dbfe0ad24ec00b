// SPDX-License-Identifier: EUPL-1.2
// jubes-bench --verify: after the run, every known recipient's whole outbox is read back and
// checked against what the senders were told: each acknowledged message exactly once in each
// outbox routing sends it to, a message whose reply was lost in all or none, nothing else.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "app.hpp"

namespace jubes::bench {
namespace {

// Reads every entry of `recipient`'s outbox, acknowledged or not (entries stay until retention
// purges them), without acking: the whole history of what was delivered to it.
asio::awaitable<void> read_all(app& a, std::string recipient, std::vector<batch_entry>& out, std::string& error) {
  std::uint64_t after = 0;
  auto ex = co_await asio::this_coro::executor;
  std::size_t t = 0, misses = 0;  // through any node that answers: the outboxes are shared
  connection c(ex, *a.recipient_ctx.at(recipient), a.target(t).host, a.target(t).port, request_timeout(a));
  for (;;) {
    auto rep = co_await c.request(http::verb::get, outbox_target(after, 1000, 0), {}, {});
    if (rep.status == 0 && ++misses < a.nodes.targets) {
      t = a.nodes.after_failure(t);
      c.retarget(a.target(t).host, a.target(t).port);
      continue;
    }
    if (rep.status != 200) {
      error = recipient + ": GET /v1/outbox: " + (rep.status ? "HTTP " + std::to_string(rep.status) : rep.error);
      break;
    }
    std::vector<batch_entry> entries;
    if (!parse_batch(rep.body, entries, error)) {
      error = recipient + ": " + error;
      break;
    }
    if (entries.empty()) break;
    if (entries.back().seq <= after) {
      error = recipient + ": outbox returned seq " + std::to_string(entries.back().seq) +
              " <= after=" + std::to_string(after);
      break;
    }
    after = entries.back().seq;
    misses = 0;
    for (auto& e : entries) out.push_back(std::move(e));
  }
  c.close();
}

// What each referentienummer should look like in the outboxes.
struct expect {
  std::string id;                       // empty: never acknowledged (may or may not be stored)
  std::vector<std::string> recipients;  // by construction (generator.hpp)
};

struct expectations {
  std::unordered_map<std::string, expect> by_ref;
  std::unordered_map<std::string, const std::string*> ref_of_id;

  // The referentienummer an outbox entry stands for, or nullptr if this run did not send it.
  const std::string* ref_of(const batch_entry& e) const {
    if (auto it = ref_of_id.find(e.id); it != ref_of_id.end()) return it->second;
    if (e.referentienummer.empty()) return nullptr;
    auto it = by_ref.find(e.referentienummer);
    if (it != by_ref.end() && it->second.id.empty()) return &it->first;  // a message whose reply was lost
    return nullptr;
  }
};

expectations expected(const app& a, const std::vector<outcome>& outcomes, verify_report& rep) {
  expectations x;
  for (const auto& o : outcomes) {
    auto [it, fresh] = x.by_ref.try_emplace(o.referentienummer);
    if (fresh) it->second.recipients = a.gen_of(o).make(source_index(o.party), o.slot).recipients;
    if (!o.message_id.empty()) {
      if (!it->second.id.empty() && it->second.id != o.message_id) ++rep.two_ids;
      if (!it->second.id.empty() && it->second.id != o.message_id)
        rep.fail(o.referentienummer + ": two receipts with different ids " + it->second.id + " and " + o.message_id);
      it->second.id = o.message_id;
    }
  }
  for (const auto& [ref, e] : x.by_ref)
    if (!e.id.empty()) {
      x.ref_of_id[e.id] = &ref;
      ++rep.acked;
    }
  return x;
}

// Entries seen: each known recipient's whole outbox (what pollers delivered and acked included).
std::map<std::string, std::vector<batch_entry>> read_outboxes(app& a, verify_report& rep) {
  std::map<std::string, std::vector<batch_entry>> seen;
  std::map<std::string, std::string> errors;
  for (const auto& r : known_recipients()) {
    seen[r];
    errors[r];
  }
  a.ioc.restart();
  for (const auto& r : known_recipients())
    asio::co_spawn(asio::make_strand(a.ioc), read_all(a, r, seen[r], errors[r]), asio::detached);
  a.ioc.run();
  for (const auto& [r, e] : errors)
    if (!e.empty()) {
      ++rep.errors;
      rep.fail("verify: " + e);
    }
  return seen;
}

// Outbox entries are never deleted (retention keeps them as purge records), so each outbox read
// from the start must be numbered 1, 2, 3, ... without a gap.
void check_seqs(const std::map<std::string, std::vector<batch_entry>>& seen, verify_report& rep) {
  for (const auto& [r, entries] : seen) {
    std::uint64_t want = 1;
    for (const auto& e : entries) {
      if (e.seq != want) {
        ++rep.seq_gaps;
        rep.fail(r + ": seq " + std::to_string(e.seq) + " where " + std::to_string(want) + " was due");
      }
      want = e.seq + 1;
    }
  }
}

using seen_count = std::map<std::pair<std::string, std::string>, int>;  // (recipient, ref) -> times seen

seen_count count_entries(const expectations& x, const std::map<std::string, std::vector<batch_entry>>& seen,
                         verify_report& rep) {
  seen_count count;
  for (const auto& [r, entries] : seen) {
    for (const auto& e : entries) {
      ++rep.checked_entries;
      const std::string* ref = x.ref_of(e);
      if (!ref) {
        ++rep.unexpected;
        rep.fail(r + ": unexpected entry seq " + std::to_string(e.seq) + " id " + e.id +
                 (e.referentienummer.empty() ? "" : " (" + e.referentienummer + ")") + ": not sent by this run");
        continue;
      }
      const auto& ex = x.by_ref.at(*ref);
      if (!std::binary_search(ex.recipients.begin(), ex.recipients.end(), r)) {
        ++rep.unexpected;
        rep.fail(r + ": " + *ref + " (id " + e.id + ") is in this outbox but routing should not send it here");
        continue;
      }
      ++count[{r, *ref}];
    }
  }
  return count;
}

void check_counts(const expectations& x, const seen_count& count, verify_report& rep) {
  const auto& known = known_recipients();
  for (const auto& [ref, ex] : x.by_ref) {
    int present = 0, expected = 0;
    for (const auto& r : ex.recipients) {
      if (std::find(known.begin(), known.end(), r) == known.end()) continue;  // no certificate to look
      ++expected;
      int n = 0;
      if (auto it = count.find({r, ref}); it != count.end()) n = it->second;
      if (n > 1) ++rep.duplicated;
      if (n > 1) rep.fail(r + ": " + ref + " appears " + std::to_string(n) + " times");
      if (n >= 1) ++present;
      if (!ex.id.empty()) {
        ++rep.expected_entries;
        if (n == 0) ++rep.lost;
        if (n == 0) rep.fail(r + ": " + ref + " (id " + ex.id + ") was acknowledged but is not in this outbox");
      }
    }
    if (ex.id.empty() && present != 0 && present != expected) ++rep.not_atomic;
    if (ex.id.empty() && present != 0 && present != expected)
      rep.fail(ref + ": reply lost, and the message is in only " + std::to_string(present) + " of its " +
               std::to_string(expected) + " outboxes (not atomic)");
  }
}

}  // namespace

verify_report verify(app& a, const std::vector<outcome>& outcomes) {
  verify_report rep;
  const expectations x = expected(a, outcomes, rep);
  const auto seen = read_outboxes(a, rep);
  check_seqs(seen, rep);
  check_counts(x, count_entries(x, seen, rep), rep);
  return rep;
}

}  // namespace jubes::bench
