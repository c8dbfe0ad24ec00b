// SPDX-License-Identifier: EUPL-1.2
#include "codecs/validator.hpp"
#include "field_trie.hpp"
#include "text.hpp"

namespace jubes::codecs {
namespace {

std::u16string widen(std::string_view s) {
  // Paths are XML names; non-ASCII names are decoded from UTF-8.
  std::u16string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    char32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
      len = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

int add_path(field_set::trie& t, std::string_view path) {
  int n = 0;
  for (std::size_t b = 0; b <= path.size();) {
    std::size_t e = path.find('/', b);
    if (e == std::string_view::npos) e = path.size();
    if (e > b) n = t.add(n, widen(path.substr(b, e - b)));
    b = e + 1;
  }
  return n;
}

}  // namespace

int field_set::trie::add(int n, const std::u16string& name) {
  for (const auto& [cname, idx] : nodes[static_cast<std::size_t>(n)].children) {
    if (cname == name) return idx;
  }
  const int idx = static_cast<int>(nodes.size());
  nodes.emplace_back();
  nodes[static_cast<std::size_t>(n)].children.emplace_back(name, idx);
  std::string name8;
  detail::append_utf8(name8, name);
  nodes[static_cast<std::size_t>(n)].children8.emplace_back(std::move(name8), idx);
  return idx;
}

field_set::field_set(std::vector<std::string> paths) : paths_(std::move(paths)), trie_(std::make_unique<trie>()) {
  trie_->nodes.emplace_back();
  // The stuurgegevens every parse extracts, wherever StUF puts them: a child of the root.
  static constexpr std::pair<const char*, env_slot> envelope_paths[] = {
      {"stuurgegevens/berichtcode", env_slot::berichtcode},
      {"stuurgegevens/zender/organisatie", env_slot::zender_organisatie},
      {"stuurgegevens/zender/applicatie", env_slot::zender_applicatie},
      {"stuurgegevens/zender/administratie", env_slot::zender_administratie},
      {"stuurgegevens/zender/gebruiker", env_slot::zender_gebruiker},
      {"stuurgegevens/ontvanger/organisatie", env_slot::ontvanger_organisatie},
      {"stuurgegevens/ontvanger/applicatie", env_slot::ontvanger_applicatie},
      {"stuurgegevens/ontvanger/administratie", env_slot::ontvanger_administratie},
      {"stuurgegevens/ontvanger/gebruiker", env_slot::ontvanger_gebruiker},
      {"stuurgegevens/referentienummer", env_slot::referentienummer},
      {"stuurgegevens/tijdstipBericht", env_slot::tijdstip_bericht},
      {"stuurgegevens/crossRefnummer", env_slot::cross_refnummer},
  };
  for (const auto& [p, slot] : envelope_paths) trie_->nodes[static_cast<std::size_t>(add_path(*trie_, p))].slot = slot;
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const int n = add_path(*trie_, paths_[i]);
    if (n != 0) trie_->nodes[static_cast<std::size_t>(n)].fields.push_back(static_cast<int>(i));
  }
}

field_set::~field_set() = default;
field_set::field_set(field_set&&) noexcept = default;
field_set& field_set::operator=(field_set&&) noexcept = default;

int field_set::index_of(std::string_view path) const {
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i] == path) return static_cast<int>(i);
  }
  return -1;
}

void parsed::clear() {
  // clear() keeps capacity: a validator's output object is reused for every document on its thread.
  for (std::string* s :
       {&env.message_type, &env.ns, &env.schema_set, &env.berichtcode, &env.zender_organisatie, &env.zender_applicatie,
        &env.zender_administratie, &env.zender_gebruiker, &env.ontvanger_organisatie, &env.ontvanger_applicatie,
        &env.ontvanger_administratie, &env.ontvanger_gebruiker, &env.referentienummer, &env.tijdstip_bericht,
        &env.cross_refnummer}) {
    s->clear();
  }
  for (auto& f : fields) f.clear();
}

}  // namespace jubes::codecs
