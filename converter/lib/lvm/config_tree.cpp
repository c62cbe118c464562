#include "lvm/config_tree.h"

#include <cctype>
#include <charconv>

#include "base/error.h"

namespace pv2luks {

namespace {

// A cursor over the text that counts lines and skips blanks and comments.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text.substr(0, text.find('\0'))) {}

  int line() const { return line_; }
  bool at_end() {
    skip_blanks();
    return pos_ == text_.size();
  }
  char peek() {
    skip_blanks();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  void take() {
    if (pos_ < text_.size()) ++pos_;
  }

  // An identifier: everything up to a blank, '#', '=', '{' or '}'.
  std::string identifier() {
    skip_blanks();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && !ends_identifier(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  ConfigValue value();

 private:
  static bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
  static bool ends_identifier(char c) {
    return is_blank(c) || c == '#' || c == '=' || c == '{' || c == '}';
  }
  static bool ends_bare_value(char c) { return ends_identifier(c) || c == ',' || c == ']'; }

  void skip_blanks();
  ConfigValue quoted();
  ConfigValue number_or_bare();

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

void Scanner::skip_blanks() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '\n') ++line_;
    if (c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else if (is_blank(c)) {
      ++pos_;
    } else {
      return;
    }
  }
}

ConfigValue Scanner::value() {
  const char c = peek();
  if (c == '"') return quoted();
  if (c == '\0') Fail() << "line " << line_ << ": expected a value, found the end of the text";
  if (c == '[' || c == ']' || c == ',' || c == '{' || c == '}' || c == '=') {
    Fail() << "line " << line_ << ": expected a value, found '" << c << "'";
  }
  return number_or_bare();
}

ConfigValue Scanner::quoted() {
  const int start_line = line_;
  ++pos_;  // the opening quote
  ConfigValue value;
  while (pos_ < text_.size() && text_[pos_] != '"') {
    if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
    if (text_[pos_] == '\n') ++line_;
    value.text += text_[pos_++];
  }
  if (pos_ == text_.size()) Fail() << "line " << start_line << ": unterminated string";
  ++pos_;  // the closing quote
  return value;
}

ConfigValue Scanner::number_or_bare() {
  const std::size_t start = pos_;
  while (pos_ < text_.size() && !ends_bare_value(text_[pos_])) ++pos_;
  const std::string_view token = text_.substr(start, pos_ - start);
  ConfigValue value;
  value.text = std::string(token);
  const char first = token.front();
  if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '+' ||
        first == '.')) {
    return value;  // a bare word, taken as a string
  }
  const std::string_view digits = first == '+' ? token.substr(1) : token;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), value.integer);
  if (error == std::errc() && end == digits.data() + digits.size()) {
    value.kind = ConfigValue::Kind::kInteger;
    return value;
  }
  if (error == std::errc::result_out_of_range) {
    Fail() << "line " << line_ << ": integer " << token << " is out of range";
  }
  if (token.find_first_not_of("+-.0123456789") != std::string_view::npos) {
    Fail() << "line " << line_ << ": '" << token << "' is not a number";
  }
  value.kind = ConfigValue::Kind::kFloat;
  return value;
}

void parse_list(Scanner& in, ConfigNode& node) {
  const int start_line = in.line();
  in.take();  // '['
  node.is_list = true;
  if (in.peek() == ']') {
    in.take();
    return;
  }
  for (;;) {
    if (in.at_end()) Fail() << "line " << start_line << ": unterminated list '" << node.key << "'";
    node.values.push_back(in.value());
    const char c = in.peek();
    in.take();
    if (c == ']') return;
    if (c != ',') {
      Fail() << "line " << in.line() << ": expected ',' or ']' in list '" << node.key << "', found "
             << (c ? std::string("'") + c + "'" : "the end of the text");
    }
  }
}

// Sections nest at most this deep (LVM's metadata nests four deep): the
// parser recurses, and a text of nested sections must not exhaust its stack.
constexpr int kMaxDepth = 64;

void parse_entries(Scanner& in, ConfigNode& section, int depth);

ConfigNode parse_entry(Scanner& in, int depth) {
  ConfigNode node;
  node.line = in.line();
  node.key = in.identifier();
  if (node.key.empty()) {
    Fail() << "line " << node.line << ": expected a name, found '" << in.peek() << "'";
  }
  const char c = in.peek();
  if (c == '{') {
    if (depth == kMaxDepth) {
      Fail() << "line " << in.line() << ": sections nested deeper than " << kMaxDepth;
    }
    in.take();
    node.is_section = true;
    parse_entries(in, node, depth + 1);
  } else if (c == '=') {
    in.take();
    if (in.peek() == '[') {
      parse_list(in, node);
    } else {
      node.values.push_back(in.value());
    }
  } else {
    Fail() << "line " << in.line() << ": expected '=' or '{' after '" << node.key << "', found "
           << (c ? std::string("'") + c + "'" : "the end of the text");
  }
  return node;
}

// The entries of `section`, `depth` sections deep (0: the whole text).
void parse_entries(Scanner& in, ConfigNode& section, int depth) {
  const bool top_level = depth == 0;
  for (;;) {
    if (in.at_end()) {
      if (top_level) return;
      Fail() << "line " << in.line() << ": section '" << section.key << "' opened at line "
             << section.line << " is not closed";
    }
    if (in.peek() == '}') {
      if (top_level) Fail() << "line " << in.line() << ": '}' closes no section";
      in.take();
      return;
    }
    section.children.push_back(parse_entry(in, depth));
  }
}

}  // namespace

ConfigNode parse_config(std::string_view text) {
  Scanner in(text);
  ConfigNode root;
  root.is_section = true;
  root.line = 1;
  parse_entries(in, root, 0);
  return root;
}

const ConfigNode* find_child(const ConfigNode& section, std::string_view key) {
  for (const ConfigNode& child : section.children) {
    if (child.key == key) return &child;
  }
  return nullptr;
}

}  // namespace pv2luks
