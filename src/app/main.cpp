// topicdesk: a thin main. It parses the command line and hands over to src/app.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/backup_cli.h"
#include "app/commands.h"
#include "app/connect_account.h"
#include "app/example_config.h"
#include "app/export_cli.h"
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

  cli.add_subcommand("version", "Print the version");

  CLI11_PARSE(cli, argc, argv);
  if (*init) return init_command(init_out, init_force);
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
  if (*connect_account) return connect_account_command(connect_options, std::cin, std::cout);
  std::cout << "topicdesk " << version() << "\n";
  return 0;
}
