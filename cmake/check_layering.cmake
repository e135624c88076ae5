# Checks the includes of every file of every layer, as text (a ctest test:
# Layering.includes). Complements the compiler's enforcement (per-layer
# include roots and cmake/forbidden/, see CMakeLists.txt), which a relative
# include ("../analysis/run.h") or a library's inner header
# (<yaml-cpp/node/node.h>) would get past.
#
#   cmake -DSOURCE_DIR=<tree> -P cmake/check_layering.cmake
#
# Rules: project headers are included by prefixed, layer-qualified path
# ("dsim/models/client.h"), never relative to the including file; each layer
# includes only its own and lower layers; YAML only in loader/ and cli/,
# JSON only in analysis/ and cli/, CLI11 only in cli/.
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<tree> -P check_layering.cmake")
endif()

set(layers sim models loader analysis cli)
set(allow_sim sim)
set(allow_models sim models)
set(allow_loader sim models loader)
set(allow_analysis sim models analysis)
set(allow_cli sim models loader analysis cli)
set(forbid_sim yaml-cpp/ nlohmann/ CLI/)
set(forbid_models yaml-cpp/ nlohmann/ CLI/)
set(forbid_loader nlohmann/ CLI/)
set(forbid_analysis yaml-cpp/ CLI/)
set(forbid_cli "")

# Headers that stay in the source tree (PRIVATE_HEADERS in CMakeLists.txt):
# an installed (public) header must not include one.
set(private_headers dsim/loader/builtin_parsers.h dsim/loader/config_yaml.h dsim/loader/parse_faults.h
                    dsim/cli/output.h)

set(problems "")
set(checked 0)
foreach(layer IN LISTS layers)
  file(GLOB files ${SOURCE_DIR}/${layer}/*.h ${SOURCE_DIR}/${layer}/*.cpp ${SOURCE_DIR}/${layer}/*.in)
  foreach(f IN LISTS files)
    file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS lines)
      math(EXPR checked "${checked} + 1")
      if(NOT line MATCHES "#[ \t]*include[ \t]*([\"<])([^\">]+)[\">]")
        continue()
      endif()
      set(kind ${CMAKE_MATCH_1})
      set(inc ${CMAKE_MATCH_2})
      if(kind STREQUAL "\"")
        if(inc MATCHES "\\.\\.")
          list(APPEND problems "${rel}: #include \"${inc}\": relative include: name the prefix and the layer, as in \"dsim/models/x.h\"")
        elseif(inc MATCHES "^dsim/([a-z_]+)/")
          list(FIND allow_${layer} ${CMAKE_MATCH_1} found)
          if(found EQUAL -1)
            string(REPLACE ";" ", " allowed "${allow_${layer}}")
            list(APPEND problems "${rel}: #include \"${inc}\": ${layer}/ may include only ${allowed}")
          endif()
          list(FIND private_headers ${inc} included_private)
          list(FIND private_headers "dsim/${rel}" self_private)
          if(rel MATCHES "\\.h$" AND self_private EQUAL -1 AND NOT included_private EQUAL -1)
            list(APPEND problems "${rel}: #include \"${inc}\": a public header includes a private one")
          endif()
        else()
          list(APPEND problems "${rel}: #include \"${inc}\": name the prefix and the layer (\"dsim/${layer}/...\")")
        endif()
      else()
        foreach(prefix IN LISTS forbid_${layer})
          string(FIND "${inc}" "${prefix}" at)
          if(at EQUAL 0)
            list(APPEND problems "${rel}: #include <${inc}>: ${layer}/ must not use ${prefix}")
          endif()
        endforeach()
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  list(LENGTH problems n)
  string(REPLACE ";" "\n  " text "${problems}")
  message(FATAL_ERROR "layering: ${n} include(s) run the wrong way:\n  ${text}")
endif()
message(STATUS "layering: ${checked} includes checked, all in order")
