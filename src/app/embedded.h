// Files embedded into candord at build time by cmake/EmbedFiles.cmake: the OpenAPI document and
// the HTML reference built from it.
#pragma once

#include <string_view>
#include <vector>

namespace candor::app {

struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};

// "openapi.json" (docs/api/openapi.json) and "reference.html" (built by Redocly), by file name.
const std::vector<EmbeddedFile>& ApiDocuments();

}  // namespace candor::app
