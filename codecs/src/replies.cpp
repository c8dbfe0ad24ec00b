// SPDX-License-Identifier: EUPL-1.2
#include "codecs/replies.hpp"

#include <iterator>

#include "codecs/catalog.hpp"
#include "codecs/projection.hpp"
#include "codecs/xml_text.hpp"
#include "text.hpp"

namespace jubes::codecs {
namespace {

// Appends <dti:name>text</dti:name>, the text escaped and cut to `max_chars` code points.
void element(std::string& out, std::string_view indent, std::string_view name, std::string_view text,
             std::size_t max_chars) {
  out += indent;
  out += "<dti:";
  out += name;
  out += '>';
  append_escaped(out, text.substr(0, detail::utf8_prefix_bytes(text, max_chars)));
  out += "</dti:";
  out += name;
  out += ">\n";
}

// A Systeem; applicatie needs at least 3 characters, so a shorter one is padded with '?' (never expected).
void append_systeem(std::string& out, std::string_view name, const systeem& s) {
  out += "    <dti:";
  out += name;
  out += ">\n";
  if (!s.organisatie.empty()) element(out, "      ", "organisatie", s.organisatie, 200);
  std::string app = s.applicatie;
  while (detail::utf8_prefix_bytes(app, 3) == app.size() && app.size() < 3) app.push_back('?');
  element(out, "      ", "applicatie", app, 50);
  if (!s.administratie.empty()) element(out, "      ", "administratie", s.administratie, 50);
  if (!s.gebruiker.empty()) element(out, "      ", "gebruiker", s.gebruiker, 100);
  out += "    </dti:";
  out += name;
  out += ">\n";
}

// Refnummer: 1..40 characters; an empty one is never written (callers omit the element).
void refnummer(std::string& out, std::string_view name, std::string_view v) {
  element(out, "    ", name, v.empty() ? std::string_view("-") : v, 40);
}

// Tijdstip: [0-9]{8,17}; anything else is replaced by the epoch day so the reply stays valid.
std::string tijdstip(std::string_view v) {
  bool ok = v.size() >= 8 && v.size() <= 17;
  for (const char c : v) ok = ok && c >= '0' && c <= '9';
  return ok ? std::string(v) : std::string("19700101");
}

const char* header() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
}

}  // namespace

systeem zender_of(const envelope& env) {
  return {env.zender_organisatie, env.zender_applicatie, env.zender_administratie, env.zender_gebruiker};
}

systeem ontvanger_of(const envelope& env) {
  return {env.ontvanger_organisatie, env.ontvanger_applicatie, env.ontvanger_administratie, env.ontvanger_gebruiker};
}

namespace {
/// The XML declaration, the root <dti:{code}Bericht> and the opening of its stuurgegevens up to the zender.
std::string open_reply(std::string_view code, const systeem& zender, std::size_t reserve) {
  std::string out;
  out.reserve(reserve);
  out += header();
  out += "<dti:";
  out += code;
  out += "Bericht xmlns:dti=\"";
  out += jubes_namespace;
  out += "\">\n  <dti:stuurgegevens>\n";
  element(out, "    ", "berichtcode", code, 4);
  append_systeem(out, "zender", zender);
  return out;
}
}  // namespace

std::string encode_bv03(const receipt_info& r) {
  std::string out = open_reply("Bv03", r.zender, 768);
  append_systeem(out, "ontvanger", r.ontvanger);
  refnummer(out, "referentienummer", r.message_id);
  element(out, "    ", "tijdstipBericht", tijdstip(r.tijdstip_bericht), 17);
  refnummer(out, "crossRefnummer", r.cross_ref);
  out += "  </dti:stuurgegevens>\n</dti:Bv03Bericht>\n";
  return out;
}

std::string encode_fo03(const fault_reply_info& f) {
  std::string out = open_reply("Fo03", f.zender, 1024);
  if (!f.ontvanger.applicatie.empty()) append_systeem(out, "ontvanger", f.ontvanger);
  if (!f.referentienummer.empty()) refnummer(out, "referentienummer", f.referentienummer);
  element(out, "    ", "tijdstipBericht", tijdstip(f.tijdstip_bericht), 17);
  if (!f.cross_ref.empty()) refnummer(out, "crossRefnummer", f.cross_ref);
  out += "  </dti:stuurgegevens>\n  <dti:body>\n";
  bool code_ok = f.code.size() == 7 && f.code.rfind("StUF", 0) == 0;
  for (std::size_t i = 4; code_ok && i < 7; ++i) code_ok = f.code[i] >= '0' && f.code[i] <= '9';
  element(out, "    ", "code", code_ok ? std::string_view(f.code) : std::string_view("StUF058"), 7);
  element(out, "    ", "plek", f.plek == "server" ? "server" : "client", 6);
  element(out, "    ", "omschrijving", f.omschrijving.empty() ? std::string_view("fout") : f.omschrijving, 200);
  if (!f.details.empty()) element(out, "    ", "details", f.details, 1000);
  if (f.line > 0) {
    out += "    <dti:locatie>\n";
    element(out, "      ", "regel", std::to_string(f.line), 20);
    element(out, "      ", "kolom", std::to_string(f.column > 0 ? f.column : 1), 20);
    if (!f.element_path.empty()) element(out, "      ", "element", f.element_path, 1000);
    out += "    </dti:locatie>\n";
  }
  out += "  </dti:body>\n</dti:Fo03Bericht>\n";
  return out;
}

