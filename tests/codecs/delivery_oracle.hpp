// SPDX-License-Identifier: EUPL-1.2
#pragma once
// The test oracle of invariant 1 (issue 12, "accepted => deliverable, byte-faithfully"): xerces reads a document
// (namespace-aware, not validating, no DTD, nothing fetched) and writes the infoset of one element as text: per
// element its QName, namespace URI and local name, its in-scope namespace bindings, its attributes (namespace
// declarations excluded, values as the parser reports them) in order; text with references resolved and adjacent
// runs joined; comments and processing instructions. Two elements that print the same carry the same message.
// Shared by tests/codecs, tests/gateway and fuzz/delivery_fuzz.cpp. Call after xerces is initialised.
#include <string>
#include <string_view>
#include <vector>

namespace jubes::codecs::test {

struct infoset_result {
  bool ok = false;
  std::string error;  ///< when !ok: xerces' message (not well-formed, wrong encoding, ...)
  std::string dump;   ///< the infoset of the chosen element(s)
};

/// The infoset of the document's root element (depth 1 and below). Comments and PIs before or after the root
/// element are not part of it.
infoset_result root_infoset(std::string_view document);

/// The infoset of the content of the `index`-th (0-based) <entry> of an outbox batch: everything inside the
/// entry element, so anything but exactly one message element (stray text, comments, PIs) shows in the dump.
infoset_result entry_infoset(std::string_view batch, std::size_t index);

/// @return "" if the dumps are equal, else the first line where they differ, from each.
std::string first_difference(std::string_view want, std::string_view got);

/// @return true if `s` is well-formed UTF-8 of XML 1.0 characters only (no C0 other than TAB LF CR, no
/// surrogates, no U+FFFE/U+FFFF, no overlong forms).
bool is_xml10_utf8(std::string_view s);

/// One way a source may send a message: a name that says how it was made, and the bytes.
struct variant {
  std::string name;
  std::string bytes;
};

/// Variants of `example` (a valid message in UTF-8 with an XML declaration, as in conf/examples): every
/// combination of a content change (as is, character references, raw non-ASCII incl. NEL and U+2028, CDATA,
/// comments and PIs inside, default namespace instead of a prefix, xsi:schemaLocation, comments/PIs/xml-stylesheet
/// before the root, whitespace/comments/PIs/garbage/NUL after it), an XML declaration (none, 1.0, 1.1, with
/// encoding, standalone, single quotes, longer than 512 and than 64 Ki bytes) and an encoding (UTF-8 with and
/// without BOM, UTF-16LE/BE with and without BOM, ISO-8859-1, US-ASCII). Combinations an encoding cannot
/// carry are left out. Some variants are invalid on purpose (garbage after the root, a declaration that lies).
std::vector<variant> delivery_variants(std::string_view example);

/// One variant chosen by numbers (for the fuzz target): `payload` (taken as UTF-8 text) put into `example` at
/// `place` % 4 (inside the first dti:voornamen, before the root, after the root, inside the root start tag), with
/// XML declaration `decl` % 4 (none, 1.0, 1.1, 1.0 longer than 512 bytes, each naming the encoding) and encoding
/// `encoding` % 6 (UTF-8, UTF-8 with BOM, UTF-16LE/BE with BOM, UTF-16LE without, ISO-8859-1).
/// @return the bytes; empty if the encoding cannot carry them or the payload is not UTF-8
std::string make_variant(std::string_view example, std::string_view payload, unsigned place, unsigned decl,
                         unsigned encoding);

}  // namespace jubes::codecs::test
