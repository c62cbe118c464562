#include "system/crypttab.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/error.h"
#include "base/fd.h"
#include "base/words.h"
#include "base/errno_text.h"
#include "system/replace_file.h"

namespace pv2luks {

std::string crypttab_line(const std::string& name, const std::string& uuid, bool tpm2) {
  return name + " UUID=" + uuid + " none luks" + (tpm2 ? ",tpm2-device=auto" : "");
}

std::string crypttab_with(const std::string& text, const std::string& line) {
  const std::vector<std::string> wanted = words_of(line);
  if (wanted.size() < 2) Fail() << "crypttab line '" << line << "' has no name and source";
  std::istringstream in(text);
  for (std::string existing; std::getline(in, existing);) {
    const std::vector<std::string> have = words_of(existing);
    if (have.size() < 2 || have[0].front() == '#') continue;
    if (have[0] == wanted[0] && have[1] == wanted[1]) return text;
    if (have[0] == wanted[0]) {
      Fail() << "crypttab already has a volume named " << wanted[0] << " (" << existing << ")";
    }
    if (have[1] == wanted[1]) {
      Fail() << "crypttab already lists " << wanted[1] << " (" << existing << ")";
    }
  }
  std::string out = text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + line + '\n';
}

bool add_to_crypttab(const std::string& path, const std::string& line) {
  std::string text;
  mode_t mode = 0644;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
    std::ifstream in(path, std::ios::binary);
    if (!in) Fail() << path << ": cannot read it";
    text.assign(std::istreambuf_iterator<char>(in), {});
  } else if (errno != ENOENT) {
    Fail() << path << ": " << errno_text(errno);
  }
  const std::string updated = crypttab_with(text, line);
  if (updated == text) return false;
  replace_file(path, updated, mode);
  return true;
}

}  // namespace pv2luks
