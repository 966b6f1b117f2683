# Shared build settings: warnings, sanitizers, and helpers that give every module the same shape.

set(CANDOR_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual)
if(CANDOR_WERROR)
    list(APPEND CANDOR_WARNINGS -Werror)
endif()

if(CANDOR_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

if(CANDOR_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
endif()

find_program(CANDOR_CCACHE ccache)
if(CANDOR_CCACHE)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${CANDOR_CCACHE}")
endif()

# candor_module(NAME SOURCES ... DEPS ...): the library candor_NAME, with src/ on its include
# path. DEPS are other targets; the dependency list is the layer graph.
function(candor_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_library(candor_${name} STATIC ${ARG_SOURCES})
    target_include_directories(candor_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src
                                              ${PROJECT_BINARY_DIR}/src)
    target_compile_options(candor_${name} PRIVATE ${CANDOR_WARNINGS})
    target_link_libraries(candor_${name} PUBLIC ${ARG_DEPS})
endfunction()

# candor_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest binary whose tests CTest
# lists one by one.
function(candor_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
    if(NOT ARG_LABELS)
        set(ARG_LABELS unit)
    endif()
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE ${CANDOR_WARNINGS})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
    gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}"
                         DISCOVERY_TIMEOUT 60)
endfunction()
