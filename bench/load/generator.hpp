// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Deterministic generator of valid jubes notices (docs/MESSAGES.md) for the load tool.
//
// A message is identified by (source party, slot): the same options, party and slot always give the
// same bytes, so a record file needs only those to send a message again (--replay), and the tool knows,
// by construction, which recipients the default routing table (conf/routes.yaml) gives each message:
// every municipality used is one of the dev PKI's (0363, 0599, 0518, 0344, 0141, all current and
// taking part in BIJ), BIJ notices always carry a qualifying offence and a final sentence, and no
// institution is one that a subscription (hvh-almelo) follows. See docs/BENCHMARKS.md.
//
// The contents are drawn per template: slot s of a party has the content of its template
// s % templates and its own referentienummer (so every body is distinct). prepare() builds every
// template of the run beforehand, so that sending a message costs a copy of its template with the
// referentienummer filled in, not a generation (bodies with a 1 MiB plan are never kept; they are
// built when sent).
//
// Threading: after construction and prepare() a generator is immutable; make(), body() and
// referentienummer() are const and thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bsn.hpp"

namespace jubes::bench {

/// A source party: its id (certificate CN), its zender, and the share of connections it gets.
struct source_party {
  std::string_view id;
  std::string_view organisatie;
  std::string_view applicatie;
  std::string_view short_name;  // in referentienummers
};

/// The four DJI sources of docs/MESSAGES.md, in a fixed order (index = party number).
const std::vector<source_party>& sources();
/// @return the index of `id` in sources(), or -1
int source_index(std::string_view id);

/// The recipients the dev PKI has certificates for (the poller and --verify use these).
const std::vector<std::string>& known_recipients();

struct generator_options {
  std::uint64_t seed = 1;
  double plan_fraction = 0;        ///< share of messages that are reintegratieplan with a 1 MiB plan
  std::size_t target_size = 2048;  ///< approximate body size of an ordinary message, bytes
  std::uint64_t templates = 1024;  ///< distinct contents per party (slot s uses template s % templates)
};

struct message {
  std::string party;                    ///< source party id
  std::uint64_t slot = 0;               ///< per-party sequence number
  std::string type;                     ///< root element local name
  std::string referentienummer;         ///< unique per (seed, party, slot)
  std::string body;                     ///< the XML document
  std::vector<std::string> recipients;  ///< expected by the default routing table, sorted
};

/// A correction (kind 'C', StUF mutatiesoort C) or withdrawal ('V') of the notice in slot `of` of
/// the same party (docs/MESSAGES.md, "Corrections and withdrawals"; --corrections).
struct amendment {
  char kind = 'C';
  std::uint64_t of = 0;
  friend bool operator==(const amendment&, const amendment&) = default;
};

class generator {
 public:
  explicit generator(generator_options o);
  /// Builds every template of every party now (before a run), so that body() only copies.
  void prepare();
  /// @param party index into sources()
  /// @param slot per-party sequence number
  /// @return the message; deterministic in (options, party, slot)
  /// With `am`, slot `slot` is an amendment of slot am->of: the earlier notice's content (same type,
  /// same recipients) under its own referentienummer, with stuurgegevens/crossRefnummer naming the
  /// earlier one's and parameters/mutatiesoort am->kind.
  message make(int party, std::uint64_t slot, const amendment* am = nullptr) const;
  /// Writes the body of make(party, slot, am) alone into `out` (its capacity is reused): after
  /// prepare() a copy of the template with the referentienummer filled in.
  void body(int party, std::uint64_t slot, std::string& out, const amendment* am = nullptr) const;
  /// @return the referentienummer of (party, slot) without building the body
  std::string referentienummer(int party, std::uint64_t slot) const;
  const generator_options& options() const { return o_; }

  /// One template: the body split where the referentienummer goes, the type and the recipients.
  struct content {
    std::string type;
    std::vector<std::string> pieces;  ///< body = pieces[0] + ref + pieces[1] + ... + ref + pieces.back()
    std::vector<std::string> recipients;
    bool large = false;  ///< a 1 MiB plan: not kept, built with the real referentienummer when sent
  };

 private:
  /// The message of template `t` with referentienummer `ref`.
  message build(int party, std::uint64_t t, const std::string& ref) const;
  content make_content(int party, std::uint64_t t) const;
  const content* prepared(int party, std::uint64_t slot) const;

  generator_options o_;
  std::string seed_hex_;                    ///< the seed's low 32 bits, 8 hex digits (in referentienummers)
  std::vector<std::vector<content>> pool_;  ///< [party][template], filled by prepare()
};

/// Decides which of one sender's fresh posts are corrections or withdrawals (--corrections F), and
/// of which notice: only of a new notice (not itself an amendment) this sender saw acknowledged, and
/// never of the same notice twice. A draw below F owes one amendment; an owed amendment is made as
/// soon as an acknowledged notice is open (so at most about half the posts can be amendments).
/// Deterministic in (fraction, seed) and the sequence of calls. Not thread-safe (one per sender).
class amendment_planner {
 public:
  amendment_planner(double fraction, std::uint64_t seed) : fraction_(fraction), rnd_(seed) {}
  /// Called once per fresh post. @return what this post amends, or nullopt for a new notice
  std::optional<amendment> next();
  /// The new notice in `slot` was acknowledged (201/200): it may be amended from now on.
  void acknowledged(std::uint64_t slot) { open_.push_back(slot); }
  std::size_t open() const { return open_.size(); }

 private:
  double fraction_;
  std::uint64_t rnd_;
  std::uint64_t owed_ = 0;
  std::vector<std::uint64_t> open_;  ///< acknowledged, not amended yet
};

/// The one BSN eleven-test (common/bsn.hpp); the generator only draws numbers that pass it.
using jubes::bsn_eleven_test;

/// A cheap 64-bit fingerprint of bodies and receipts in record files (not a security hash): eight
/// bytes per step (little-endian words; the same value on every host).
std::uint64_t fingerprint(std::string_view s);

/// splitmix64 step; the generator's only source of randomness.
std::uint64_t mix(std::uint64_t x);

}  // namespace jubes::bench
