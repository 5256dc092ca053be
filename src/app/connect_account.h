// `topicdesk connect account --config FILE --name NAME [--phone +NUMBER]`: signs the personal
// account of connection NAME in through TDLib (QR code in the terminal, or phone → code → 2FA
// password on stdin) and leaves the session in <[tdlib] data_dir>/<NAME> for `topicdesk run`.
#pragma once
#include <iosfwd>
#include <string>

namespace topicdesk::app {

struct ConnectAccountOptions {
  std::string config_path;
  std::string name;   // the connection (mode = "account")
  std::string phone;  // empty: QR login
};

// Exit code: 0 signed in, 1 failed (wrong code 3 times, wrong password, TDLib error), 2 the
// configuration cannot be used (no such connection, no [tdlib] api_id …). Prompts and the QR
// code go to `out`, answers are read from `in` (no echo for the password when it is a tty).
int connect_account_command(const ConnectAccountOptions& options, std::istream& in, std::ostream& out);

}  // namespace topicdesk::app
