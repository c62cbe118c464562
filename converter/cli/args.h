// The command line: one CLI11 subcommand per action, parsed into the
// library's options. Checks that span options (what --offline allows) come
// after CLI11's parse and return "" or the usage problem, in words for the
// user.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "pv2luks/pv2luks.h"

namespace cli {

// What every action takes: -v/--verbose and --debug (the library's trace,
// pv2luks.h set_log).
struct TraceCli {
  bool verbose = false;
  bool debug = false;
  bool batch = false;  // -q/--batch-mode before the action, as cryptsetup takes it
  pv2luks::LogLevel level() const;
};

struct ConvertCli {
  pv2luks::ConvertOptions options;
  bool progress_json = false;
  bool yes = false;  // -q, --batch-mode, --yes: no confirmation question
  bool crypttab = false;  // --crypttab FILE was given
  std::string type, key_size, pbkdf_force_iterations, iter_time, partition, max_rate;
  std::optional<std::string> tpm2_pcrs;  // --tpm2-pcrs was given
};

struct ResumeCli {
  pv2luks::ResumeOptions options;
  bool progress_json = false;
  bool yes = false;
  bool crypttab = false;
  std::string partition, max_rate;
};

struct StatusCli {
  std::string device;
  bool offline = false;
  std::uint32_t partition = 0;
  std::string partition_text;
};

struct VerifyCli {
  pv2luks::VerifyOptions options;
  bool offline = false;
  std::string partition;
};

// Every action's parsed words; main runs the one `app` selected.
struct Cli {
  TraceCli trace;
  ConvertCli convert;
  ResumeCli resume;
  StatusCli status;
  VerifyCli verify;
  pv2luks::FlattenOptions flatten;
  pv2luks::FlattenOptions unflatten;
  std::string help_action;  // pv2luks help [ACTION]
};

// The actions, in the order the help lists them.
inline constexpr const char* kActions[] = {"convert", "resume",    "status", "verify",
                                           "flatten", "unflatten", "help"};

// Adds the subcommands (with their help texts) to `app`, bound to `cli`.
void add_actions(CLI::App& app, Cli& cli);

// The checks CLI11 cannot express, per action, after the parse. Convert's
// and resume's include the library's own (pv2luks::unused_option), so
// options.process must be set first.
std::string check_convert(ConvertCli& cli);
std::string check_resume(ResumeCli& cli);
std::string check_status(StatusCli& cli);
std::string check_verify(VerifyCli& cli);

// A CLI11 parse error in the words of the old parser ("unknown option
// --bogus", "--crypttab needs FILE", "unexpected argument 'x'").
std::string usage_problem(const CLI::ParseError& error);

// Whether status's word is a path (a DEVICE, or an image given without
// --offline) rather than a VG or dm name: it holds a '/', which names never
// do, or names a file in the current directory that is not a directory
// (/dev/VG is one).
bool names_a_file(const std::string& word);

}  // namespace cli
