#pragma once
// Deterministic generator of valid jubes notices (docs/MESSAGES.md) for the load tool.
//
// A message is identified by (source party, slot): the same seed, party and slot always give the same
// bytes, so a record file needs only those to send a message again (--replay), and the tool knows,
// by construction, which recipients the default routing table (conf/routes.yaml) gives each message:
// every municipality used is one of the dev PKI's (0363, 0599, 0518, 0344, 0141, all current and
// taking part in BIJ), BIJ notices always carry a qualifying offence and a final sentence, and no
// institution is one that a subscription (hvh-almelo) follows. See docs/BENCHMARKS.md.
//
// Threading: a generator is immutable after construction; make() is const and thread-safe.
#include <cstdint>
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
};

struct message {
  std::string party;                    ///< source party id
  std::uint64_t slot = 0;               ///< per-party sequence number
  std::string type;                     ///< root element local name
  std::string referentienummer;         ///< unique per (seed, party, slot)
  std::string body;                     ///< the XML document
  std::vector<std::string> recipients;  ///< expected by the default routing table, sorted
};

class generator {
 public:
  explicit generator(generator_options o) : o_(o) {}
  /// @param party index into sources()
  /// @param slot per-party sequence number
  /// @return the message; deterministic in (options, party, slot)
  message make(int party, std::uint64_t slot) const;
  /// @return the referentienummer of (party, slot) without building the body
  std::string referentienummer(int party, std::uint64_t slot) const;
  const generator_options& options() const { return o_; }

 private:
  generator_options o_;
};

/// The one BSN eleven-test (common/bsn.hpp); the generator only draws numbers that pass it.
using jubes::bsn_eleven_test;

/// FNV-1a 64: a cheap fingerprint of bodies and receipts in record files (not a security hash).
std::uint64_t fnv1a(std::string_view s);

/// splitmix64 step; the generator's only source of randomness.
std::uint64_t mix(std::uint64_t x);

}  // namespace jubes::bench
