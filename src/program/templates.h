// The template programs, embedded from templates/*.json at build time (cmake/EmbedFiles.cmake),
// sorted by file name. Private to the program module: TemplateJson reads them.
#pragma once

#include <string_view>
#include <vector>

namespace candor::program {

struct EmbeddedFile {
    std::string_view name;
    std::string_view content;
};

const std::vector<EmbeddedFile>& Templates();

}  // namespace candor::program
