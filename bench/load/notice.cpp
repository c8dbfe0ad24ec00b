// SPDX-License-Identifier: EUPL-1.2
// The content of one generated notice: the dev PKI's municipalities and institutions, the facts drawn, the XML written.
#include <algorithm>
#include <array>
#include <cstdio>
#include <span>

#include "common/recipient.hpp"
#include "generator.hpp"
#include "generator_rng.hpp"

namespace jubes::bench {

namespace {

// Weighted message types per kind of source. Weights follow the 2024 volumes loosely (re-integration
// notices dominate) but give the rare kinds (BIJ, 18b) enough share that every route is exercised.
struct weighted {
  std::string_view type;
  int weight;
};
// Every source sends these (re-integration and IDV), drawn after its own kinds below.
constexpr std::array<weighted, 6> common_types{{{"eersteInschrijving", 20},
                                                {"wijzigingEinddatum", 15},
                                                {"overplaatsing", 10},
                                                {"reintegratieplan", 12},
                                                {"einddetentie", 15},
                                                {"idvDetentieverloop", 13}}};
constexpr std::array<weighted, 4> prison_types{
    {{"piBeeindiging", 3}, {"piRegimefasering", 3}, {"piVerlof", 4}, {"melding18b", 5}}};
constexpr std::array<weighted, 2> jvs_types{{{"pijBeeindiging", 5}, {"pijVerlofmachtiging", 5}}};
constexpr std::array<weighted, 2> mits_types{{{"tbsVoorwaardelijkeBeeindiging", 5}, {"tbsVerlof", 5}}};

// A type by weight from the source's own kinds followed by common_types (one draw over both lists).
std::string_view pick_type(std::span<const weighted> own, std::uint64_t r) {
  const std::array<std::span<const weighted>, 2> lists{own, common_types};
  int total = 0;
  for (const auto list : lists)
    for (const auto& w : list) total += w.weight;
  int x = static_cast<int>(r % static_cast<std::uint64_t>(total));
  for (const auto list : lists) {
    for (const auto& w : list) {
      if (x < w.weight) return w.type;
      x -= w.weight;
    }
  }
  return own[0].type;
}

bool is_bij_end(std::string_view t) {
  return t == "piBeeindiging" || t == "tbsVoorwaardelijkeBeeindiging" || t == "pijBeeindiging";
}
bool is_leave(std::string_view t) {
  return t == "piRegimefasering" || t == "piVerlof" || t == "tbsVerlof" || t == "pijVerlofmachtiging";
}
bool is_18a(std::string_view t) {
  return t == "eersteInschrijving" || t == "wijzigingEinddatum" || t == "overplaatsing" || t == "reintegratieplan" ||
         t == "einddetentie";
}

struct gemeente {
  std::string_view code, plaats, straat;
  int postcode;
  std::string_view letters;
};
// The municipalities of the dev PKI; all current (no merged codes) and all BIJ participants.
constexpr std::array<gemeente, 5> gemeenten{{{"0363", "Amsterdam", "Keizersgracht", 1015, "CJ"},
                                             {"0599", "Rotterdam", "Coolsingel", 3011, "AD"},
                                             {"0518", "'s-Gravenhage", "Laan van Meerdervoort", 2517, "AK"},
                                             {"0344", "Utrecht", "Oudegracht", 3511, "AL"},
                                             {"0141", "Almelo", "Grotestraat", 7607, "CT"}}};

struct instelling {
  std::string_view code, naam, type, titel;
  int gemeente;  // index into gemeenten
};
// None of these is followed by a subscription in conf/routes.yaml (hvh-almelo follows Almelo's PI).
constexpr std::array<instelling, 4> pi_inst{{{"PI-VUG-01", "PI Vught", "PI", "gevangenisstraf", 3},
                                             {"PI-ZWL-01", "PI Zwolle", "PI", "gevangenisstraf", 4},
                                             {"PI-RDM-02", "PI Rotterdam De Schie", "PI", "gevangenisstraf", 1},
                                             {"PI-HGL-01", "PI Haaglanden", "PI", "gevangenisstraf", 2}}};
constexpr std::array<instelling, 2> jji_inst{{{"JJI-LLS-01", "JJI Lelystad", "JJI", "pij-maatregel", 0},
                                              {"JJI-TNH-01", "JJI Teylingereind", "JJI", "pij-maatregel", 2}}};
constexpr std::array<instelling, 2> tbs_inst{{{"FPC-UTR-01", "FPC Utrecht", "TBS", "tbs-dwangverpleging", 3},
                                              {"FPC-AMS-01", "FPC Amsterdam", "TBS", "tbs-dwangverpleging", 0}}};

constexpr std::array<std::string_view, 12> voornamen{"Jan Pieter", "Mohammed", "Sanne", "Kevin",  "Fatima", "Dirk",
                                                     "Anouk",      "Youssef",  "Lars",  "Samira", "Ruben",  "Emma"};
constexpr std::array<std::string_view, 12> achternamen{"Jansen", "de Vries", "Bakker",    "Visser",
                                                       "Smit",   "Meijer",   "El Amrani", "Mulder",
                                                       "Bos",    "Vos",      "Peters",    "Hendriks"};

// Days since 1970-01-01 <-> civil date (Howard Hinnant's algorithms).
long days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}
struct ymd {
  int y;
  unsigned m, d;
};
ymd civil_from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + static_cast<int>(era) * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}
std::string date(long days) {
  auto c = civil_from_days(days);
  char b[16];
  std::snprintf(b, sizeof b, "%04d-%02u-%02u", c.y, c.m, c.d);
  return b;
}
int age_on(long birth, long on) {
  auto b = civil_from_days(birth), o = civil_from_days(on);
  int a = o.y - b.y;
  if (o.m < b.m || (o.m == b.m && o.d < b.d)) --a;
  return a;
}

