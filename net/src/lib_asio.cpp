// SPDX-License-Identifier: EUPL-1.2
// The one TU that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION): keeps every other TU light.
#include <boost/asio/impl/src.hpp>
