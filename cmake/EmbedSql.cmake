# clientflow_embed_sql(TARGET NAMESPACE HEADER DIR): embeds each .sql file in DIR as
# `inline constexpr std::string_view <file name without .sql>` in NAMESPACE, in a generated
# header that sources include as HEADER (for instance "store/queries.h"); a file added to DIR is
# picked up at the next build. A file starts with
# comments naming its parameters; a trailing semicolon is dropped so that statements can be
# prepared or joined into one round trip.
set(CLIENTFLOW_EMBED_SQL_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_sql_header.cmake)

function(clientflow_embed_sql target namespace header dir)
  file(GLOB files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT files)
  set(output ${PROJECT_BINARY_DIR}/generated/${header})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} "-DFILES=${files}" -DOUTPUT=${output} -DNAMESPACE=${namespace}
            -P ${CLIENTFLOW_EMBED_SQL_SCRIPT}
    DEPENDS ${files} ${CLIENTFLOW_EMBED_SQL_SCRIPT}
    COMMENT "Embedding SQL statements in ${header}"
    VERBATIM)
  string(MAKE_C_IDENTIFIER "embed_${header}" embed_target)
  add_custom_target(${embed_target} DEPENDS ${output})
  add_dependencies(${target} ${embed_target})
  target_sources(${target} PRIVATE ${output})
  target_include_directories(${target} PUBLIC ${PROJECT_BINARY_DIR}/generated)
endfunction()
