// image-view-tool: the test suites' handle on image/image_view. Opens IMAGE
// as offline conversion would, prints the view's fields (key=value lines,
// then "ready"), holds the view (its lock, its export) until standard input
// ends, closes it and prints "closed". Meanwhile each input line
// "write OFFSET TEXT" writes TEXT at byte OFFSET of the view's raw disk
// (through its block I/O: a file, or the NBD export of a qcow2 image) and
// prints "wrote". Errors go to stderr, exit 1.
#include <iostream>
#include <sstream>
#include <string>

#include "base/error.h"
#include "image/image_view.h"

int main(int argc, char** argv) {
  const std::string usage = "usage: image-view-tool open [--read-only] IMAGE";
  if (argc < 3 || std::string(argv[1]) != "open") {
    std::cerr << usage << "\n";
    return 2;
  }
  const bool read_only = argc == 4 && std::string(argv[2]) == "--read-only";
  if (argc != (read_only ? 4 : 3)) {
    std::cerr << usage << "\n";
    return 2;
  }
  try {
    pv2luks::ImageView view = pv2luks::open_image(
        argv[argc - 1], read_only ? pv2luks::ImageUse::read : pv2luks::ImageUse::convert);
    std::cout << "source=" << view.source()->name() << "\n"
              << "file_path=" << view.source()->file_path() << "\n"
              << "format=" << pv2luks::format_name(view.format()) << "\n"
              << "size_bytes=" << view.size_bytes() << "\n"
              << "logical_sector_bytes=" << view.logical_sector_bytes() << "\n"
              << "writable=" << (view.writable() ? 1 : 0) << "\n"
              << "ready" << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream words(line);
      std::string command;
      std::uint64_t offset_bytes = 0;
      std::string text;
      if (!(words >> command >> offset_bytes >> text) || command != "write") continue;
      const auto io = view.source()->open({.writable = true, .sync = true, .purpose = "a write"});
      io->write(offset_bytes, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
      std::cout << "wrote" << std::endl;
    }
    view.close();
    std::cout << "closed" << std::endl;
    return 0;
  } catch (const pv2luks::Error& e) {
    std::cerr << "image-view-tool: " << e.what() << "\n";
    return 1;
  }
}
