// SPDX-License-Identifier: EUPL-1.2
// The one TU that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION).
#include <boost/beast/src.hpp>
