#include "guest_inside.h"

#include <algorithm>
#include <sstream>

#include "base/error.h"
#include "base/key_value.h"
#include "base/shell_quote.h"
#include "guestfs_session.h"
#include "system/crypttab.h"
#include "system/dracut_conf.h"
#include "system/initramfs_tool.h"
#include "system/recovery_initramfs.h"

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
  facts.initramfs_tool = detect_initramfs_tool_with(
      [&session](const std::string& path) { return session.exists(path); });
  facts.has_dracut_crypt =
      (session.exists("/usr/lib/dracut/modules.d/90crypt") ||
       session.exists("/lib/dracut/modules.d/90crypt")) &&
      (session.is_file("/usr/sbin/cryptsetup") || session.is_file("/sbin/cryptsetup") ||
       session.is_file("/usr/lib/systemd/systemd-cryptsetup") ||
       session.is_file("/lib/systemd/systemd-cryptsetup"));
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

// The command that rebuilds the initramfs of every installed kernel.
std::string rebuild_command(InitramfsTool tool) {
  return tool == InitramfsTool::Dracut ? "dracut -f --regenerate-all" : "update-initramfs -u -k all";
}

void rebuild_initramfs(GuestfsSession& session, InitramfsTool tool, const MessageFn& say) {
  const std::string command = rebuild_command(tool);
  say("guest: running '" + command + "' inside the guest");
  int exit_code = 0;
  const std::string out = run_in_guest(session, command, exit_code);
  for (const std::string& line : lines_of(out)) say("guest: " + line);
  if (exit_code != 0) {
    const std::vector<std::string> lines = lines_of(out);
    Fail() << "'" << command << "' failed inside the guest (exit " << exit_code << ")"
           << (lines.empty() ? "" : ": " + lines.back());
  }
}

// dracut unlocks the volume only with the crypttab in its image (generic
// images leave it out): the snippet of system/dracut_conf.h, owned by root.
std::string add_guest_dracut_conf(GuestfsSession& session, const std::string& name,
                                  const std::string& uuid) {
  const std::string path = dracut_conf_path(kCrypttab, name);
  const std::string text = dracut_conf_text(name, uuid);
  int exit_code = 0;
  const std::string out = run_in_guest(session, "mkdir -p /etc/dracut.conf.d", exit_code);
  if (exit_code != 0) Fail() << "cannot make the guest's /etc/dracut.conf.d: " << out;
  if (session.is_file(path) && session.read_file(path) == text) {
    return "the guest's " + path + " already asks dracut for the crypttab";
  }
  session.write_file(path, text, GuestFileOwner{});
  return "wrote the guest's " + path + " (dracut puts /etc/crypttab and rd.luks.uuid=" + uuid +
         " into the initramfs)";
}

// Debian's names (initrd.img-VERSION, dracut's too there) and Fedora's
// dracut's (initramfs-VERSION.img), without backups, rescue and kdump images.
std::vector<std::string> guest_initramfs_files(GuestfsSession& session) {
  std::vector<std::string> files;
  for (const std::string& name : session.list_dir("/boot")) {
    const bool backup = name.ends_with(".bak") || name.ends_with(".old") || name.ends_with(".new");
    const bool other = name.find("rescue") != std::string::npos ||
                       name.find("kdump") != std::string::npos;
    const bool fedora = name.starts_with("initramfs-") && name.ends_with(".img");
    if ((name.starts_with("initrd.img-") || fedora) && !backup && !other) {
      files.push_back("/boot/" + name);
    }
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

// What dracut's lsinitrd, run in the guest, says of `initramfs`: with `file`,
// that file's text; without, the listing.
std::string lsinitrd(GuestfsSession& session, const std::string& initramfs,
                     const std::string& file) {
  int exit_code = 0;
  const std::string out = run_in_guest(
      session,
      "lsinitrd " + (file.empty() ? "" : "-f " + shell_quote(file) + " ") + shell_quote(initramfs),
      exit_code);
  if (exit_code != 0) {
    Fail() << "cannot list the guest's " << initramfs << " with lsinitrd to check it: " << out;
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
                                         const std::string& name, InitramfsTool tool) {
  if (!root_on_volume(session, root, name)) {
    return {"the guest's root file system (" + root + ") is not on the converted volume: its "
            "initramfs need not unlock it; at boot systemd-cryptsetup unlocks " + name +
            " from /etc/crypttab, asking for the passphrase"};
  }
  const std::vector<std::string> files = guest_initramfs_files(session);
  if (files.empty()) {
    Fail() << "the guest has no /boot/initrd.img-* after '" << rebuild_command(tool) << "'";
  }
  std::vector<std::string> done;
  for (const std::string& file : files) {
    if (tool == InitramfsTool::Dracut) {
      if (!initramfs_crypttab_lists(lsinitrd(session, file, "etc/crypttab"), name)) {
        Fail() << "dracut ran, but the guest's " << file << " does not list " << name
               << " in its /etc/crypttab, so it would not unlock the root file system";
      }
      if (!initramfs_listing_has_cryptsetup(lsinitrd(session, file, ""))) {
        Fail() << "dracut ran, but the guest's " << file << " holds no cryptsetup, so it "
               << "would not unlock the root file system";
      }
      done.push_back("the guest's " + file + " unlocks " + name +
                     " at boot (it asks for the passphrase on the console)");
      continue;
    }
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
  if (decision.tool == InitramfsTool::Dracut) {
    done.push_back(add_guest_dracut_conf(session, name, luks_uuid));
  }
  rebuild_initramfs(session, decision.tool, say);
  done.push_back("rebuilt the guest's initramfs ('" + rebuild_command(decision.tool) + "')");
  for (std::string& line : check_initramfs(session, root, name, decision.tool)) {
    done.push_back(std::move(line));
  }
  session.finish();
  return done;
}

}  // namespace pv2luks
