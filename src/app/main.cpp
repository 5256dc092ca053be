// topicdesk: a thin main. It parses the command line and hands over to src/app.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/commands.h"

int main(int argc, char** argv) {
  using namespace topicdesk::app;
  CLI::App cli{"topicdesk: a Telegram help desk in forum topics"};
  cli.require_subcommand(1);

  std::string config_path = "topicdesk.toml";
  auto* run = cli.add_subcommand("run", "Run the desk with a configuration file");
  run->add_option("--config,-c", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);

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

  cli.add_subcommand("version", "Print the version");

  CLI11_PARSE(cli, argc, argv);
  if (*run) return run_command(config_path);
  if (*doctor) return doctor_command(config_path);
  if (*migrate) return migrate_command(config_path);
  if (*demo) return demo_command(demo_options);
  std::cout << "topicdesk " << version() << "\n";
  return 0;
}
