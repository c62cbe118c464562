// image-view-tool: the test suites' handle on image/image_view. Opens IMAGE
// as offline conversion would, prints the view's fields (key=value lines,
// then "ready"), holds the view (its lock, its export) until standard input
// ends, closes it and prints "closed". Errors go to stderr, exit 1.
#include <iostream>
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
    std::cout << "path=" << view.path() << "\n"
              << "format=" << pv2luks::format_name(view.format()) << "\n"
              << "size_bytes=" << view.size_bytes() << "\n"
              << "logical_sector_bytes=" << view.logical_sector_bytes() << "\n"
              << "direct_io_allowed=" << (view.direct_io_allowed() ? 1 : 0) << "\n"
              << "writable=" << (view.writable() ? 1 : 0) << "\n"
              << "ready" << std::endl;
    std::string ignored;
    while (std::getline(std::cin, ignored)) {
    }
    view.close();
    std::cout << "closed" << std::endl;
    return 0;
  } catch (const pv2luks::Error& e) {
    std::cerr << "image-view-tool: " << e.what() << "\n";
    return 1;
  }
}
