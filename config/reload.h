// What a reload (SIGHUP) cannot apply: the keys whose new value only a restart takes. A pure
// function over two validated Configs, safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace cf {

// The keys that differ between the running and the next config and need a restart to apply,
// each named once; empty when a reload applies everything that changed.
std::vector<std::string> needing_restart(const Config& running, const Config& next);

}  // namespace cf
