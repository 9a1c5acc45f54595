#pragma once
// File provider: reads every *.yaml, *.yml and *.json file under the configured directories
// (recursively, in a stable order) into typed objects. Watching for changes comes with the
// control-plane work; today the files are read at start-up.
#include <string>
#include <vector>

#include "config/decode.h"

namespace torii::providers {

config::DecodeResult loadDirectories(const std::vector<std::string>& dirs);

}  // namespace torii::providers
