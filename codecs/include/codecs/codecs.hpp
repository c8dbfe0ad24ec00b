// SPDX-License-Identifier: EUPL-1.2
#pragma once
// Umbrella header of jubes::codecs. See docs/codecs.md.
#include "codecs/catalog.hpp"
#include "codecs/errc.hpp"
#include "codecs/projection.hpp"
#include "codecs/replies.hpp"
#include "codecs/validator.hpp"
#include "codecs/xml_text.hpp"
