# Writes every catalogues/<language>/<name>.toml into one C++ source (OUT) as raw strings.
file(GLOB files RELATIVE ${DIR} ${DIR}/*/*.toml)
list(SORT files)
set(body "")
foreach(rel ${files})
  file(READ ${DIR}/${rel} text)
  string(FIND "${text}" ")toml\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${rel} contains the raw-string terminator )toml\"")
  endif()
  get_filename_component(lang ${rel} DIRECTORY)
  get_filename_component(name ${rel} NAME)
  string(APPEND body "    {\"${lang}\", \"${name}\", R\"toml(${text})toml\"},\n")
endforeach()
set(content "// Generated from src/i18n/catalogues by cmake/embed_catalogues.cmake; do not edit.
#include \"embedded_catalogues.h\"

namespace topicdesk::i18n {

const std::vector<EmbeddedCatalogue>& embedded_catalogues() {
  static const std::vector<EmbeddedCatalogue> files{
${body}  };
  return files;
}

}  // namespace topicdesk::i18n
")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE ${OUT} "${content}")
