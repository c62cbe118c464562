// Words for sh, in commands pv2luks runs (libguestfs's sh) or prints for the
// user to run.
#pragma once

#include <string>

namespace pv2luks {

// `text` in single quotes, with embedded quotes escaped.
std::string shell_quote(const std::string& text);

// `text` as it is when sh reads it as one word unchanged (letters, digits and
// + , - . / : = @ _), else shell_quote(text): for commands in messages.
std::string shell_word(const std::string& text);

}  // namespace pv2luks
