// SPDX-License-Identifier: EUPL-1.2
#include "batch.hpp"

#include <charconv>

namespace jubes::bench {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ':';
}

// Finds the next start tag whose local name is `local`, from `pos`. @return position of '<' or npos.
std::size_t find_start(std::string_view x, std::string_view local, std::size_t pos, std::size_t& tag_end) {
  while ((pos = x.find('<', pos)) != std::string_view::npos) {
    std::size_t p = pos + 1;
    std::size_t n = p;
    while (n < x.size() && name_char(x[n])) ++n;
    std::string_view qname = x.substr(p, n - p);
    auto colon = qname.rfind(':');
    std::string_view ln = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
    if (ln == local && n < x.size() && (x[n] == '>' || x[n] == ' ' || x[n] == '/' || x[n] == '\t' || x[n] == '\n')) {
      tag_end = x.find('>', n);
      if (tag_end == std::string_view::npos) return std::string_view::npos;
      return pos;
    }
    pos = n;
  }
  return std::string_view::npos;
}

std::string attr(std::string_view tag, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = tag.find(name, pos)) != std::string_view::npos) {
    bool left_ok = pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\t' || tag[pos - 1] == '\n');
    std::size_t e = pos + name.size();
    while (e < tag.size() && tag[e] == ' ') ++e;
    if (left_ok && e < tag.size() && tag[e] == '=') {
      ++e;
      while (e < tag.size() && tag[e] == ' ') ++e;
      if (e < tag.size() && (tag[e] == '"' || tag[e] == '\'')) {
        char q = tag[e];
        auto close = tag.find(q, e + 1);
        if (close != std::string_view::npos) return std::string(tag.substr(e + 1, close - e - 1));
      }
    }
    pos += name.size();
  }
  return {};
}

// Text of the first element with local name `local` inside [from, to), raw or escaped markup.
std::string child_text(std::string_view x, std::string_view local, std::size_t from, std::size_t to) {
  std::string_view r = x.substr(from, to - from);
  std::size_t tag_end = 0;
  auto p = find_start(r, local, 0, tag_end);
  if (p != std::string_view::npos && r[tag_end - 1] != '/') {
    auto close = r.find('<', tag_end + 1);
    if (close != std::string_view::npos) return std::string(r.substr(tag_end + 1, close - tag_end - 1));
  }
  // The message may be carried escaped (text) rather than as child elements.
  std::string open = std::string(local) + "&gt;";
  auto q = r.find(open);
  if (q != std::string_view::npos) {
    auto start = q + open.size();
    auto close = r.find("&lt;", start);
    if (close != std::string_view::npos) return std::string(r.substr(start, close - start));
  }
  return {};
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

}  // namespace

bool parse_batch(std::string_view xml, std::vector<batch_entry>& out, std::string& error) {
  std::size_t tag_end = 0;
  std::size_t pos = find_start(xml, "entry", 0, tag_end);
  while (pos != std::string_view::npos) {
    std::size_t this_end = tag_end;
    std::size_t next_end = 0;
    std::size_t next = find_start(xml, "entry", this_end, next_end);
    std::size_t limit = next == std::string_view::npos ? xml.size() : next;
    std::string_view tag = xml.substr(pos, this_end - pos + 1);
    batch_entry e;
    std::string seq = attr(tag, "seq");
    if (seq.empty()) seq = trim(child_text(xml, "seq", this_end + 1, limit));
    e.id = attr(tag, "id");
    if (e.id.empty()) e.id = trim(child_text(xml, "id", this_end + 1, limit));
    if (e.id.empty()) e.id = trim(child_text(xml, "messageId", this_end + 1, limit));
    auto [p, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), e.seq);
    if (seq.empty() || ec != std::errc{} || p != seq.data() + seq.size() || e.id.empty()) {
      error = "outbox batch: an entry without a numeric seq or an id";
      return false;
    }
    e.superseded_by = attr(tag, "supersededBy");
    e.withdrawn_by = attr(tag, "withdrawnBy");
    e.relates_to = attr(tag, "relatesTo");
    e.has_body = !(this_end > pos && xml[this_end - 1] == '/');
    if (e.has_body) e.referentienummer = trim(child_text(xml, "referentienummer", this_end + 1, limit));
    out.push_back(std::move(e));
    pos = next;
    tag_end = next_end;
  }
  return true;
}

std::string receipt_id(std::string_view location, std::string_view bv03) {
  if (!location.empty()) {
    auto q = location.find('?');
    if (q != std::string_view::npos) location = location.substr(0, q);
    auto slash = location.rfind('/');
    auto id = location.substr(slash == std::string_view::npos ? 0 : slash + 1);
    if (!id.empty()) return std::string(id);
  }
  return trim(child_text(bv03, "referentienummer", 0, bv03.size()));
}

}  // namespace jubes::bench
