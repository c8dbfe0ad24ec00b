// Beast compiled once for jubes-bench; see lib_asio.cpp.
#include <boost/beast/src.hpp>
