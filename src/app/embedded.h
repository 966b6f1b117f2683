// Files embedded into candord at build time by cmake/EmbedFiles.cmake: the OpenAPI document.
#pragma once

#include <string_view>
#include <vector>

namespace candor::app {

struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};

// docs/api/*.json, by file name.
const std::vector<EmbeddedFile>& ApiDocuments();

}  // namespace candor::app