std::string make_bsn(rng& r) {
  for (;;) {
    std::array<int, 9> d{};
    d[0] = 1 + static_cast<int>(r.below(9));
    int sum = 9 * d[0];
    for (int i = 1; i < 8; ++i) {
      d[i] = static_cast<int>(r.below(10));
      sum += (9 - i) * d[i];
    }
    int last = sum % 11;  // 9*d1+...+2*d8 - d9 = 0 mod 11  =>  d9 = sum mod 11
    if (last == 10) continue;
    d[8] = last;
    std::string s;
    for (int x : d) s.push_back(static_cast<char>('0' + x));
    return s;
  }
}

void add(std::string& out, std::string_view tag, std::string_view value) {
  out += "<dti:";
  out += tag;
  out += '>';
  for (char c : value) {  // generated text has no markup, but escape anyway
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else
      out += c;
  }
  out += "</dti:";
  out += tag;
  out += '>';
}

void brp_adres(std::string& out, const gemeente& g, int huisnummer, long begin, bool dji) {
  out += "<dti:adres>";
  add(out, "gemeentecode", g.code);
  add(out, "straatnaam", g.straat);
  add(out, "huisnummer", std::to_string(huisnummer));
  add(out, "postcode", std::to_string(g.postcode) + std::string(g.letters));
  add(out, "woonplaats", g.plaats);
  add(out, "begindatum", date(begin));
  add(out, "djiInstelling", dji ? "true" : "false");
  out += "</dti:adres>";
}

void instelling_xml(std::string& out, const instelling& i) {
  out += "<dti:instelling>";
  add(out, "code", i.code);
  add(out, "naam", i.naam);
  add(out, "type", i.type);
  out += "</dti:instelling>";
}

constexpr std::string_view b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Valid base64 of `octets` bytes (a multiple of 3): the content of a "PDF" nobody opens.
std::string plan_content(rng& r, std::size_t octets) {
  std::string s;
  s.resize(octets / 3 * 4);
  std::uint64_t x = r.next();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((i & 7) == 0) x = mix(x);
    s[i] = b64[(x >> ((i & 7) * 6)) & 63];
  }
  return s;
}

}  // namespace

const std::vector<std::string>& known_recipients() {
  static const std::vector<std::string> r = [] {
    std::vector<std::string> v{"3ro", "hvh-almelo", "idv", "rvdk"};
    // Each municipality's two mailboxes (docs/MESSAGES.md, "Mailboxes"): the dev PKI has a certificate per box.
    for (const auto& g : gemeenten)
      for (const char* box : {"bij", "reintegratie"}) v.push_back(recipient::municipality(g.code, box).str());
    std::sort(v.begin(), v.end());
    return v;
  }();
  return r;
}

