// SPDX-License-Identifier: EUPL-1.2
#include "verify_check.hpp"

#include <algorithm>
#include <unordered_map>

namespace jubes::bench {
namespace {

// What each referentienummer should look like in the outboxes.
struct expect {
  std::string id;                       // empty: never acknowledged (may or may not be stored)
  std::vector<std::string> recipients;  // by construction (generator.hpp)
  const outcome* first = nullptr;       // an outcome of it (party, slot, amendment)
  std::string amends;                   // a correction or withdrawal: the referentienummer it amends
  std::string amended_by;               // amended in this run: the correction's or withdrawal's
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

expectations expected(const std::vector<generator>& gens, const std::vector<outcome>& outcomes, verify_report& rep) {
  expectations x;
  for (const auto& o : outcomes) {
    auto [it, fresh] = x.by_ref.try_emplace(o.referentienummer);
    if (fresh) {
      const amendment* am = o.amends ? &*o.amends : nullptr;
      const generator& g = gens.at(o.gen);
      it->second.recipients = g.make(source_index(o.party), o.slot, am).recipients;
      it->second.first = &o;
      if (am) it->second.amends = g.referentienummer(source_index(o.party), am->of);
    }
    if (!o.message_id.empty()) {
      if (!it->second.id.empty() && it->second.id != o.message_id) {
        ++rep.two_ids;
        rep.fail(o.referentienummer + ": two receipts with different ids " + it->second.id + " and " + o.message_id);
      }
      it->second.id = o.message_id;
    }
  }
  for (auto& [ref, e] : x.by_ref) {
    if (!e.id.empty()) {
      x.ref_of_id[e.id] = &ref;
      ++rep.acked;
    }
    if (e.amends.empty()) continue;
    auto target = x.by_ref.find(e.amends);
    if (target == x.by_ref.end() || target->second.id.empty())
      rep.fail(ref + ": amends " + e.amends + ", which this run did not see acknowledged");
    else if (!target->second.amended_by.empty())
      rep.fail(e.amends + ": amended twice, by " + target->second.amended_by + " and " + ref);
    else
      target->second.amended_by = ref;
  }
  return x;
}

// Outbox entries are never deleted (retention keeps them as purge records), so each outbox read
// from the start must be numbered 1, 2, 3, ... without a gap.
void check_seqs(const outbox_map& seen, verify_report& rep) {
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

using seen_entries = std::map<std::pair<std::string, std::string>, std::vector<const batch_entry*>>;

seen_entries collect(const expectations& x, const outbox_map& seen, verify_report& rep) {
  seen_entries found;
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
      found[{r, *ref}].push_back(&e);
    }
  }
  return found;
}

const std::vector<const batch_entry*>& at(const seen_entries& found, const std::string& r, const std::string& ref) {
  static const std::vector<const batch_entry*> none;
  auto it = found.find({r, ref});
  return it == found.end() ? none : it->second;
}

std::string where(const std::string& r, const std::string& ref, const batch_entry& e) {
  return r + ": " + ref + " (seq " + std::to_string(e.seq) + " id " + e.id + ")";
}

// A message nothing amends, in outbox r: as delivered (no link), once if acknowledged.
void check_plain(const std::string& r, const std::string& ref, const expect& ex,
                 const std::vector<const batch_entry*>& list, verify_report& rep) {
  const int n = static_cast<int>(list.size());
  if (n > 1) {
    ++rep.duplicated;
    rep.fail(r + ": " + ref + " appears " + std::to_string(n) + " times");
  }
  if (!ex.id.empty()) {
    ++rep.expected_entries;
    if (n == 0) {
      ++rep.lost;
      rep.fail(r + ": " + ref + " (id " + ex.id + ") was acknowledged but is not in this outbox");
    }
  }
  for (const batch_entry* e : list) {
    if (!e->superseded_by.empty() || !e->withdrawn_by.empty()) {
      ++rep.bad_links;
      rep.fail(where(r, ref, *e) + " is a " + (e->superseded_by.empty() ? "withdrawn" : "superseded") +
               " marker, but this run never amended it");
    } else if (!e->relates_to.empty() && ex.amends.empty()) {
      ++rep.bad_links;
      rep.fail(where(r, ref, *e) + " is marked relatesTo=" + e->relates_to + ", but it amends nothing");
    }
  }
}

// Notice o (acknowledged) amended by n, in outbox r: exactly one of the two shapes of the header.
void check_amended(const std::string& r, const expectations& x, const std::string& o, const std::string& n,
                   const seen_entries& found, verify_report& rep) {
  const expect& ox = x.by_ref.at(o);
  const expect& nx = x.by_ref.at(n);
  const bool withdrawal = nx.first->amends->kind == 'V';
  const std::string what = withdrawal ? "withdrawal" : "correction";
  const std::string mark_name = withdrawal ? "withdrawnBy" : "supersededBy";
  const auto& lo = at(found, r, o);
  const auto& ln = at(found, r, n);
  bool clean = true;
  auto bad = [&](std::uint64_t& counter, std::string s) {
    ++counter;
    clean = false;
    rep.fail(std::move(s));
  };
  ++rep.expected_entries;
  if (!nx.id.empty()) ++rep.expected_entries;
  // The amendment: once, naming the notice it amends (both shapes).
  std::string n_id = nx.id;
  if (ln.size() > 1) {
    bad(rep.duplicated, r + ": " + what + " " + n + " appears " + std::to_string(ln.size()) + " times");
  } else if (ln.empty() && !nx.id.empty()) {
    bad(rep.lost,
        r + ": " + what + " " + n + " (id " + nx.id + ") of " + o + " was acknowledged but is not in this outbox");
  } else if (ln.size() == 1) {
    const batch_entry& e = *ln[0];
    n_id = e.id;
    if (e.relates_to != ox.id)
      bad(rep.bad_links, where(r, n, e) + ": the " + what + " of " + o + " should carry relatesTo=\"" + ox.id +
                             "\", has " + (e.relates_to.empty() ? "none" : "\"" + e.relates_to + "\""));
    if (!e.has_body || !e.superseded_by.empty() || !e.withdrawn_by.empty())
      bad(rep.bad_links, where(r, n, e) + ": the " + what + " itself is delivered without body or as a marker");
  }
  // The amended notice: once, either a marker naming the amendment or as delivered.
  if (lo.size() != 1) {
    bad(lo.empty() ? rep.lost : rep.duplicated, r + ": " + o + " (id " + ox.id + "), amended by " + n + ", appears " +
                                                    std::to_string(lo.size()) + " times, not once");
    return;
  }
  const batch_entry& e = *lo[0];
  const std::string& mark = withdrawal ? e.withdrawn_by : e.superseded_by;
  const std::string& wrong = withdrawal ? e.superseded_by : e.withdrawn_by;
  if (!wrong.empty()) {
    bad(rep.bad_links, where(r, o, e) + ": a " + what + " made it a " + (withdrawal ? "supersededBy" : "withdrawnBy") +
                           " marker, not " + mark_name);
  } else if (!e.relates_to.empty()) {
    bad(rep.bad_links, where(r, o, e) + ": the amended notice carries relatesTo=" + e.relates_to);
  } else if (!mark.empty()) {
    if (e.has_body)
      bad(rep.bad_links, where(r, o, e) + ": " + mark_name + " marker delivered with body (the " + what +
                             " came before it was acknowledged: no body)");
    if (ln.empty())
      bad(rep.bad_links,
          where(r, o, e) + ": " + mark_name + "=" + mark + " but the " + what + " " + n + " is not in this outbox");
    else if (mark != n_id)
      bad(rep.bad_links, where(r, o, e) + ": " + mark_name + "=" + mark + ", but the " + what + " is id " + n_id);
    if (clean) ++rep.replaced;
  } else {
    if (!e.has_body)
      bad(rep.bad_links,
          where(r, o, e) + ": empty entry without " + mark_name + " (the " + what + " " + n + " exists)");
    if (clean && !ln.empty()) ++rep.related;
  }
}

void check_all(const expectations& x, const seen_entries& found, verify_report& rep) {
  const auto& known = known_recipients();
  for (const auto& [ref, ex] : x.by_ref) {
    int present = 0, expected = 0;
    const bool amending = !ex.amends.empty() && x.by_ref.count(ex.amends) &&
                          x.by_ref.at(ex.amends).amended_by == ref;  // checked with the notice it amends
    for (const auto& r : ex.recipients) {
      if (std::find(known.begin(), known.end(), r) == known.end()) continue;  // no certificate to look
      ++expected;
      const auto& list = at(found, r, ref);
      if (!list.empty()) ++present;
      if (amending) continue;
      if (ex.amended_by.empty())
        check_plain(r, ref, ex, list, rep);
      else
        check_amended(r, x, ref, ex.amended_by, found, rep);
    }
    if (ex.id.empty() && present != 0 && present != expected) {
      ++rep.not_atomic;
      rep.fail(ref + ": reply lost, and the message is in only " + std::to_string(present) + " of its " +
               std::to_string(expected) + " outboxes (not atomic)");
    }
  }
}

}  // namespace

void check_outboxes(const std::vector<generator>& gens, const std::vector<outcome>& outcomes, const outbox_map& seen,
                    verify_report& rep) {
  const expectations x = expected(gens, outcomes, rep);
  check_seqs(seen, rep);
  check_all(x, collect(x, seen, rep), rep);
}

}  // namespace jubes::bench
