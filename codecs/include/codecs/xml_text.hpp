#pragma once
// Small XML text utilities the gateway uses when it builds documents of its own (the outbox batch).
//
// Embedding stored messages in the outbox batch: a stored body may be UTF-16 or ISO-8859-1 and starts with an
// XML declaration, so it cannot be pasted byte-for-byte into a UTF-8 batch. embeddable_body() transcodes it
// to UTF-8 and drops the BOM and XML declaration (nothing else changes: the root keeps its own namespace
// declarations, so the embedded element means exactly what the message meant; DOCTYPEs never get stored).
// Call it once at accept time and store the result beside the original, or per batch (it is cheap for UTF-8).
// See docs/codecs.md.
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "codecs/errc.hpp"

namespace jubes::codecs {

/// Appends `text` to `out`, escaping & < > " ' (safe for element content and attribute values).
/// `text` must be UTF-8; bytes XML 1.0 cannot carry (C0 controls other than TAB/LF/CR) become '?'.
void append_escaped(std::string& out, std::string_view text);
/// @return `text` escaped as by append_escaped.
std::string escaped(std::string_view text);

/// @return the body as UTF-8 without BOM and XML declaration, ready to embed as a child element of a UTF-8
/// document; errc::unsupported_encoding for an encoding we do not accept, errc::not_well_formed for bytes
/// invalid in the detected encoding. Detects: BOM (UTF-8, UTF-16LE/BE), the prolog's encoding= (UTF-8,
/// UTF-16, ISO-8859-1/latin1, US-ASCII), default UTF-8.
boost::system::result<std::string> embeddable_body(std::string_view body);

/// @return the part of an UTF-8 body after an optional BOM and XML declaration (no copy). Only for bodies known
/// to be UTF-8; use embeddable_body() otherwise.
std::string_view strip_prolog_utf8(std::string_view body);

}  // namespace jubes::codecs
