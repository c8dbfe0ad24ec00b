// Asio SSL compiled once for jubes-bench; see lib_asio.cpp.
#include <boost/asio/ssl/impl/src.hpp>
