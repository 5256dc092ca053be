# Fails when a file in DIR includes an I/O library (Asio, Beast, OpenSSL, sockets); writes STAMP otherwise.
file(GLOB files ${DIR}/*.h ${DIR}/*.cpp)
foreach(file ${files})
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*<(boost/asio|boost/beast|openssl/|sys/socket)")
  if(lines)
    message(FATAL_ERROR "${file}: src/core does no I/O, but includes ${lines}")
  endif()
endforeach()
file(TOUCH ${STAMP})