namespace {

// The UTC civil time of a Unix time in milliseconds, by arithmetic (Howard Hinnant's
// civil_from_days): no gmtime_r (glibc takes its time-zone lock even for UTC), no snprintf.
struct utc_time {
  long long year;
  int month, day, hour, minute, second, milli;
};

utc_time utc_of(std::int64_t unix_ms) {
  std::int64_t days = unix_ms / 86400000, ms = unix_ms % 86400000;
  if (ms < 0) {
    ms += 86400000;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const auto s = static_cast<int>(ms / 1000);
  return {static_cast<long long>(yoe) + era * 400 + (month <= 2),
          month,
          static_cast<int>(doy - (153 * mp + 2) / 5 + 1),
          s / 3600,
          s / 60 % 60,
          s % 60,
          static_cast<int>(ms % 1000)};
}

// Appends `v` in exactly `width` decimal digits (v < 10^width).
void digits(std::string& out, long long v, int width) {
  char b[20];
  for (int i = width - 1; i >= 0; --i, v /= 10) b[i] = static_cast<char>('0' + v % 10);
  out.append(b, static_cast<std::size_t>(width));
}

// One formatter for both time formats: StUF (yyyymmddhhmmssmmm) or ISO 8601 with separators.
std::string format_utc(std::int64_t unix_ms, bool iso) {
  const utc_time t = utc_of(unix_ms);
  std::string out;
  out.reserve(24);
  if (t.year < 0 || t.year > 9999) {
    out = std::to_string(t.year);  // outside four digits; never for a real clock
  } else {
    digits(out, t.year, 4);
  }
  const int fields[] = {t.month, t.day, t.hour, t.minute, t.second};
  constexpr char iso_separator[] = {'-', '-', 'T', ':', ':'};
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    if (iso) out += iso_separator[i];
    digits(out, fields[i], 2);
  }
  if (iso) out += '.';
  digits(out, t.milli, 3);
  if (iso) out += 'Z';
  return out;
}

// Appends ` name="value"`, the value escaped.
void attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_escaped(out, value);
  out += '"';
}

void attribute(std::string& out, std::string_view name, std::uint64_t value) {
  attribute(out, name, std::to_string(value));
}

// `<name xmlns="outbox_namespace"` after the XML declaration; the caller adds attributes and closes the tag.
void open_delivery_document(std::string& out, std::string_view name) {
  out += header();
  out += '<';
  out += name;
  out += " xmlns=\"";
  out += outbox_namespace;
  out += '"';
}

}  // namespace

std::string stuf_timestamp(std::int64_t unix_ms) {
  return format_utc(unix_ms, false);
}

std::string iso_timestamp(std::int64_t unix_ms) {
  return format_utc(unix_ms, true);
}

std::string encode_outbox_open(std::string_view recipient, std::uint64_t after, std::size_t count, std::uint64_t last) {
  std::string out;
  open_delivery_document(out, "outbox");
  attribute(out, "recipient", recipient);
  attribute(out, "after", after);
  attribute(out, "count", count);
  if (count > 0) attribute(out, "last", last);
  out += ">\n";
  return out;
}

void append_outbox_entry(std::string& out, const outbox_entry_view& e) {
  out += "<entry";
  attribute(out, "seq", e.seq);
  attribute(out, "id", e.message_id);
  attribute(out, "type", e.message_type);
  attribute(out, "source", e.source_party);
  attribute(out, "time", iso_timestamp(e.accepted_at_ms));
  if (e.deadline_ms > 0) attribute(out, "deadline", iso_timestamp(e.deadline_ms));
  switch (e.link) {
    case delivery_link::superseded_by:
      attribute(out, "supersededBy", e.link_id);
      out += "/>\n";
      return;
    case delivery_link::withdrawn_by:
      attribute(out, "withdrawnBy", e.link_id);
      out += "/>\n";
      return;
    case delivery_link::relates_to:
      attribute(out, "relatesTo", e.link_id);
      break;
    case delivery_link::none:
      break;
  }
  if (e.purged) {
    out += " purged=\"true\"/>\n";
    return;
  }
  out += '>';
  auto body = embeddable_body(e.body);
  if (body && e.view) {
    if (!append_projected(out, *body, *e.view)) out += "<unembeddable/>";
  } else {
    out += body ? std::string_view(*body) : std::string_view("<unembeddable/>");
  }
  out += "</entry>\n";
}

std::string_view outbox_close() {
  return "</outbox>\n";
}

std::string encode_outbox_batch(std::string_view recipient, std::uint64_t after,
                                std::span<const outbox_entry_view> entries) {
  std::string out = encode_outbox_open(recipient, after, entries.size(), entries.empty() ? 0 : entries.back().seq);
  std::size_t total = out.size() + 16;
  for (const auto& e : entries) total += e.body.size() + 256;
  out.reserve(total);
  for (const auto& e : entries) append_outbox_entry(out, e);
  out += outbox_close();
  return out;
}

std::string encode_ack(std::string_view recipient, std::uint64_t cursor) {
  std::string out;
  open_delivery_document(out, "ack");
  attribute(out, "recipient", recipient);
  attribute(out, "cursor", cursor);
  out += "/>\n";
  return out;
}

std::string encode_forward(std::uint64_t id, std::string_view to, bool added) {
  std::string out;
  open_delivery_document(out, "forward");
  attribute(out, "id", id);
  attribute(out, "to", to);
  attribute(out, "new", added ? "true" : "false");
  out += "/>\n";
  return out;
}

}  // namespace jubes::codecs
