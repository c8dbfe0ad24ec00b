// SPDX-License-Identifier: EUPL-1.2
// The generator's templates, referentienummers and amendments; the content of a notice is written in notice.cpp.
#include "generator.hpp"

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "generator_rng.hpp"

namespace jubes::bench {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t fingerprint(std::string_view s) {
  // Eight bytes per step through a multiply-rotate chain, then splitmix64's finaliser; about 0.5
  // cycles per byte where byte-wise FNV-1a took five.
  auto word = [](const char* p, std::size_t n) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    return w;
  };
  auto load8 = [&](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return w;
  };
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) h = std::rotl((h ^ load8(s.data() + i)) * 0xbf58476d1ce4e5b9ULL, 31);
  h ^= word(s.data() + i, s.size() - i);
  return mix(h);
}

const std::vector<source_party>& sources() {
  static const std::vector<source_party> s{{"tulp-gw", "DJI", "TULP-GW", "TULP"},
                                           {"selectie", "DJI", "SELECTIE", "SEL"},
                                           {"jvs", "DJI", "JVS", "JVS"},
                                           {"mits", "DJI", "MITS", "MITS"}};
  return s;
}

int source_index(std::string_view id) {
  const auto& s = sources();
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i].id == id) return static_cast<int>(i);
  return -1;
}

generator::generator(generator_options o) : o_(o) {
  if (o_.templates == 0) o_.templates = 1;
  char b[16];
  std::snprintf(b, sizeof b, "%08llx", static_cast<unsigned long long>(o_.seed & 0xffffffffULL));
  seed_hex_ = b;
}

std::string generator::referentienummer(int party, std::uint64_t slot) const {
  // B<seed, 8 hex digits>-<party's short name>-<slot>
  const std::string_view name = sources()[static_cast<std::size_t>(party)].short_name;
  std::string r;
  r.reserve(1 + seed_hex_.size() + 2 + name.size() + 20);
  r += 'B';
  r += seed_hex_;
  r += '-';
  r += name;
  r += '-';
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, slot).ptr;
  r.append(digits, end);
  return r;
}

// The referentienummer's stand-in in a template: a byte that generated text never contains, at the
// length of a typical referentienummer (so that templates are sized like the messages).
constexpr std::string_view ref_marker = "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01";

generator::content generator::make_content(int party, std::uint64_t t) const {
  content c;
  // Whether template t carries a 1 MiB plan is the first draw of its rng (as in build()).
  rng r{mix(o_.seed ^ mix(static_cast<std::uint64_t>(party) * 0x100000001ULL + 0x51ed27ULL) ^ mix(t + 1))};
  c.large = o_.plan_fraction > 0 && r.unit() < o_.plan_fraction;
  if (c.large) return c;
  message m = build(party, t, std::string(ref_marker));
  c.type = std::move(m.type);
  c.recipients = std::move(m.recipients);
  std::string_view rest = m.body;
  for (auto at = rest.find(ref_marker); at != std::string_view::npos; at = rest.find(ref_marker)) {
    c.pieces.emplace_back(rest.substr(0, at));
    rest.remove_prefix(at + ref_marker.size());
  }
  c.pieces.emplace_back(rest);
  return c;
}

void generator::prepare() {
  pool_.assign(sources().size(), {});
  for (std::size_t p = 0; p < pool_.size(); ++p) {
    pool_[p].reserve(o_.templates);
    for (std::uint64_t t = 0; t < o_.templates; ++t) pool_[p].push_back(make_content(static_cast<int>(p), t));
  }
}

const generator::content* generator::prepared(int party, std::uint64_t slot) const {
  if (pool_.empty()) return nullptr;
  const content& c = pool_[static_cast<std::size_t>(party)][slot % o_.templates];
  return c.large ? nullptr : &c;
}

namespace {
void fill(const generator::content& c, const std::string& ref, std::string& body) {
  std::size_t n = ref.size() * (c.pieces.size() - 1);
  for (const auto& p : c.pieces) n += p.size();
  body.clear();
  body.reserve(n);
  for (std::size_t i = 0; i < c.pieces.size(); ++i) {
    if (i) body += ref;
    body += c.pieces[i];
  }
}
}  // namespace

namespace {
// Makes `body` (a notice with referentienummer `ref`) the amendment `am` of `cross`: crossRefnummer
// at the end of stuurgegevens, parameters/mutatiesoort right after it (the XSD's order).
void amend(std::string& body, const amendment& am, const std::string& cross) {
  constexpr std::string_view end_sg = "</dti:stuurgegevens>";
  const auto at = body.find(end_sg);
  if (at == std::string::npos) return;
  std::string ins = "<dti:crossRefnummer>" + cross + "</dti:crossRefnummer>";
  ins += end_sg;
  ins += "<dti:parameters><dti:mutatiesoort>";
  ins += am.kind;
  ins += "</dti:mutatiesoort></dti:parameters>";
  body.replace(at, end_sg.size(), ins);
}
}  // namespace

void generator::body(int party, std::uint64_t slot, std::string& out, const amendment* am) const {
  const std::string ref = referentienummer(party, slot);
  const std::uint64_t from = am ? am->of : slot;  // an amendment has the earlier notice's content
  const content* c = prepared(party, from);
  content local;
  if (!c) {
    local = make_content(party, from % o_.templates);
    c = &local;
  }
  if (c->large)
    out = build(party, from % o_.templates, ref).body;
  else
    fill(*c, ref, out);
  if (am) amend(out, *am, referentienummer(party, am->of));
}

message generator::make(int party, std::uint64_t slot, const amendment* am) const {
  const std::string ref = referentienummer(party, slot);
  const std::uint64_t from = am ? am->of : slot;
  const content* c = prepared(party, from);
  content local;
  if (!c) {
    local = make_content(party, from % o_.templates);
    c = &local;
  }
  message m;
  if (c->large) {
    m = build(party, from % o_.templates, ref);
  } else {
    m.party = std::string(sources()[static_cast<std::size_t>(party)].id);
    m.referentienummer = ref;
    m.type = c->type;
    fill(*c, ref, m.body);
    m.recipients = c->recipients;
  }
  if (am) amend(m.body, *am, referentienummer(party, am->of));
  m.slot = slot;
  return m;
}

std::optional<amendment> amendment_planner::next() {
  if (fraction_ <= 0) return std::nullopt;
  rnd_ = mix(rnd_);
  if (static_cast<double>(rnd_ >> 11) * (1.0 / 9007199254740992.0) < fraction_) ++owed_;
  if (owed_ == 0 || open_.empty()) return std::nullopt;
  --owed_;
  rnd_ = mix(rnd_);
  const std::size_t i = static_cast<std::size_t>(rnd_ % open_.size());
  amendment a{(rnd_ >> 40) & 1 ? 'V' : 'C', open_[i]};
  open_[i] = open_.back();  // never amended twice: it leaves the open set
  open_.pop_back();
  return a;
}

}  // namespace jubes::bench
