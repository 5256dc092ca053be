# The throwaway PostgreSQL server for tests (scripts/pg-test-server), as a CTest fixture.
# A test that needs it calls topicdesk_requires_pg(TEST...); a GoogleTest binary passes
# ${TOPICDESK_PG_TEST_PROPERTIES} to gtest_discover_tests(... PROPERTIES ...) (its test names
# must not depend on the variable: discovery does not get it). CTest then
# starts the server before it (FIXTURES_SETUP), stops it after the last one
# (FIXTURES_CLEANUP), and the test gets TOPICDESK_TEST_PG, the server's admin libpq URI.
# Without Debian's PostgreSQL server binaries those tests run without the variable (their
# PostgreSQL cases skip) and configuring says so; under CI (CI set) that is an error, so a
# green CI run has always run the PostgreSQL cases.
set(TOPICDESK_PG_TEST_PROPERTIES "")
set(TOPICDESK_TEST_PG_URI "")

set(_pg_script ${PROJECT_SOURCE_DIR}/scripts/pg-test-server)
set(_pg_dir ${CMAKE_BINARY_DIR}/pg-test-server)
if(DEFINED ENV{TOPICDESK_PG_BINDIR})
  set(_pg_initdb $ENV{TOPICDESK_PG_BINDIR}/initdb)
else()
  # CONFIGURE_DEPENDS: installing the server later reconfigures the build tree.
  file(GLOB _pg_initdb CONFIGURE_DEPENDS /usr/lib/postgresql/*/bin/initdb)
endif()
if(NOT _pg_initdb)
  if(DEFINED ENV{CI})
    message(FATAL_ERROR "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
                        "the tests against PostgreSQL need Debian's postgresql package")
  endif()
  message(WARNING "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): "
                  "tests against PostgreSQL are skipped; apt-get install postgresql")
  function(topicdesk_requires_pg)
  endfunction()
  return()
endif()

execute_process(COMMAND ${_pg_script} uri ${_pg_dir} OUTPUT_VARIABLE TOPICDESK_TEST_PG_URI
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
add_test(NAME pg_test_server_start COMMAND ${_pg_script} start ${_pg_dir})
add_test(NAME pg_test_server_stop COMMAND ${_pg_script} stop ${_pg_dir})
set_tests_properties(pg_test_server_start PROPERTIES FIXTURES_SETUP pg_server LABELS pg)
set_tests_properties(pg_test_server_stop PROPERTIES FIXTURES_CLEANUP pg_server LABELS pg)
set(TOPICDESK_PG_TEST_PROPERTIES FIXTURES_REQUIRED pg_server ENVIRONMENT "TOPICDESK_TEST_PG=${TOPICDESK_TEST_PG_URI}")

function(topicdesk_requires_pg)
  foreach(test ${ARGN})
    set_property(TEST ${test} APPEND PROPERTY FIXTURES_REQUIRED pg_server)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT "TOPICDESK_TEST_PG=${TOPICDESK_TEST_PG_URI}")
  endforeach()
endfunction()

