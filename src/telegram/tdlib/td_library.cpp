#include "telegram/tdlib/td_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace topicdesk::telegram::tdlib {
namespace {

constexpr const char* kNpmLibrary = "node_modules/@prebuilt-tdlib/linux-x64-glibc/libtdjson.so";
// TDLib logs to stderr at verbosity 5 by default; 1 keeps errors and fatal ones.
constexpr const char* kQuietLogs = R"({"@type":"setLogVerbosityLevel","new_verbosity_level":1})";

std::filesystem::path executable_dir() {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : exe.parent_path();
}

template <class F>
bool resolve(void* handle, const char* symbol, F& target) {
  target = reinterpret_cast<F>(dlsym(handle, symbol));  // NOLINT: dlsym gives void*
  return target != nullptr;
}

}  // namespace

TdLibrary::TdLibrary(void* handle, TdFunctions functions, std::string path)
    : handle_(handle), functions_(functions), path_(std::move(path)) {}

TdLibrary::~TdLibrary() {
  // TDLib keeps threads of its own alive until the process ends; unloading it under them
  // would crash. The handle stays open on purpose.
}

core::Result<std::shared_ptr<TdLibrary>> TdLibrary::load(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return core::make_error("cannot load TDLib from " + path + ": " + (why ? why : "dlopen failed"));
  }
  TdFunctions f;
  const bool complete = resolve(handle, "td_create_client_id", f.create_client_id) &&
                        resolve(handle, "td_send", f.send) && resolve(handle, "td_receive", f.receive) &&
                        resolve(handle, "td_execute", f.execute);
  if (!complete) {
    dlclose(handle);
    return core::make_error(path +
                            " is not TDLib's JSON library: td_create_client_id, td_send, td_receive or " +
                            "td_execute is missing");
  }
  std::shared_ptr<TdLibrary> library(new TdLibrary(handle, f, path));
  library->execute(kQuietLogs);
  return library;
}

std::shared_ptr<TdLibrary> TdLibrary::from_functions(TdFunctions functions, std::string name) {
  return std::shared_ptr<TdLibrary>(new TdLibrary(nullptr, functions, std::move(name)));
}

std::optional<std::string> TdLibrary::receive(double timeout_seconds) const {
  // The pointer is valid only until the next td_receive: copy at once.
  const char* text = functions_.receive(timeout_seconds);
  if (text == nullptr) return std::nullopt;
  return std::string(text);
}

std::string TdLibrary::execute(const std::string& request) const {
  const char* text = functions_.execute(request.c_str());
  return text == nullptr ? std::string() : std::string(text);
}

std::vector<std::string> library_candidates(const std::string& configured) {
  if (!configured.empty()) return {configured};
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("TOPICDESK_TDJSON"); env != nullptr && *env != '\0')
    candidates.emplace_back(env);
  auto exe_dir = executable_dir();
  if (!exe_dir.empty()) {
    candidates.push_back((exe_dir / ".." / kNpmLibrary).lexically_normal().string());
    candidates.push_back((exe_dir / kNpmLibrary).lexically_normal().string());
  }
  candidates.push_back((std::filesystem::current_path() / kNpmLibrary).string());
  return candidates;
}

core::Result<std::string> find_library(const std::string& configured) {
  auto candidates = library_candidates(configured);
  std::string looked;
  for (const auto& candidate : candidates) {
    std::error_code error;
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
    looked += (looked.empty() ? "" : ", ") + candidate;
  }
  if (!configured.empty()) return core::make_error("[tdlib] library " + configured + " does not exist");
  return core::make_error("libtdjson.so not found (looked at " + looked +
                          "); run `npm install` in the project (package @prebuilt-tdlib/linux-x64-glibc), "
                          "set [tdlib] library or $TOPICDESK_TDJSON");
}

core::Result<std::shared_ptr<TdLibrary>> load_library(const std::string& configured) {
  auto path = find_library(configured);
  if (!path) return path.error();
  return TdLibrary::load(path.value());
}

}  // namespace topicdesk::telegram::tdlib
