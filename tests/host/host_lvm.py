"""Shared by the host suites that run LVM's tools on loop devices: the
configuration that keeps LVM to the named device with activation off (no
device-mapper here), its environment, the skip marks for root and tools, and
a read-only loop device over part of an image."""
import contextlib
import os
import shutil

import pytest

from conftest import checked, run

# LVM sees only the device named with --devices; activation off (no dm here).
LVM_CONFIG = (
    'devices { obtain_device_list_from_udev = 0 external_device_info_source = "none" '
    "use_devicesfile = 0 } global { activation = 0 use_lvmlockd = 0 } "
    "backup { backup = 0 archive = 0 }"
)
LVM_ENV = dict(os.environ, LVM_SUPPRESS_FD_WARNINGS="1")


def needs_root_and(tools, packages=""):
    """pytestmark for a suite that needs root and these programs."""
    return [
        pytest.mark.skipif(os.geteuid() != 0, reason="needs root (loop devices, LVM tools)"),
        pytest.mark.skipif(any(shutil.which(t) is None for t in tools),
                           reason="needs " + ", ".join(tools) + (f" ({packages})" if packages else "")),
    ]


@contextlib.contextmanager
def loop_device(image, offset, size):
    """A read-only loop device over `size` bytes of `image` from `offset`."""
    device = checked(["losetup", "--find", "--show", "--read-only", "--offset", str(offset),
                      "--sizelimit", str(size), str(image)]).stdout.strip()
    try:
        yield device
    finally:
        run(["losetup", "--detach", device])
