// pv2luks: the command-line front end. Each action is parse (args.h, CLI11)
// -> one library call -> report (report.h, which alone decides exit codes).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <new>
#include <string>

#include "args.h"
#include "hardening.h"
#include "help_text.h"
#include "pv2luks/pv2luks.h"
#include "report.h"

namespace {

using namespace cli;

int usage(const std::string& action, const std::string& problem) {
  const std::string name = action.empty() ? "pv2luks" : "pv2luks " + action;
  std::fprintf(stderr, "%s: %s (see '%s --help')\n", name.c_str(), problem.c_str(), name.c_str());
  return kExitUsage;
}

// The library's trace, as lines on stderr.
void set_trace(const TraceCli& trace) {
  if (trace.level() == pv2luks::LogLevel::kQuiet) return;
  pv2luks::set_log(trace.level(), [](const std::string& line) {
    std::fprintf(stderr, "pv2luks: [trace] %s\n", line.c_str());
  });
}

// What the CLI lets the library do to its process (pv2luks.h,
// ProcessPolicy): lock its memory before suspending devices, and hold
// SIGINT, SIGTERM and SIGHUP back from the first write on, so that one stops
// the run between chunks (kStopped: exit 7). The signal is then done with:
// the result says the run stopped, or, when it came after the last chunk,
// that it finished.
pv2luks::ProcessPolicy process_policy() {
  pv2luks::ProcessPolicy policy;
  policy.lock_memory = true;
  policy.defer_signals = true;
  policy.deferred_signal = [](int) {};
  return policy;
}

int convert_action(ConvertCli& args) {
  args.options.process = process_policy();
  if (const std::string problem = check_convert(args); !problem.empty()) {
    if (args.progress_json) print_json_result(kExitUsage, "usage", problem);
    return usage("convert", problem);
  }
  if (!args.yes) args.options.confirm = confirm_on_terminal;
  ProgressReport progress(args.progress_json, args.options.device);
  const auto convert = args.options.offline ? pv2luks::convert_offline : pv2luks::convert_live;
  return report(convert(args.options, say, std::ref(progress)), args.options.device,
                args.options.dry_run, args.progress_json);
}

int resume_action(ResumeCli& args) {
  args.options.process = process_policy();
  if (const std::string problem = check_resume(args); !problem.empty()) {
    if (args.progress_json) print_json_result(kExitUsage, "usage", problem);
    return usage("resume", problem);
  }
  if (!args.yes) args.options.confirm = confirm_on_terminal;
  ProgressReport progress(args.progress_json, args.options.device);
  return report(pv2luks::resume_conversion(args.options, say, std::ref(progress)),
                args.options.device, false, args.progress_json);
}

// A DEVICE (a path): exit 0 when a conversion is in progress (its journal
// is good); 4 when there is none, else the refusal's code. A VG or crypt
// name, or none: the flattening state, exit 0 when the stack was found.
int status_action(StatusCli& args) {
  if (const std::string problem = check_status(args); !problem.empty()) {
    return usage("status", problem);
  }
  const bool device = names_a_file(args.device);
  const pv2luks::ConvertResult result =
      args.offline ? pv2luks::offline_conversion_status(args.device, args.partition, say)
      : device     ? pv2luks::conversion_status(args.device, say)
                   : pv2luks::flatten_status(args.device, say);
  if (result.status != pv2luks::ConvertStatus::kDone) say(result.message);
  return exit_code_of(result.status, result.reason);
}

// Prints the LV lines on stdout. Exit 0: the volume opened and every LV was
// read; else the refusal's code.
int verify_action(VerifyCli& args) {
  if (const std::string problem = check_verify(args); !problem.empty()) {
    return usage("verify", problem);
  }
  const pv2luks::VerifyResult result = pv2luks::verify_offline(args.options, say);
  if (result.status != pv2luks::ConvertStatus::kDone) {
    say(result.message + "; nothing written");
    return exit_code_of(result.status, result.reason);
  }
  for (const std::string& line : result.lv_lines) std::printf("%s\n", line.c_str());
  return kExitOk;
}

// Exit 0: done (or nothing to do); a refusal's code, nothing changed; 8: a
// table swap failed part way (the message says what state the VG is in).
int flatten_action(pv2luks::FlattenOptions& options,
                   pv2luks::ConvertResult (*run)(const pv2luks::FlattenOptions&,
                                                 const pv2luks::MessageFn&)) {
  options.process = process_policy();
  const pv2luks::ConvertResult result = run(options, say);
  if (result.status == pv2luks::ConvertStatus::kRefused) {
    say(result.message + "; nothing was changed");
  } else if (result.status != pv2luks::ConvertStatus::kDone) {
    say(result.message);
  }
  return exit_code_of(result.status, result.reason);
}

int help_action(CLI::App& app, const std::string& action) {
  if (action.empty()) {
    // Not app.help(): that would show the selected action's, help's own.
    std::fputs(app.get_formatter()->make_help(&app, "pv2luks", CLI::AppFormatMode::Normal).c_str(),
               stdout);
    return kExitOk;
  }
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == action) {
      std::fputs(sub->help("pv2luks").c_str(), stdout);
      return kExitOk;
    }
  }
  return usage("help", "unknown action '" + action + "'");
}

bool is_action(const std::string& word) {
  for (const char* action : kActions) {
    if (word == action) return true;
  }
  return false;
}

int run(int argc, char** argv) {
  CLI::App app(kTopDescription, "pv2luks");
  app.footer(std::string(kTopFooter) + kExitCodesText);
  app.set_version_flag("-V,--version",
                       "pv2luks " + std::string(pv2luks::version()) +
                           (pv2luks::test_hooks_built() ? " (a test build: test hooks compiled in)"
                                                        : ""));
  app.require_subcommand(1);
  Cli cli;
  add_actions(app, cli);
  // The first word that is not an option names the action; an unknown one
  // is said as such (CLI11 would call it an unexpected argument).
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.rfind("-", 0) == 0) continue;
    if (!is_action(word)) return usage("", "unknown action '" + word + "'");
    break;
  }
  if (argc < 2) {
    std::fputs(app.help().c_str(), stderr);
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);  // the selected action's help, if one was named
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", e.what());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    const auto selected = app.get_subcommands();
    const std::string problem = usage_problem(e);
    // The stream's last object, even when the words did not parse.
    if (std::any_of(argv + 1, argv + argc, [](const char* word) {
          return std::string(word) == "--progress-json";
        })) {
      print_json_result(kExitUsage, "usage", problem);
    }
    return usage(selected.empty() ? "" : selected.front()->get_name(), problem);
  }
  set_trace(cli.trace);
  if (cli.trace.batch) cli.convert.yes = cli.resume.yes = true;
  const std::string action = app.get_subcommands().front()->get_name();
  if (action == "convert") return convert_action(cli.convert);
  if (action == "resume") return resume_action(cli.resume);
  if (action == "status") return status_action(cli.status);
  if (action == "verify") return verify_action(cli.verify);
  if (action == "flatten") return flatten_action(cli.flatten, pv2luks::flatten_vg);
  if (action == "unflatten") return flatten_action(cli.unflatten, pv2luks::unflatten_vg);
  return help_action(app, cli.help_action);
}

}  // namespace

int main(int argc, char** argv) {
  if (const std::string problem = harden(); !problem.empty()) {
    std::fprintf(stderr, "pv2luks: cannot keep keys out of core dumps and swap: %s\n",
                 problem.c_str());
    return kExitRefused;
  }
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "pv2luks: out of memory; nothing more was written\n");
    return kExitNoMemory;
  }
}
