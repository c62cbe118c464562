#include "dm/dm_device.h"

#include <libdevmapper.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>

#include "base/errno_text.h"
#include "base/error.h"
#include "base/log.h"
#include "dm/dm_table.h"
#include "base/secure_buffer.h"

namespace pv2luks::dm {

namespace {

struct TaskDeleter {
  void operator()(dm_task* task) const { dm_task_destroy(task); }
};
using Task = std::unique_ptr<dm_task, TaskDeleter>;

const char* operation_name(int type) {
  switch (type) {
    case DM_DEVICE_CREATE: return "create";
    case DM_DEVICE_RELOAD: return "load";
    case DM_DEVICE_REMOVE: return "remove";
    case DM_DEVICE_SUSPEND: return "suspend";
    case DM_DEVICE_RESUME: return "resume";
    case DM_DEVICE_INFO: return "info";
    case DM_DEVICE_TABLE: return "table";
    case DM_DEVICE_STATUS: return "status";
    case DM_DEVICE_WAITEVENT: return "wait for event";
    case DM_DEVICE_DEPS: return "deps";
    case DM_DEVICE_LIST: return "list";
    default: return "ioctl";
  }
}

Task new_task(int type, const std::string& name) {
  Task task(dm_task_create(type));
  if (!task) {
    // libdevmapper gives no reason; a kernel without device-mapper (or a
    // driver it cannot talk to) is the usual one, rarely memory.
    Fail() << (name.empty() ? "" : name + ": ") << "dm " << operation_name(type) << " failed: "
           << (available() ? "libdevmapper could not talk to the kernel's device-mapper"
                           : "device-mapper is not available in this kernel (no device-mapper "
                             "in /proc/misc; load the dm-mod module)");
  }
  if (!name.empty() && !dm_task_set_name(task.get(), name.c_str())) {
    Fail() << name << ": dm " << operation_name(type) << " failed: bad device name";
  }
  return task;
}

void add_targets(dm_task* task, const std::string& name,
                 const std::vector<KernelTarget>& table) {
  dm_task_secure_data(task);  // libdevmapper wipes buffers that held the table
  for (const KernelTarget& target : table) {
    if (!dm_task_add_target(task, target.start_sectors, target.length_sectors,
                            target.type.c_str(), target.params.c_str())) {
      Fail() << name << ": adding a " << target.type << " target failed";
    }
  }
}

uint16_t udev_flags(Udev udev) {
  switch (udev) {
    case Udev::kScan: return 0;
    case Udev::kNoScan: return DM_UDEV_DISABLE_OTHER_RULES_FLAG;
    case Udev::kHidden:
      return DM_UDEV_DISABLE_SUBSYSTEM_RULES_FLAG | DM_UDEV_DISABLE_DISK_RULES_FLAG |
             DM_UDEV_DISABLE_OTHER_RULES_FLAG;
  }
  return 0;
}

// Runs the task; for node-changing tasks, waits on the udev cookie (a no-op
// when udev sync is off, where libdevmapper makes the nodes itself).
void run(dm_task* task, int type, const std::string& name, bool changes_nodes = false,
         Udev udev = Udev::kScan) {
  // The steps that change a device are the verbose trace; queries are debug.
  const bool changes = type == DM_DEVICE_CREATE || type == DM_DEVICE_RELOAD ||
                       type == DM_DEVICE_SUSPEND || type == DM_DEVICE_RESUME ||
                       type == DM_DEVICE_REMOVE;
  log_line(changes ? LogLevel::kVerbose : LogLevel::kDebug,
           std::string("dm ") + operation_name(type) + (name.empty() ? "" : " " + name));
  uint32_t cookie = 0;
  if (changes_nodes && !dm_task_set_cookie(task, &cookie, udev_flags(udev))) {
    Fail() << name << ": dm " << operation_name(type) << " failed: cannot set udev cookie";
  }
  const int ok = dm_task_run(task);
  const int error = dm_task_get_errno(task);
  if (changes_nodes) dm_udev_wait(cookie);
  if (!ok) {
    Fail() << name << ": dm " << operation_name(type)
           << " failed: " << (error ? errno_text(error) : "device-mapper refused it");
  }
}

// Each target as the kernel printed it, key bytes redacted (dm_table.h). The
// task was marked secure, so libdevmapper wipes the buffer the key arrived in.
std::vector<KernelTarget> read_targets(dm_task* task) {
  std::vector<KernelTarget> targets;
  void* next = nullptr;
  do {
    uint64_t start = 0;
    uint64_t length = 0;
    char* type = nullptr;
    char* params = nullptr;
    next = dm_get_next_target(task, next, &start, &length, &type, &params);
    if (!type) continue;
    KernelTarget target{start, length, type, params ? params : ""};
    redact_key_bytes(target);
    targets.push_back(std::move(target));
  } while (next);
  return targets;
}

// A table or status query, run; marked secure, as a table may hold key bytes.
Task run_query(int type, const std::string& name) {
  Task task = new_task(type, name);
  dm_task_no_open_count(task.get());
  dm_task_secure_data(task.get());
  run(task.get(), type, name);
  return task;
}

std::vector<KernelTarget> query_targets(int type, const std::string& name) {
  return read_targets(run_query(type, name).get());
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void create(const std::string& name, const std::string& uuid,
            const std::vector<KernelTarget>& table, Udev udev) {
  Task task = new_task(DM_DEVICE_CREATE, name);
  if (!uuid.empty() && !dm_task_set_uuid(task.get(), uuid.c_str())) {
    Fail() << name << ": dm create failed: bad uuid";
  }
  add_targets(task.get(), name, table);
  run(task.get(), DM_DEVICE_CREATE, name, true, udev);
}

void load(const std::string& name, const std::vector<KernelTarget>& table) {
  Task task = new_task(DM_DEVICE_RELOAD, name);
  add_targets(task.get(), name, table);
  run(task.get(), DM_DEVICE_RELOAD, name);
}

void suspend(const std::string& name, bool flush) {
  Task task = new_task(DM_DEVICE_SUSPEND, name);
  if (!flush) dm_task_no_flush(task.get());
  run(task.get(), DM_DEVICE_SUSPEND, name);
}

void resume(const std::string& name, Udev udev) {
  Task task = new_task(DM_DEVICE_RESUME, name);
  run(task.get(), DM_DEVICE_RESUME, name, true, udev);
}

void remove(const std::string& name) {
  Task task = new_task(DM_DEVICE_REMOVE, name);
  dm_task_retry_remove(task.get());
  run(task.get(), DM_DEVICE_REMOVE, name, true);
}

DeviceInfo info(const std::string& name) {
  Task task = new_task(DM_DEVICE_INFO, name);
  run(task.get(), DM_DEVICE_INFO, name);
  dm_info raw{};
  if (!dm_task_get_info(task.get(), &raw)) Fail() << name << ": dm info failed";
  DeviceInfo result;
  result.exists = raw.exists;
  if (!raw.exists) return result;
  result.suspended = raw.suspended;
  result.live_table = raw.live_table;
  result.inactive_table = raw.inactive_table;
  result.major = raw.major;
  result.minor = raw.minor;
  result.open_count = raw.open_count;
  result.event_nr = raw.event_nr;
  result.target_count = raw.target_count;
  if (const char* uuid = dm_task_get_uuid(task.get())) result.uuid = uuid;
  return result;
}

std::vector<KernelTarget> table(const std::string& name) {
  return query_targets(DM_DEVICE_TABLE, name);
}

SecureBuffer crypt_key(const std::string& name) {
  const Task task = run_query(DM_DEVICE_TABLE, name);
  uint64_t start = 0;
  uint64_t length = 0;
  char* type = nullptr;
  char* params = nullptr;
  dm_get_next_target(task.get(), nullptr, &start, &length, &type, &params);
  if (!type || std::strcmp(type, "crypt") != 0 || !params) return {};
  const auto [at, size] = crypt_key_field(params);
  if (size == 0 || size % 2 != 0 || params[at] == ':') return {};
  SecureBuffer key(size / 2);
  for (std::size_t i = 0; i < key.size_bytes(); ++i) {
    const int high = hex_digit(params[at + 2 * i]);
    const int low = hex_digit(params[at + 2 * i + 1]);
    if (high < 0 || low < 0) return {};
    key.data()[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return key;
}

std::vector<KernelTarget> status(const std::string& name) {
  return query_targets(DM_DEVICE_STATUS, name);
}

std::uint32_t wait_event(const std::string& name, std::uint32_t event_nr) {
  Task task = new_task(DM_DEVICE_WAITEVENT, name);
  if (!dm_task_set_event_nr(task.get(), event_nr)) Fail() << name << ": dm wait failed";
  run(task.get(), DM_DEVICE_WAITEVENT, name);
  dm_info raw{};
  if (!dm_task_get_info(task.get(), &raw)) Fail() << name << ": dm wait failed: no info";
  return raw.event_nr;
}

std::vector<std::string> list_devices() {
  Task task = new_task(DM_DEVICE_LIST, "");
  run(task.get(), DM_DEVICE_LIST, "device-mapper");
  std::vector<std::string> names;
  dm_names* entry = dm_task_get_names(task.get());
  if (!entry || !entry->dev) return names;
  for (;;) {
    names.emplace_back(entry->name);
    if (!entry->next) break;
    entry = reinterpret_cast<dm_names*>(reinterpret_cast<char*>(entry) + entry->next);
  }
  return names;
}

std::vector<std::string> holders_of(dev_t dev) {
  std::vector<std::string> holders;
  for (const std::string& name : list_devices()) {
    Task task = new_task(DM_DEVICE_DEPS, name);
    run(task.get(), DM_DEVICE_DEPS, name);
    const dm_deps* deps = dm_task_get_deps(task.get());
    for (uint32_t i = 0; deps && i < deps->count; ++i) {
      if (deps->device[i] == static_cast<uint64_t>(dev)) {
        holders.push_back(name);
        break;
      }
    }
  }
  return holders;
}

dev_t device_number(const std::string& name) {
  const DeviceInfo found = info(name);
  return makedev(found.major, found.minor);
}

bool available() {
  std::ifstream misc("/proc/misc");
  for (std::string line; std::getline(misc, line);) {
    if (line.find(" device-mapper") != std::string::npos) return true;
  }
  return false;
}

}  // namespace pv2luks::dm
