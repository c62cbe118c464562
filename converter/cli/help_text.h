// The help texts: the description and epilogue of `pv2luks --help` and of
// each action's --help. An action's description starts with a one-line
// summary, which the list of actions shows. The exit-code table is also the
// man page's.
#pragma once

namespace cli {

extern const char kTopDescription[];
extern const char kTopFooter[];
extern const char kExitCodesText[];

extern const char kConvertDescription[];
extern const char kConvertFooter[];
extern const char kResumeDescription[];
extern const char kResumeFooter[];
extern const char kStatusDescription[];
extern const char kStatusFooter[];
extern const char kVerifyDescription[];
extern const char kFlattenDescription[];
extern const char kUnflattenDescription[];
extern const char kFlattenFooter[];
extern const char kHelpDescription[];

}  // namespace cli
