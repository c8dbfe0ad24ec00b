#include "storage/errc.hpp"

#include <string>

namespace jubes::storage {
namespace {

class category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "storage"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::locked:
        return "data directory is in use by another process (flock on LOCK held; is jubesd running?)";
      case errc::bad_version:
        return "store has an unknown format version or is not a jubes store";
      case errc::io_error:
        return "storage I/O error (LMDB or file system); nothing was changed";
      case errc::store_full:
        return "store full: the LMDB map reached its configured maximum";
      case errc::overloaded:
        return "storage writer queue full";
      case errc::not_found:
        return "not found";
      case errc::beyond_head:
        return "ack beyond the outbox head";
      case errc::corrupt:
        return "stored record failed to decode (run jubesctl check)";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::not_recipient:
        return "party is not a recipient of the message";
      case errc::not_parked:
        return "message is not parked";
      case errc::read_only:
        return "store is open read-only";
      case errc::closed:
        return "store is closed";
    }
    return "unknown storage error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& category() noexcept {
  static const category_impl c;
  return c;
}

}  // namespace jubes::storage
