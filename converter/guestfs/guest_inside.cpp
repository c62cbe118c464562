#include "guest_inside.h"

#include <algorithm>
#include <sstream>

#include "base/error.h"
#include "base/key_value.h"
#include "base/shell_quote.h"
#include "guestfs_session.h"
#include "system/crypttab.h"

namespace pv2luks {

namespace {

constexpr char kCrypttab[] = "/etc/crypttab";
constexpr char kCryptrootHook[] = "/usr/share/initramfs-tools/hooks/cryptroot";
constexpr char kExitTag[] = "pv2luks-exit=";

std::string inspect_one_root(GuestfsSession& session, const std::string& image) {
  const std::vector<std::string> roots = session.inspect();
  if (roots.empty()) {
    Fail() << image << ": libguestfs found no operating system in it (is it a system disk, "
              "with a root file system libguestfs recognises?)";
  }
  if (roots.size() > 1) {
    std::ostringstream list;
    for (const std::string& root : roots) list << " " << root;
    Fail() << image << ": libguestfs found " << roots.size() << " operating systems (roots"
           << list.str() << "); --guest-config configures a disk with one";
  }
  return roots.front();
}

void mount_guest(GuestfsSession& session, const std::string& root, bool writable) {
  auto mountpoints = session.mountpoints(root);
  if (mountpoints.empty()) mountpoints.emplace_back("/", root);
  for (const auto& [mountpoint, device] : mount_order(mountpoints)) {
    session.mount(device, mountpoint, writable);
  }
}

GuestFacts read_facts(GuestfsSession& session, const std::string& root) {
  GuestFacts facts;
  facts.root = root;
  facts.distro = session.distro(root);
  if (session.is_file("/etc/os-release")) facts.os_release = session.read_file("/etc/os-release");
  // libguestfs names a Debian guest by /etc/debian_version ("12.5").
  facts.product = key_value(facts.os_release, "PRETTY_NAME");
  if (facts.product.empty()) facts.product = session.product(root);
  facts.has_update_initramfs =
      session.is_file("/usr/sbin/update-initramfs") || session.is_file("/sbin/update-initramfs");
  facts.has_cryptroot_hook = session.is_file(kCryptrootHook);
  return facts;
}

// Adds `line` to the guest's /etc/crypttab: the new text into a file beside
// it (the old one's mode and owner), renamed over it.
std::string add_guest_crypttab(GuestfsSession& session, const std::string& line) {
  if (session.is_symlink(kCrypttab)) {
    Fail() << "the guest's " << kCrypttab << " is a symbolic link; add the line by hand";
  }
  std::string text;
  GuestFileOwner owner;
  if (session.is_file(kCrypttab)) {
    text = session.read_file(kCrypttab);
    owner = session.owner(kCrypttab);
  }
  std::string updated;
  try {
    updated = crypttab_with(text, line);
  } catch (const Error& e) {
    Fail() << "the guest's " << kCrypttab << ": " << e.what();
  }
  if (updated == text) return std::string("the guest's ") + kCrypttab + " already has the line";
  const std::string temporary = std::string(kCrypttab) + ".pv2luks-new";
  session.write_file(temporary, updated, owner);
  session.rename(temporary, kCrypttab);
  return std::string("added the crypttab line to the guest's ") + kCrypttab;
}

// Runs `command` in the guest through sh, in a subshell, with stderr in the output and the
// exit code after kExitTag on the last line; returns the output without it.
std::string run_in_guest(GuestfsSession& session, const std::string& command, int& exit_code) {
  std::string out = session.sh("( " + command + " ) 2>&1; echo \"" + kExitTag + "$?\"");
  const auto tag = out.rfind(kExitTag);
  exit_code = tag == std::string::npos ? -1 : std::atoi(out.c_str() + tag + sizeof kExitTag - 1);
  if (tag != std::string::npos) out.erase(tag);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

void rebuild_initramfs(GuestfsSession& session, const MessageFn& say) {
  say("guest: running 'update-initramfs -u -k all' inside the guest");
  int exit_code = 0;
  const std::string out = run_in_guest(session, "update-initramfs -u -k all", exit_code);
  for (const std::string& line : lines_of(out)) say("guest: " + line);
  if (exit_code != 0) {
    const std::vector<std::string> lines = lines_of(out);
    Fail() << "'update-initramfs -u -k all' failed inside the guest (exit " << exit_code << ")"
           << (lines.empty() ? "" : ": " + lines.back());
  }
}

std::vector<std::string> guest_initramfs_files(GuestfsSession& session) {
  std::vector<std::string> files;
  for (const std::string& name : session.list_dir("/boot")) {
    const bool backup = name.ends_with(".bak") || name.ends_with(".old") || name.ends_with(".new");
    if (name.starts_with("initrd.img-") && !backup) files.push_back("/boot/" + name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The cryptroot/crypttab inside `initramfs`, unpacked by initramfs-tools'
// own unmkinitramfs in the guest's /tmp.
std::string initramfs_crypttab(GuestfsSession& session, const std::string& initramfs) {
  int exit_code = 0;
  const std::string out = run_in_guest(
      session,
      "d=$(mktemp -d) || exit 1; unmkinitramfs " + shell_quote(initramfs) +
          " \"$d\" >/dev/null || { rm -rf \"$d\"; exit 1; }; "
          "for f in \"$d\"/cryptroot/crypttab \"$d\"/main/cryptroot/crypttab; do "
          "if [ -f \"$f\" ]; then cat \"$f\"; fi; done; rm -rf \"$d\"",
      exit_code);
  if (exit_code != 0) {
    Fail() << "cannot unpack the guest's " << initramfs << " to check it: " << out;
  }
  return out;
}

// Whether the guest's root file system lies in a VG on the opened volume.
bool root_on_volume(GuestfsSession& session, const std::string& root, const std::string& name) {
  const std::string vg = vg_of_lv_device(root);
  if (vg.empty()) return false;
  const std::vector<std::string> pvs = session.vg_pv_uuids(vg);
  const std::string pv = session.pv_uuid("/dev/mapper/" + name);
  return std::find(pvs.begin(), pvs.end(), pv) != pvs.end();
}

std::vector<std::string> check_initramfs(GuestfsSession& session, const std::string& root,
                                         const std::string& name) {
  if (!root_on_volume(session, root, name)) {
    return {"the guest's root file system (" + root + ") is not on the converted volume: its "
            "initramfs need not unlock it; at boot systemd-cryptsetup unlocks " + name +
            " from /etc/crypttab, asking for the passphrase"};
  }
  const std::vector<std::string> files = guest_initramfs_files(session);
  if (files.empty()) Fail() << "the guest has no /boot/initrd.img-* after update-initramfs";
  std::vector<std::string> done;
  for (const std::string& file : files) {
    if (!initramfs_crypttab_lists(initramfs_crypttab(session, file), name)) {
      Fail() << "update-initramfs ran, but the guest's " << file << " does not list " << name
             << " in its cryptroot/crypttab, so it would not unlock the root file system";
    }
    done.push_back("the guest's " + file + " unlocks " + name +
                   " at boot (it asks for the passphrase on the console)");
  }
  return done;
}

}  // namespace

GuestFacts probe_inside(const std::string& image, ImageFormat format) {
  GuestfsSession session(image, format, false);
  session.activate_lvm();
  const std::string root = inspect_one_root(session, image);
  mount_guest(session, root, false);
  GuestFacts facts = read_facts(session, root);
  session.finish();
  return facts;
}

std::vector<std::string> configure_inside(const std::string& image, ImageFormat format,
                                          const std::string& luks_uuid, const SecureBuffer& key,
                                          const MessageFn& say) {
  const std::string name = "luks-" + luks_uuid;
  GuestfsSession session(image, format, true);
  // Named as in the crypttab line: initramfs-tools' cryptroot hook finds the
  // root's crypttab entry by the dm-crypt device's name.
  session.open_luks(session.device_with_uuid(luks_uuid), key, name);
  session.activate_lvm();
  const std::string root = inspect_one_root(session, image);
  mount_guest(session, root, true);
  const GuestFacts facts = read_facts(session, root);
  const GuestDecision decision = decide_guest(facts, name, luks_uuid);
  if (!decision.refusal.empty()) Fail() << decision.refusal;
  if (!decision.configure) {
    session.finish();
    return decision.notes;
  }
  std::vector<std::string> done = {add_guest_crypttab(session, crypttab_line(name, luks_uuid))};
  rebuild_initramfs(session, say);
  done.push_back("rebuilt the guest's initramfs ('update-initramfs -u -k all')");
  for (std::string& line : check_initramfs(session, root, name)) done.push_back(std::move(line));
  session.finish();
  return done;
}

}  // namespace pv2luks
