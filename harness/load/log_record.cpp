#include "load/log_record.h"

#include <charconv>
#include <map>

#include "common/error.h"
#include "common/sha256.h"

namespace harness::load {
namespace {

using Fields = std::map<std::string, std::string>;
constexpr std::size_t kChecksumDigits = 16;

bool needs_escape(unsigned char c) {
  return c <= ' ' || c >= 0x7f || c == '%' || c == '#' || c == '=';
}

std::string escape(std::string_view value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (!needs_escape(c)) {
      out += ch;
      continue;
    }
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    const auto result = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (result.ptr != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

std::string checksum(std::string_view body) { return sha256_hex(body).substr(0, kChecksumDigits); }

std::string line(char type, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body(1, type);
  for (const auto& [key, value] : fields) body += " " + key + "=" + escape(value);
  return body + " #" + checksum(body) + "\n";
}

std::string num(std::uint64_t value) { return std::to_string(value); }

struct Encoder {
  std::string operator()(const RunStart& r) const {
    return line('S', {{"seed", num(r.seed)}, {"pid", num(r.pid)}});
  }
  std::string operator()(const FileWrite& r) const {
    return line('F', {{"dir", r.dir},
                      {"index", num(r.index)},
                      {"gen", num(r.generation)},
                      {"seed", num(r.seed)},
                      {"sha256", r.sha256}});
  }
  std::string operator()(const RawWrite& r) const {
    return line('R', {{"dev", r.device},
                      {"bs", num(r.block_size_bytes)},
                      {"block", num(r.block)},
                      {"seq", num(r.sequence)},
                      {"seed", num(r.seed)},
                      {"sha256", r.sha256}});
  }
  std::string operator()(const RunEnd& r) const {
    return line('E', {{"files", num(r.file_writes)}, {"raw", num(r.raw_writes)}});
  }
  std::string operator()(const WriterFailure& r) const { return line('X', {{"error", r.message}}); }
};

// Splits "T k=v k=v" into its type and fields; nullopt on any malformed part.
std::optional<std::pair<char, Fields>> split_body(std::string_view body) {
  if (body.size() < 1 || (body.size() > 1 && body[1] != ' ')) return std::nullopt;
  Fields fields;
  std::size_t at = 2;
  while (at < body.size()) {
    const std::size_t end = std::min(body.find(' ', at), body.size());
    const std::string_view word = body.substr(at, end - at);
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto value = unescape(word.substr(eq + 1));
    if (!value) return std::nullopt;
    fields[std::string(word.substr(0, eq))] = *value;
    at = end + 1;
  }
  return std::make_pair(body[0], fields);
}

// Reads typed fields out of a Fields map; `ok` turns false on anything missing.
struct FieldReader {
  const Fields& fields;
  bool ok = true;

  std::string text(const std::string& key) {
    const auto it = fields.find(key);
    if (it == fields.end()) ok = false;
    return it == fields.end() ? std::string() : it->second;
  }
  std::uint64_t number(const std::string& key) {
    const std::string value = text(key);
    std::uint64_t out = 0;
    const auto result = std::from_chars(value.data(), value.data() + value.size(), out);
    if (value.empty() || result.ec != std::errc() || result.ptr != value.data() + value.size()) {
      ok = false;
    }
    return out;
  }
};

std::optional<LogRecord> typed_record(char type, const Fields& fields) {
  FieldReader in{fields};
  LogRecord record;
  switch (type) {
    case 'S':
      record = RunStart{in.number("seed"), in.number("pid")};
      break;
    case 'F':
      record = FileWrite{in.text("dir"), in.number("index"), in.number("gen"), in.number("seed"),
                         in.text("sha256")};
      break;
    case 'R':
      record = RawWrite{in.text("dev"),   in.number("bs"),   in.number("block"),
                        in.number("seq"), in.number("seed"), in.text("sha256")};
      break;
    case 'E':
      record = RunEnd{in.number("files"), in.number("raw")};
      break;
    case 'X':
      record = WriterFailure{in.text("error")};
      break;
    default:
      return std::nullopt;
  }
  if (!in.ok) return std::nullopt;
  return record;
}

}  // namespace

std::string encode_record(const LogRecord& record) { return std::visit(Encoder{}, record); }

std::optional<LogRecord> decode_record(std::string_view text) {
  const std::size_t mark = text.rfind(" #");
  if (mark == std::string_view::npos || text.size() - mark - 2 != kChecksumDigits) {
    return std::nullopt;
  }
  const std::string_view body = text.substr(0, mark);
  if (text.substr(mark + 2) != checksum(body)) return std::nullopt;
  const auto split = split_body(body);
  if (!split) return std::nullopt;
  return typed_record(split->first, split->second);
}

ParsedLog parse_log(std::string_view text, const std::string& name) {
  ParsedLog parsed;
  std::size_t at = 0;
  std::uint64_t line_number = 0;
  while (at < text.size()) {
    const std::size_t newline = text.find('\n', at);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
    ++line_number;
    // A last record that lost only its newline still proves its write returned.
    auto record = decode_record(text.substr(at, end - at));
    if (record) {
      parsed.records.push_back(std::move(*record));
    } else if (next == text.size()) {
      parsed.torn_tail_bytes = text.size() - at;
    } else {
      Fail() << name << ": record " << line_number << " (byte " << at
             << ") is damaged, and it is not the last record";
    }
    at = next;
  }
  return parsed;
}

}  // namespace harness::load