namespace {

// What one notice is about, drawn in a fixed order from its rng (the order is part of the
// generator's output: a record file replays by (seed, party, slot) alone).
struct facts {
  const source_party* src;
  const instelling* inst;
  bool large_plan;
  long event, det_begin, birth;
  bool minor;
  const gemeente* home;
  const gemeente* leave;
  long home_begin;
  std::string strafduur;
  std::vector<std::string_view> delicten;
  bool onherroepelijk;
};

std::string_view draw_type(const source_party& src, bool large_plan, std::uint64_t tr) {
  if (large_plan) return "reintegratieplan";
  if (src.id == "jvs") return pick_type(jvs_types, tr);
  if (src.id == "mits") return pick_type(mits_types, tr);
  return pick_type(prison_types, tr);
}

// Only qualifying BIJ notices: a sexual and/or serious violent offence with a final sentence.
void draw_offences(rng& r, bool bij, facts& f) {
  if (bij) {
    f.delicten.push_back(r.below(2) ? "zeden" : "ernstig-geweld");
    if (r.below(3) == 0) f.delicten.push_back("overig");
    f.onherroepelijk = true;
  } else {
    static constexpr std::array<std::string_view, 4> cats{"zeden", "ernstig-geweld", "brandstichting", "overig"};
    f.delicten.push_back(cats[r.below(cats.size())]);
    f.onherroepelijk = r.below(4) != 0;
  }
}

facts draw_facts(const source_party& src, rng& r, bool large_plan, std::string& type) {
  facts f{};
  f.src = &src;
  f.large_plan = large_plan;
  type = draw_type(src, large_plan, r.next());
  f.inst = src.id == "jvs"    ? &jji_inst[r.below(jji_inst.size())]
           : src.id == "mits" ? &tbs_inst[r.below(tbs_inst.size())]
                              : &pi_inst[r.below(pi_inst.size())];
  // Dates: the event in 2026; detention began 1..6 years before.
  f.event = days_from_civil(2026, 1, 1) + static_cast<long>(r.below(330));
  f.det_begin = f.event - 365 - static_cast<long>(r.below(5 * 365));
  int age = src.id == "jvs" ? 15 + static_cast<int>(r.below(8)) : 19 + static_cast<int>(r.below(50));
  f.birth = f.event - static_cast<long>(age) * 365 - static_cast<long>(age / 4) - 30 - static_cast<long>(r.below(300));
  f.minor = age_on(f.birth, f.event) < 18;
  // Addresses: the last non-DJI address decides the municipality of end-of-detention and 18a kinds.
  f.home = &gemeenten[r.below(gemeenten.size())];
  f.leave = &gemeenten[r.below(gemeenten.size())];
  f.home_begin = f.det_begin - 200 - static_cast<long>(r.below(2000));
  f.strafduur = std::to_string(400 + r.below(3000));
  draw_offences(r, is_bij_end(type) || is_leave(type), f);
  return f;
}

void write_stuurgegevens(std::string& x, const message& m, const facts& f, rng& r) {
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dti:";
  x += m.type;
  x += " xmlns:dti=\"http://www.justid.nl/jubes/detentie/0100\">";
  x += "<dti:stuurgegevens>";
  add(x, "berichtcode", "Lk01");
  x += "<dti:zender>";
  add(x, "organisatie", f.src->organisatie);
  add(x, "applicatie", f.src->applicatie);
  x += "</dti:zender><dti:ontvanger>";
  add(x, "organisatie", "JUSTID");
  add(x, "applicatie", "JUBES");
  x += "</dti:ontvanger>";
  add(x, "referentienummer", m.referentienummer);
  auto c = civil_from_days(f.event);
  char ts[32];
  std::uint64_t ms = r.below(86400000);
  std::snprintf(ts, sizeof ts, "%04d%02u%02u%02llu%02llu%02llu%03llu", c.y, c.m, c.d,
                static_cast<unsigned long long>(ms / 3600000), static_cast<unsigned long long>(ms / 60000 % 60),
                static_cast<unsigned long long>(ms / 1000 % 60), static_cast<unsigned long long>(ms % 1000));
  add(x, "tijdstipBericht", ts);
  x += "</dti:stuurgegevens>";
}

// The person up to and including the two current addresses (older ones are added later, to size).
void write_persoon_head(std::string& x, const facts& f, rng& r) {
  add(x, "gebeurtenisdatum", date(f.event));
  x += "<dti:persoon>";
  add(x, "bsn", make_bsn(r));
  add(x, "voornamen", voornamen[r.below(voornamen.size())]);
  std::string_view achternaam = achternamen[r.below(achternamen.size())];
  if (achternaam.starts_with("de ")) {
    add(x, "voorvoegsel", "de");
    achternaam.remove_prefix(3);
  }
  add(x, "geslachtsnaam", achternaam);
  add(x, "geboortedatum", date(f.birth));
  x += "<dti:brpAdressen>";
  // Written out of date order on purpose: routing must pick the latest non-DJI address itself.
  brp_adres(x, gemeenten[static_cast<std::size_t>(f.inst->gemeente)], 1 + static_cast<int>(r.below(20)), f.det_begin,
            true);
  brp_adres(x, *f.home, 1 + static_cast<int>(r.below(300)), f.home_begin, false);
}

void write_detentie(std::string& tail, const std::string& type, const facts& f, rng& r) {
  tail += "<dti:detentie>";
  instelling_xml(tail, *f.inst);
  add(tail, "titel", f.inst->titel);
  add(tail, "begindatum", date(f.det_begin));
  add(tail, "geplandEinddatum", date(f.event + static_cast<long>(r.below(400))));
  if (is_bij_end(type) || type == "melding18b" || type == "einddetentie")
    add(tail, "feitelijkeEinddatum", date(f.event));
  tail += "<dti:delicten>";
  for (auto d : f.delicten) add(tail, "delictcategorie", d);
  tail += "</dti:delicten>";
  add(tail, "strafduurDagen", f.strafduur);
  add(tail, "onherroepelijk", f.onherroepelijk ? "true" : "false");
  tail += "</dti:detentie>";
}

// The part only some kinds carry: a leave, a transfer, or a re-integration plan.
void write_kind_part(std::string& tail, const message& m, const facts& f, rng& r) {
  if (is_leave(m.type)) {
    tail += "<dti:verlof><dti:adres>";
    add(tail, "gemeentecode", f.leave->code);
    add(tail, "straatnaam", f.leave->straat);
    add(tail, "huisnummer", std::to_string(1 + r.below(200)));
    add(tail, "woonplaats", f.leave->plaats);
    tail += "</dti:adres>";
    add(tail, "begindatum", date(f.event));
    add(tail, "einddatum", date(f.event + 1 + static_cast<long>(r.below(3))));
    tail += "</dti:verlof>";
  } else if (m.type == "overplaatsing") {
    const instelling& to = pi_inst[r.below(pi_inst.size())];
    const std::string_view id = f.src->id;
    tail += "<dti:overplaatsing><dti:naarInstelling>";
    add(tail, "code", id == "jvs" ? jji_inst[0].code : id == "mits" ? tbs_inst[0].code : to.code);
    add(tail, "naam", id == "jvs" ? jji_inst[0].naam : id == "mits" ? tbs_inst[0].naam : to.naam);
    add(tail, "type", f.inst->type);
    tail += "</dti:naarInstelling></dti:overplaatsing>";
  } else if (m.type == "reintegratieplan") {
    tail += "<dti:plan>";
    add(tail, "bestandsnaam", "plan-" + m.referentienummer + ".pdf");
    add(tail, "mimeType", "application/pdf");
    add(tail, "inhoud", plan_content(r, f.large_plan ? 1048575 : 600));
    tail += "</dti:plan>";
  }
}

// Older addresses (before home_begin, never DJI) bring an ordinary notice to about target_size.
void write_older_addresses(std::string& x, std::size_t tail_size, const facts& f, std::size_t target_size, rng& r) {
  constexpr std::size_t per_address = 290;
  std::size_t have = x.size() + tail_size;
  long older = f.home_begin;
  for (int n = 0; have + per_address / 2 < target_size && n < 90; ++n) {
    older -= 300 + static_cast<long>(r.below(900));
    std::size_t before = x.size();
    brp_adres(x, gemeenten[r.below(gemeenten.size())], 1 + static_cast<int>(r.below(300)), older, false);
    have += x.size() - before;
  }
}

// Expected recipients under conf/routes.yaml (by construction, see the header comment), sorted.
std::vector<std::string> expected_recipients(std::string_view type, const facts& f) {
  std::vector<std::string> to;
  // BIJ and 18b notices go to the BIJ box, 18a notices to the re-integration box and to probation.
  if (is_leave(type)) {
    to.push_back(recipient::municipality(f.leave->code, "bij").str());
  } else if (is_bij_end(type) || type == "melding18b") {
    to.push_back(recipient::municipality(f.home->code, "bij").str());
  } else if (is_18a(type)) {
    to.push_back(recipient::municipality(f.home->code, "reintegratie").str());
    to.push_back("3ro");
    if (f.minor) to.push_back("rvdk");
  } else if (type == "idvDetentieverloop") {
    to.push_back("idv");
  }
  std::sort(to.begin(), to.end());
  return to;
}

}  // namespace

message generator::build(int party, std::uint64_t t, const std::string& ref) const {
  const source_party& src = sources()[static_cast<std::size_t>(party)];
  rng r{mix(o_.seed ^ mix(static_cast<std::uint64_t>(party) * 0x100000001ULL + 0x51ed27ULL) ^ mix(t + 1))};

  message m;
  m.party = std::string(src.id);
  m.referentienummer = ref;
  const bool large_plan = o_.plan_fraction > 0 && r.unit() < o_.plan_fraction;
  const facts f = draw_facts(src, r, large_plan, m.type);

  std::string& x = m.body;
  x.reserve(large_plan ? 1500000 : o_.target_size + 512);
  write_stuurgegevens(x, m, f, r);
  write_persoon_head(x, f, r);
  std::string tail = "</dti:brpAdressen></dti:persoon>";  // the rest, to size the address history first
  write_detentie(tail, m.type, f, r);
  write_kind_part(tail, m, f, r);
  tail += "</dti:";
  tail += m.type;
  tail += ">\n";
  write_older_addresses(x, tail.size(), f, o_.target_size, r);
  x += tail;
  m.recipients = expected_recipients(m.type, f);
  return m;
}

}  // namespace jubes::bench
