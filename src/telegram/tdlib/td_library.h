// libtdjson.so, loaded at run time with dlopen: the four C functions of TDLib's JSON
// interface (docs/tdlib-subset.md). The production library comes from the npm package
// @prebuilt-tdlib/linux-x64-glibc; tests load tgsim's fake or hand in scripted functions.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace topicdesk::telegram::tdlib {

// The C functions, as TDLib declares them.
struct TdFunctions {
  int (*create_client_id)() = nullptr;
  void (*send)(int client_id, const char* request) = nullptr;
  const char* (*receive)(double timeout) = nullptr;
  const char* (*execute)(const char* request) = nullptr;
};

class TdLibrary {
 public:
  // dlopens `path` and resolves the four functions; the error names the path and what failed.
  // Also sets TDLib's log verbosity to 1 (errors only) so TDLib does not spam stderr.
  static core::Result<std::shared_ptr<TdLibrary>> load(const std::string& path);
  // Functions already in memory (unit tests' scripted fake). Nothing is dlclosed.
  static std::shared_ptr<TdLibrary> from_functions(TdFunctions functions, std::string name = "scripted");

  ~TdLibrary();
  TdLibrary(const TdLibrary&) = delete;
  TdLibrary& operator=(const TdLibrary&) = delete;

  int create_client_id() const { return functions_.create_client_id(); }
  void send(int client_id, const std::string& request) const { functions_.send(client_id, request.c_str()); }
  // One thread only (TdRuntime's). nullopt when nothing arrived within `timeout_seconds`.
  std::optional<std::string> receive(double timeout_seconds) const;
  // Synchronous requests (setLogVerbosityLevel, getOption version, getTextEntities …).
  std::string execute(const std::string& request) const;

  const std::string& path() const { return path_; }

 private:
  TdLibrary(void* handle, TdFunctions functions, std::string path);
  void* handle_ = nullptr;
  TdFunctions functions_;
  std::string path_;
};

// Where libtdjson.so is looked for, in order: `configured` ([tdlib] library) when not empty
// (then only it); $TOPICDESK_TDJSON; <executable dir>/../node_modules/@prebuilt-tdlib/
// linux-x64-glibc/libtdjson.so; <executable dir>/node_modules/…; ./node_modules/….
std::vector<std::string> library_candidates(const std::string& configured);
// The first candidate that exists, or an error listing every place looked at.
core::Result<std::string> find_library(const std::string& configured);
// find_library + TdLibrary::load.
core::Result<std::shared_ptr<TdLibrary>> load_library(const std::string& configured);

}  // namespace topicdesk::telegram::tdlib
