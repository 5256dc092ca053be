// topicdesk: a thin main. It parses the command line and hands over to src/app.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/backup_cli.h"
#include "app/commands.h"
#include "app/connect_account.h"
#include "app/connection_cli.h"
#include "app/example_config.h"
#include "app/export_cli.h"
#include "app/setup_cli.h"
#include "app/store_copy_cli.h"

int main(int argc, char** argv) {
  using namespace topicdesk::app;
  CLI::App cli{"topicdesk: a Telegram help desk in forum topics"};
  cli.require_subcommand(1);

  std::string config_path = "topicdesk.toml";
  std::string init_out = "topicdesk.toml";
  bool init_force = false;
  auto* init = cli.add_subcommand("init", "Write a commented example configuration to start from");
  init->add_option("--out,-o", init_out, "Where to write it (\"-\": standard output)")->capture_default_str();
  init->add_flag("--force", init_force, "Overwrite an existing file");
  ExampleChoices init_choices;
  init->add_option("--api-base", init_choices.api_base,
                   "The Bot API to use instead of Telegram's (a local Bot API server, or tgsim)");
  bool init_no_connection = false;
  init->add_flag("--no-connection", init_no_connection,
                 "Write no connection in effect: add them with `topicdesk connection add` or the setup bot");

  auto* run = cli.add_subcommand("run", "Run the desk with a configuration file");
  run->add_option("--config,-c", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);
  std::string run_listen;
  run->add_option(
      "--listen", run_listen,
      "host:port instead of [server] listen (several instances of one configuration on one machine)");

  auto* doctor = cli.add_subcommand("doctor", "Check every connection against Telegram and say what to fix");
  doctor->add_option("--config,-c", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);

  auto* migrate = cli.add_subcommand("migrate", "Apply database migrations and exit");
  migrate->add_option("--config,-c", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);

  DemoOptions demo_options;
  auto* demo = cli.add_subcommand("demo", "Start tgsim, a demo world and the desk on localhost");
  demo->add_option("--tgsim", demo_options.tgsim_path, "Path of the tgsim binary")->required();
  demo->add_option("--data-dir", demo_options.data_dir, "Where the demo keeps its database and config");
  demo->add_option("--sim-port", demo_options.sim_port, "Port of the simulator and playground");
  demo->add_option("--desk-port", demo_options.desk_port, "Port of the desk's HTTP server");
  demo->add_option("--language", demo_options.language, "The operators' language (LANGUAGE), e.g. ru or fa");

  // Topics API
  std::string apikey_connection;
  auto* apikey = cli.add_subcommand("apikey", "Manage Topics API keys");
  apikey->require_subcommand(1);
  auto* apikey_reset =
      apikey->add_subcommand("reset", "Make a new API key for a connection and print it once");
  apikey_reset->add_option("--config,-c", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);
  apikey_reset->add_option("--connection", apikey_connection, "Connection name from the configuration")
      ->required();

  // Integrations: hooks
  bool show_secret = false;
  auto* webhooks = cli.add_subcommand("webhooks", "Outgoing webhooks and command hooks");
  webhooks->require_subcommand(1);
  auto* webhooks_status =
      webhooks->add_subcommand("status", "Per URL: delivered, pending, failing since, last error");
  webhooks_status->add_option("--config,-c", config_path, "Configuration file (TOML)")
      ->check(CLI::ExistingFile);
  webhooks_status->add_flag("--show-secret", show_secret, "Also print a generated signing secret");

  // tdlib: connect account
  ConnectAccountOptions connect_options;
  auto* connect = cli.add_subcommand("connect", "Sign a connection's Telegram session in");
  connect->require_subcommand(1);
  auto* connect_account = connect->add_subcommand(
      "account", "Sign a personal account in: QR code, or --phone then code and 2FA password");
  connect_account->add_option("--config,-c", connect_options.config_path, "Configuration file (TOML)")
      ->check(CLI::ExistingFile)
      ->required();
  connect_account->add_option("--name", connect_options.name, "Connection name (mode = \"account\")")
      ->required();
  connect_account->add_option("--phone", connect_options.phone,
                              "Phone number, e.g. +491701234567; without it: QR code");

  BackupCliOptions backup_options;
  auto* backup =
      cli.add_subcommand("backup", "Save a consistent copy of the database, also while the desk runs");
  backup->add_option("--config,-c", backup_options.config_path, "Configuration file (TOML)")
      ->check(CLI::ExistingFile)
      ->required();
  backup->add_option("--out,-o", backup_options.out_path, "The backup file to write")->required();
  backup->add_flag("--force", backup_options.force, "Replace the backup file if it exists");
  RestoreCliOptions restore_options;
  auto* restore = cli.add_subcommand("restore", "Bring a backup into the database path (the desk stopped)");
  restore->add_option("--config,-c", restore_options.config_path, "Configuration file (TOML)")
      ->check(CLI::ExistingFile)
      ->required();
  restore->add_option("--from", restore_options.from_path, "The backup file to restore")->required();
  restore->add_flag("--force", restore_options.force, "Restore over a database with data (kept aside)");
  restore->add_option("--pending", restore_options.pending, "The backup's pending work: auto, settle or keep")
      ->check(CLI::IsMember({"auto", "settle", "keep"}));

  ExportCliOptions export_options;
  auto* export_cmd = cli.add_subcommand(
      "export",
      "Write clients, dialogs, the message history, labels and templates as files, also while the "
      "desk runs");
  export_cmd->add_option("--config,-c", export_options.config_path, "Configuration file (TOML)")
      ->check(CLI::ExistingFile)
      ->required();
  export_cmd->add_option("--out,-o", export_options.out_dir, "The folder to write the files into")
      ->required();

  StoreCopyCliOptions store_copy_options;
  auto* store_cmd = cli.add_subcommand("store", "The desk's store as a whole");
  store_cmd->require_subcommand(1);
  auto* store_copy = store_cmd->add_subcommand(
      "copy", "Copy every table into an empty store of the other backend (SQLite <-> PostgreSQL), verified");
  store_copy->add_option("--from", store_copy_options.from_config, "Configuration whose [storage] is copied")
      ->check(CLI::ExistingFile)
      ->required();
  store_copy
      ->add_option("--to", store_copy_options.to_config, "Configuration whose [storage] receives it (empty)")
      ->check(CLI::ExistingFile)
      ->required();
  store_copy->add_option("--batch", store_copy_options.batch_rows, "Rows read and written per statement")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();

  // Connections made at run time (docs/setup.md)
  ConnectionCliOptions connection_options;
  auto* connection_cmd = cli.add_subcommand(
      "connection", "Add, change, stop, start, remove and list connections, also while the desk runs");
  connection_cmd->require_subcommand(1);
  auto with_config = [&](CLI::App* sub) {
    sub->add_option("--config,-c", connection_options.config_path, "Configuration file (TOML)")
        ->check(CLI::ExistingFile);
  };
  auto* connection_add = connection_cmd->add_subcommand("add", "Make a connection, kept in the database");
  with_config(connection_add);
  connection_add->add_option("--name", connection_options.name, "Its name: 1-32 of a-z, 0-9, _ and -")
      ->required();
  connection_add->add_option("--mode", connection_options.mode, "bot, proxy, mtproto or account")
      ->capture_default_str();
  connection_add
      ->add_option("--token", connection_options.token,
                   "The bot's token from @BotFather: env:NAME, file:PATH (chmod 600) or the token itself")
      ->required();
  connection_add->add_option(
      "--group", connection_options.group,
      "The backend group's id (-100…); without it: set later with connection set --group");
  connection_add->add_option("--param", connection_options.parameters,
                             "A parameter, NAME=VALUE (repeatable)");
  auto* connection_set = connection_cmd->add_subcommand(
      "set", "Change a parameter (NAME PARAMETER VALUE; OFF turns it off, DEFAULT resets it) or --group");
  with_config(connection_set);
  connection_set->add_option("name", connection_options.name, "The connection")->required();
  connection_set->add_option("parameter", connection_options.parameter, "The parameter, e.g. WELCOME");
  connection_set->add_option("value", connection_options.value, "Its new value");
  connection_set->add_option("--group", connection_options.group, "A new backend group id (-100…)");
  for (const char* action : {"stop", "start", "remove"}) {
    auto* sub = connection_cmd->add_subcommand(
        action, std::string(action) == "stop"    ? "Stop relaying; what users write waits for the start"
                : std::string(action) == "start" ? "Start a stopped connection again"
                                                 : "Forget a connection (its dialogs and history stay)");
    with_config(sub);
    sub->add_option("name", connection_options.name, "The connection")->required();
  }
  with_config(
      connection_cmd->add_subcommand("list", "Every connection: origin, state, group, mode, parameters"));

  // The setup bot
  auto* setup_cmd = cli.add_subcommand("setup", "The setup bot (docs/setup.md)");
  setup_cmd->require_subcommand(1);
  auto* setup_claim = setup_cmd->add_subcommand(
      "claim", "Print a one-time code: whoever sends it to the setup bot first becomes its admin");
  setup_claim->add_option("--config,-c", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);

  cli.add_subcommand("version", "Print the version");

  CLI11_PARSE(cli, argc, argv);
  if (*init) {
    init_choices.file_connection = !init_no_connection;
    return init_command(init_out, init_force, init_choices);
  }
  if (*run) return run_command(config_path, run_listen);
  if (*doctor) return doctor_command(config_path);
  if (*migrate) return migrate_command(config_path);
  if (*demo) return demo_command(demo_options);
  if (*apikey_reset) return apikey_reset_command(config_path, apikey_connection);
  if (*webhooks_status) return webhooks_status_command(config_path, show_secret);
  if (*backup) return backup_command(backup_options);
  if (*restore) return restore_command(restore_options);
  if (*export_cmd) return export_command(export_options, std::cout, std::cerr);
  if (*store_copy) return store_copy_command(store_copy_options, std::cout, std::cerr);
  if (*setup_claim) return setup_claim_command(config_path, std::cout, std::cerr);
  if (*connect_account) return connect_account_command(connect_options, std::cin, std::cout);
  if (*connection_cmd) {
    connection_options.action = connection_cmd->get_subcommands().front()->get_name();
    if (connection_options.action == "set" && !connection_options.parameter.empty() &&
        connection_options.value.empty() && !connection_options.group) {
      std::cerr << "connection set: " << connection_options.parameter << " needs a value\n";
      return 2;
    }
    return connection_command(connection_options, std::cout, std::cerr);
  }
  std::cout << "topicdesk " << version() << "\n";
  return 0;
}
