// SPDX-License-Identifier: EUPL-1.2
#include "storage/errc.hpp"

#include <array>

#include "common/error_category.hpp"

namespace jubes::storage {
namespace {

constexpr auto info = errc_info::of<errc>;

// Each code once: its stable name and its message (one line, for operators).
constexpr std::array codes{
    info(errc::locked, "locked",
         "data directory is in use by another process (flock on LOCK held; is jubesd running?)"),
    info(errc::bad_version, "bad_version", "store has an unknown format version or is not a jubes store"),
    info(errc::io_error, "io_error", "storage I/O error (LMDB or file system); nothing was changed"),
    info(errc::store_full, "store_full", "store full: the LMDB map reached its configured maximum"),
    info(errc::overloaded, "overloaded", "storage writer queue full"),
    info(errc::not_found, "not_found", "not found"),
    info(errc::beyond_head, "beyond_head", "ack beyond the outbox head"),
    info(errc::corrupt, "corrupt", "stored record failed to decode (run jubesctl check)"),
    info(errc::invalid_argument, "invalid_argument", "invalid argument"),
    info(errc::not_recipient, "not_recipient", "party is not a recipient of the message"),
    info(errc::not_parked, "not_parked", "message is not parked"),
    info(errc::read_only, "read_only", "store is open read-only"),
    info(errc::closed, "closed", "store is closed"),
    info(errc::bad_key, "bad_key", "key-encryption key missing or wrong"),
    info(errc::unknown_reference, "unknown_reference",
         "crossRefnummer names no earlier message of this sender (of this message type)"),
    info(errc::already_superseded, "already_superseded",
         "the message referred to was already corrected or withdrawn: refer to the latest"),
};

}  // namespace

const boost::system::error_category& category() noexcept {
  static const table_category c("storage", codes, "unknown storage error");
  return c;
}

}  // namespace jubes::storage
