// SPDX-License-Identifier: EUPL-1.2
// The one TU that compiles Asio's SSL support (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/ssl/impl/src.hpp>
