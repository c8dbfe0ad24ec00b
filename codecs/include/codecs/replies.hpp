// SPDX-License-Identifier: EUPL-1.2
#pragma once
// StUF 03.01-shaped synchronous replies to an asynchronous message (Bv03 receipt, Fo03 fault), valid against
// conf/schemas/jubes/replies.xsd (namespace jubes_namespace, roots Bv03Bericht and Fo03Bericht).
// Pure functions, thread-safe, UTF-8 output with an XML declaration. Input strings are escaped; characters
// XML 1.0 cannot carry (control characters) are replaced by '?'. Strings longer than the schema allows are
// truncated (on a UTF-8 boundary), so a reply is always schema-valid even when it describes bad input.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "codecs/validator.hpp"

namespace jubes::codecs {

/// A StUF "Systeem": organisatie?, applicatie (3..50), administratie?, gebruiker?.
struct systeem {
  std::string organisatie;
  std::string applicatie;
  std::string administratie;
  std::string gebruiker;
};

/// @return the zender of a parsed message as a systeem (the ontvanger of our reply).
systeem zender_of(const envelope& env);
/// @return the ontvanger of a parsed message as a systeem.
systeem ontvanger_of(const envelope& env);

/// Bv03: "received and stored". stuurgegevens: berichtcode Bv03, zender = the gateway, ontvanger = the message's
/// zender, referentienummer = the gateway message id, tijdstipBericht = time accepted, crossRefnummer = the
/// message's referentienummer.
struct receipt_info {
  std::string message_id;        ///< gateway message id (1..40 characters)
  std::string tijdstip_bericht;  ///< time accepted, yyyymmddhhmmssmmm (17 digits)
  systeem zender;                ///< the gateway, e.g. {"JUSTID", "JUBES"}
  systeem ontvanger;             ///< the original zender
  std::string cross_ref;         ///< the accepted message's referentienummer
};
std::string encode_bv03(const receipt_info& r);

/// Fo03: "refused". body: code, plek (client|server), omschrijving, details?, and locatie (regel, kolom,
/// element) when the input is at fault.
struct fault_reply_info {
  std::string code;             ///< StUF error code, e.g. "StUF001" (syntax), "StUF016" (referentienummer reused)
  std::string plek = "client";  ///< "client" (the input is at fault) or "server"
  std::string omschrijving;     ///< text (max 200, truncated)
  std::string details;          ///< optional longer text (max 1000, truncated); empty: omitted
  std::uint64_t line = 0;       ///< 0: no locatie element
  std::uint64_t column = 0;
  std::string element_path;
  std::string referentienummer;  ///< the reply's own referentienummer (e.g. a fault id); empty: omitted
  std::string tijdstip_bericht;  ///< time of the reply, yyyymmddhhmmssmmm
  systeem zender;                ///< the gateway
  systeem ontvanger;             ///< the original zender if known (applicatie empty: ontvanger omitted)
  std::string cross_ref;         ///< the refused message's referentienummer if known; empty: omitted
};
std::string encode_fo03(const fault_reply_info& f);

/// Formats a current UTC time as yyyymmddhhmmssmmm. @param unix_ms milliseconds since 1970-01-01
std::string stuf_timestamp(std::int64_t unix_ms);

/// Formats a UTC time as xs:dateTime with milliseconds, e.g. "2026-11-29T10:30:15.123Z".
std::string iso_timestamp(std::int64_t unix_ms);

// ---- the delivery documents: outbox batch, ack, forward ------------------------------------------------------
// Valid against conf/schemas/jubes/outbox.xsd (outbox_schema_set()), namespace outbox_namespace. What a
// recipient reads from GET /v1/outbox, POST /v1/outbox/ack and POST /v1/messages/{id}/forward. Pure functions,
// thread-safe; attribute values are escaped as by append_escaped().

/// Namespace of the outbox, ack and forward documents.
inline constexpr std::string_view outbox_namespace = "http://www.justid.nl/jubes/outbox/0100";

/// How an entry relates to another message (docs/api.md, "Corrections and withdrawals").
enum class delivery_link : std::uint8_t {
  none = 0,
  superseded_by = 1,  ///< supersededBy="ID", empty: the message was corrected before it was acknowledged
  withdrawn_by = 2,   ///< withdrawnBy="ID", empty: the message was withdrawn before it was acknowledged
  relates_to = 3,     ///< relatesTo="ID": this message corrects or withdraws message ID
};
class projection;  // codecs/projection.hpp

/// One outbox entry as the store hands it out. Views: the caller keeps the data alive during the call.
struct outbox_entry_view {
  std::uint64_t seq = 0;  ///< gapless per recipient
  std::uint64_t message_id = 0;
  std::string_view message_type;
  std::string_view source_party;
  std::int64_t accepted_at_ms = 0;
  bool purged = false;           ///< the body is gone by retention: the entry is written empty, purged="true"
  std::string_view body;         ///< the stored message in any accepted encoding; embedded via embeddable_body()
  std::int64_t deadline_ms = 0;  ///< the entry's legal deadline (ms since the epoch), deadline="..."; 0: none
  delivery_link link = delivery_link::none;
  std::uint64_t link_id = 0;  ///< the message `link` names
  /// The recipient's projection (codecs/projection.hpp): the entry carries the projected message; null: the
  /// message as sent (only for its source). A body that cannot be projected becomes <unembeddable/>.
  const projection* view = nullptr;
};

/// <outbox recipient after count [last]> with one <entry seq id type source time [deadline]> per entry, in the given
/// order, each holding the message itself as its only child (UTF-8, without XML declaration), or empty with
/// purged="true". The message is embedded by embeddable_body() (its element only, UTF-8, same infoset). A body that
/// cannot be embedded (impossible for one the validator accepted, which checks it; only a body stored by an older
/// version, e.g. XML 1.1) becomes <unembeddable/>, so the batch is well-formed whatever the store holds.
/// @param after the seq the recipient asked to read after; last = the seq of the final entry (omitted if none)
std::string encode_outbox_batch(std::string_view recipient, std::uint64_t after,
                                std::span<const outbox_entry_view> entries);

/// The same document in pieces, for a reply written as it is produced (never held whole in memory):
/// encode_outbox_open() + append_outbox_entry() for each entry + outbox_close() == encode_outbox_batch().
/// @param count the number of entries that will follow; last their final seq (0 and ignored when count is 0)
std::string encode_outbox_open(std::string_view recipient, std::uint64_t after, std::size_t count, std::uint64_t last);
void append_outbox_entry(std::string& out, const outbox_entry_view& e);
std::string_view outbox_close();

/// <ack recipient cursor/>: the recipient's cursor after POST /v1/outbox/ack.
std::string encode_ack(std::string_view recipient, std::uint64_t cursor);

/// <forward id to new/>: message `id` forwarded to `to`; `added` false when `to` already had it.
std::string encode_forward(std::uint64_t id, std::string_view to, bool added);

}  // namespace jubes::codecs
