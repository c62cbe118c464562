#include "image/ext4_content.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cstdio>

#include "common/error.h"
#include "common/process.h"
#include "image/image_file.h"
#include "image/seeded_bytes.h"

namespace harness {

namespace {

namespace fs = boost::filesystem;

constexpr std::size_t kMaxFiles = 200;
constexpr int kDirectories = 4;
// Fixed times of every file and directory in the image.
constexpr time_t kMtime = 1000000000;  // 2001-09-09
constexpr time_t kAtime = 2000000000;  // 2033-05-18
constexpr char kFakeTime[] = "E2FSPROGS_FAKE_TIME=1000000000";

void make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    Fail() << path << ": mkdir failed: " << errno_string();
  }
  ::chmod(path.c_str(), 0755);
}

void write_staged_file(const std::string& path, std::uint64_t size_bytes, SeededBytes& bytes) {
  ImageFile file = ImageFile::create(path, 0);
  std::vector<char> chunk(1024 * 1024);
  for (std::uint64_t done = 0; done < size_bytes;) {
    const auto size =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size_bytes - done));
    bytes.fill(chunk.data(), size);
    file.write_at(done, chunk.data(), size);
    done += size;
  }
  file.close();
  ::chmod(path.c_str(), 0644);
}

// Fills `dir` with the planned files.
void stage_files(const std::string& dir, std::uint64_t fs_size_bytes, std::uint64_t seed) {
  make_directory(dir);
  for (int i = 0; i < kDirectories; ++i) make_directory(dir + "/dir" + std::to_string(i));
  SeededBytes bytes(seed);
  for (const StagedFile& file : plan_staged_files(fs_size_bytes, seed)) {
    const std::string path = dir + "/" + file.relative_path;
    write_staged_file(path, file.size_bytes, bytes);
  }
}

// mkfs.ext4 -d copies each file's times, and ctime cannot be set on the host
// (reading the files moves atime, too): set them in the image with debugfs.
void fix_times_in_image(const std::string& image, const std::vector<StagedFile>& files) {
  std::string script;
  const auto fix = [&](const std::string& path) {
    for (const char* field : {"ctime", "mtime"}) {
      script += "sif /" + path + " " + field + " @" + std::to_string(kMtime) + "\n";
    }
    script += "sif /" + path + " atime @" + std::to_string(kAtime) + "\n";
  };
  for (int i = 0; i < kDirectories; ++i) fix("dir" + std::to_string(i));
  for (const StagedFile& file : files) fix(file.relative_path);
  run_checked({"env", kFakeTime, "debugfs", "-w", "-f", "-", image}, script);
}

std::string file_label(std::string label) {
  std::replace(label.begin(), label.end(), '/', '_');
  return label;
}

}  // namespace

std::vector<StagedFile> plan_staged_files(std::uint64_t fs_size_bytes, std::uint64_t seed) {
  const std::uint64_t target_bytes = fs_size_bytes / 4;
  const std::uint64_t max_file_bytes = std::max<std::uint64_t>(4096, fs_size_bytes / 64);
  SeededBytes sizes(~seed);
  std::vector<StagedFile> files;
  std::uint64_t total = 0;
  while (total < target_bytes && files.size() < kMaxFiles) {
    const std::uint64_t size = std::min(1 + sizes.next_u64() % max_file_bytes, target_bytes - total);
    char name[48];
    std::snprintf(name, sizeof name, "dir%d/file%04zu.bin",
                  static_cast<int>(files.size() % kDirectories), files.size());
    files.push_back({name, size});
    total += size;
  }
  return files;
}

std::string seeded_uuid(std::uint64_t seed, std::uint64_t purpose) {
  SeededBytes bytes(seed * 0x100000001b3ULL + purpose);
  unsigned char raw[16];
  bytes.fill(raw, sizeof raw);
  raw[6] = static_cast<unsigned char>((raw[6] & 0x0f) | 0x40);  // version 4
  raw[8] = static_cast<unsigned char>((raw[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", raw[0],
                raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10],
                raw[11], raw[12], raw[13], raw[14], raw[15]);
  return text;
}

std::string make_ext4_image(const std::string& scratch_dir, const std::string& label,
                            std::uint64_t fs_size_bytes, std::uint64_t seed) {
  const std::string base = scratch_dir + "/" + file_label(label);
  const std::string staging = base + ".d";
  const std::string image = base + ".ext4";
  stage_files(staging, fs_size_bytes, seed);
  ImageFile::create(image, fs_size_bytes).close();
  run_checked({"env", kFakeTime, "mkfs.ext4", "-q", "-F", "-U", seeded_uuid(seed, 1), "-E",
               "hash_seed=" + seeded_uuid(seed, 2) + ",root_owner=0:0", "-d", staging, image});
  fs::remove_all(staging);
  fix_times_in_image(image, plan_staged_files(fs_size_bytes, seed));
  return image;
}

void remove_ext4_image(const std::string& path) {
  boost::system::error_code ignored;
  fs::remove(path, ignored);
}

}  // namespace harness
