// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Small XML text utilities the gateway uses when it builds documents of its own (the outbox batch).
//
// Embedding stored messages in the outbox batch (issue 12, invariant 1: accepted => deliverable, faithfully): a
// stored body may be UTF-16 or ISO-8859-1, start with a BOM, an XML declaration, comments and PIs, and end with
// comments, PIs and whitespace, so it cannot be pasted byte-for-byte into a UTF-8 batch. embeddable_body()
// returns exactly the message element, transcoded to UTF-8: what lies around the root element is not part of it
// and is not delivered (an xml-stylesheet PI before the root is dropped). The element keeps its own namespace
// declarations; one that declares no default namespace gets xmlns="" so that its unprefixed elements do not
// fall into the batch's namespace. Everything inside the element (character references, CDATA, comments, PIs) is
// copied as sent. The validator refuses whatever this cannot embed (check_embeddable) and XML 1.1, so every
// accepted message embeds. docs/codecs.md, docs/api.md.
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "codecs/errc.hpp"
#include "common/result.hpp"

namespace jubes::codecs {

/// Appends `text` to `out`, escaping & < > " ' (safe for element content and attribute values).
/// `text` must be UTF-8; bytes XML 1.0 cannot carry (C0 controls other than TAB/LF/CR) become '?'.
void append_escaped(std::string& out, std::string_view text);
/// @return `text` escaped as by append_escaped.
std::string escaped(std::string_view text);

/// @return the message element of `body` as UTF-8 (see above), ready to embed as a child element of a UTF-8 XML
/// 1.0 document; errc::unsupported_encoding for an encoding or XML version we do not accept,
/// errc::not_well_formed for bytes invalid in the detected encoding or no delimitable root element. Detects: BOM
/// (UTF-8, UTF-16LE/BE), the prolog's encoding= (UTF-8, UTF-16, ISO-8859-1/latin1, US-ASCII), default UTF-8.
/// For a body the validator accepted it never fails.
boost::system::result<std::string> embeddable_body(std::string_view body);

/// @return whether embeddable_body(body) would succeed, with the cause if not (no copy for UTF-8 bodies). The
/// validator runs it on every document it accepts.
jubes::result<void> check_embeddable(std::string_view body);

/// @return the part of an UTF-8 body after an optional BOM and XML declaration (no copy). Only for bodies known
/// to be UTF-8; use embeddable_body() otherwise.
std::string_view strip_prolog_utf8(std::string_view body);

}  // namespace jubes::codecs
