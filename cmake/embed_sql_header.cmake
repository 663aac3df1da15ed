# Writes OUTPUT: a header of named SQL statements, one per file in FILES (see EmbedSql.cmake).
set(entries "")
foreach(path IN LISTS FILES)
  get_filename_component(name "${path}" NAME_WE)
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "${path}: a statement's file name must be a lower-case C++ name")
  endif()
  file(READ "${path}" sql)
  string(STRIP "${sql}" sql)
  if(sql MATCHES ";$")
    string(REGEX REPLACE ";$" "" sql "${sql}")
    string(STRIP "${sql}" sql)
  endif()
  string(FIND "${sql}" ")cfsql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains the embedding delimiter")
  endif()
  string(APPEND entries "inline constexpr std::string_view ${name} = R\"cfsql(${sql})cfsql\";\n\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from .sql files by cmake/embed_sql_header.cmake. Do not edit.
#pragma once

#include <string_view>

namespace ${NAMESPACE} {

${entries}}  // namespace ${NAMESPACE}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
