// Asio compiled once for jubes-bench (separate compilation). Used only while jubes::gateway, which
// carries the same three TUs, does not exist in the build; bench/load/CMakeLists.txt chooses.
#include <boost/asio/impl/src.hpp>
