# Writes OUTPUT: a C++ file defining cf::store::known_migrations() from the SQL files in
# MIGRATIONS (a ;-list, ascending). Each file name starts with its version number.
set(entries "")
foreach(path IN LISTS MIGRATIONS)
  get_filename_component(name "${path}" NAME)
  string(REGEX MATCH "^[0-9]+" version "${name}")
  if(version STREQUAL "")
    message(FATAL_ERROR "migration ${name} does not start with a version number")
  endif()
  math(EXPR version "${version}")
  file(READ "${path}" sql)
  string(FIND "${sql}" ")cfsql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "migration ${name} contains the embedding delimiter")
  endif()
  string(APPEND entries "    {${version}, \"${name}\", R\"cfsql(${sql})cfsql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from sql/ by store/embed_migrations.cmake. Do not edit.
#include \"store/migrations.h\"

namespace cf::store {

const std::vector<Migration>& known_migrations() {
  static const std::vector<Migration> migrations{
${entries}  };
  return migrations;
}

}  // namespace cf::store
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
