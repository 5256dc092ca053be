#include "app/connect_account.h"

#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/config.h"
#include "telegram/tdlib/qr_code.h"
#include "telegram/tdlib/td_adapter.h"
#include "telegram/tdlib/td_auth.h"
#include "telegram/tdlib/td_client.h"
#include "telegram/tdlib/td_library.h"
#include "telegram/tdlib/td_runtime.h"

namespace topicdesk::app {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
namespace td = telegram::tdlib;

// Turns terminal echo off while a password is typed (only when stdin is a terminal).
class HiddenInput {
 public:
  explicit HiddenInput(bool active)
      : active_(active && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!active_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~HiddenInput() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  bool active() const { return active_; }

 private:
  bool active_ = false;
  termios saved_{};
};

std::optional<std::string> read_answer(std::istream& in, std::ostream& out, const std::string& prompt,
                                       bool hidden) {
  out << prompt << std::flush;
  HiddenInput no_echo(hidden && &in == &std::cin);
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (no_echo.active()) out << "\n";
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// Draws each new login link as a QR code; on a terminal the previous code is replaced.
class QrScreen {
 public:
  explicit QrScreen(std::ostream& out) : out_(out), redraw_(&out == &std::cout && ::isatty(STDOUT_FILENO)) {}

  void show(const std::string& link) {
    auto matrix = td::encode_qr(link);
    if (!matrix) {
      out_ << "cannot draw the QR code (" << matrix.error().message
           << "); open this link on a signed-in device: " << link << "\n";
      return;
    }
    std::string drawing = td::render_qr_text(*matrix);
    if (redraw_ && lines_ > 0) out_ << "\x1b[" << lines_ << "A\x1b[J";  // up over the old code, clear below
    out_ << "Scan this code with Telegram on your phone (Settings > Devices > Link Desktop Device):\n"
         << drawing << "Link: " << link << "\n"
         << std::flush;
    lines_ = 2 + static_cast<int>(std::count(drawing.begin(), drawing.end(), '\n'));
  }

 private:
  std::ostream& out_;
  bool redraw_;
  int lines_ = 0;
};

// What is wrong with the configuration for signing in `name`; empty when nothing.
std::string configuration_problem(const ConnectAccountOptions& options, const Config& settings) {
  const ConnectionConfig* connection = settings.find_connection(options.name);
  if (connection == nullptr) {
    return options.config_path + ": no connection named \"" + options.name +
           "\" (connections: " + settings.connection_names() + ")";
  }
  if (connection->mode != ConnectionMode::kAccount) {
    return options.config_path + ": connection \"" + options.name +
           "\" is not a personal account; `connect account` signs in connections with mode = \"account\"";
  }
  if (settings.tdlib.api_id == 0 || settings.tdlib.api_hash.empty()) {
    return options.config_path +
           ": [tdlib] api_id and api_hash are needed to sign in an account (create them at "
           "https://my.telegram.org, API development tools)";
  }
  return {};
}

std::string describe_user(const json::object& user) {
  core::Person person = td::person_from_user(user);
  std::string text = person.first_name;
  if (!person.last_name.empty()) text += " " + person.last_name;
  text += " (";
  if (!person.username.empty()) text += "@" + person.username + ", ";
  return text + "id " + std::to_string(person.id) + ")";
}

td::LoginDialog make_dialog(const ConnectAccountOptions& options, std::istream& in, std::ostream& out,
                            QrScreen& qr) {
  td::LoginDialog dialog;
  dialog.phone_number = options.phone;
  dialog.show_qr_link = [&qr](const std::string& link) { qr.show(link); };
  dialog.ask_code = [&in, &out](td::CodePrompt prompt) -> asio::awaitable<std::optional<std::string>> {
    co_return read_answer(in, out, "Code sent to " + prompt.phone_number + " (in Telegram): ", false);
  };
  dialog.ask_password = [&in,
                         &out](td::PasswordPrompt prompt) -> asio::awaitable<std::optional<std::string>> {
    std::string hint = prompt.hint.empty() ? "" : " (hint: " + prompt.hint + ")";
    co_return read_answer(in, out, "Two-step verification password" + hint + ": ", true);
  };
  dialog.tell = [&out](const std::string& message) { out << message << "\n"; };
  return dialog;
}

struct SignInOutcome {
  core::Result<json::object> user = core::make_error("not finished");
  bool closed = false;
};

asio::awaitable<void> sign_in(td::TdClient* client, td::LoginDialog dialog, SignInOutcome* outcome) {
  outcome->user = co_await td::log_in_interactively(*client, std::move(dialog));
  // A clean close flushes the session to the database directory.
  outcome->closed = co_await client->close(std::chrono::seconds(30));
}

}  // namespace

int connect_account_command(const ConnectAccountOptions& options, std::istream& in, std::ostream& out) {
  auto loaded = load_config(options.config_path);
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return 2;
  }
  const Config& settings = *loaded;
  if (auto problem = configuration_problem(options, settings); !problem.empty()) {
    std::cerr << problem << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // TDLib's state changes would interleave with the prompts
  auto library = td::load_library(settings.tdlib.library);
  if (!library) {
    std::cerr << "connect account: " << library.error().message << "\n";
    return 1;
  }
  td::TdRuntime runtime(library.value());
  asio::io_context io;
  td::TdParameters parameters;
  parameters.database_directory = settings.tdlib.data_dir + "/" + options.name;
  parameters.api_id = settings.tdlib.api_id;
  parameters.api_hash = settings.tdlib.api_hash;
  parameters.application_version = version();
  auto client = td::TdClient::open(runtime, io.get_executor(), parameters, options.name);
  if (!client) {
    std::cerr << "connect account: " << client.error().message << "\n";
    return 1;
  }
  QrScreen qr(out);
  SignInOutcome outcome;
  asio::co_spawn(io, sign_in(client.value().get(), make_dialog(options, in, out, qr), &outcome),
                 asio::detached);
  io.run();
  runtime.stop(std::chrono::seconds(10));
  if (!outcome.user) {
    std::cerr << "connect account: " << outcome.user.error().message << "\n";
    return 1;
  }
  out << "Signed in as " << describe_user(*outcome.user) << ". The session is kept in "
      << parameters.database_directory << "; `topicdesk run` uses it.\n";
  if (!outcome.closed) std::cerr << "connect account: warning: TDLib did not close cleanly\n";
  return 0;
}

}  // namespace topicdesk::app
