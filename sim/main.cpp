// tgsim: start the simulated Telegram. Parses the command line and wires the server; all
// behaviour lives in tgsim_lib.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <iostream>
#include <random>

#include "sim/server/server.h"

int main(int argc, char** argv) {
  CLI::App app{"tgsim: an in-memory Telegram with the Bot API, a control API and a playground"};
  std::string listen = "127.0.0.1:8081";
  std::string limits = "on";
  int group_per_minute = tgsim::model::FloodLimiter::kGroupPerMinute;
  std::uint64_t seed = std::random_device{}();
  app.add_option("--listen", listen, "address:port to listen on (port 0 picks a free port)");
  app.add_option("--limits", limits, "flood limits")->check(CLI::IsMember({"on", "off"}));
  app.add_option("--group-per-minute", group_per_minute, "messages a minute a bot may post into one group")
      ->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "seed for tokens, file ids and update ids");
  CLI11_PARSE(app, argc, argv);

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen: expected address:port, got '" << listen << "'\n";
    return 2;
  }
  tgsim::server::Options options;
  options.address = listen.substr(0, colon);
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<unsigned short>(port);
  } catch (const std::exception&) {
    std::cerr << "--listen: port must be 0..65535, got '" << listen.substr(colon + 1) << "'\n";
    return 2;
  }
  options.limits = limits == "on";
  options.group_per_minute = group_per_minute;
  options.seed = seed;

  boost::asio::io_context io(1);
  tgsim::server::Server server(io, options);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "tgsim: cannot listen on " << listen << ": " << e.what() << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  std::printf("tgsim listening on %s:%u\n", options.address.c_str(), server.port());
  std::fflush(stdout);
  spdlog::info("flood limits {} ({} messages a minute into a group)", options.limits ? "on" : "off",
               options.group_per_minute);
  io.run();
  return 0;
}
