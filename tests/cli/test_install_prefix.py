"""Where `cmake --install` puts the boot files (converter/CMakeLists.txt,
docs/convert.md "Installing"): under the prefix /usr, or a root tree's
ROOT/usr, the initramfs-tools hook and the dracut module land where those
tools read them, silently; under /usr/local (a plain `cmake --install`) they
land under that prefix, never in /usr, and the install warns loudly, naming
the paths and the commands that put them in place. The manual page and the
bash completion follow the prefix."""
import pytest

from conftest import BUILD_DIR, run

HOOK = "share/initramfs-tools/hooks/pv2luks"
LOCAL_TOP = "share/initramfs-tools/scripts/local-top/pv2luks"
DRACUT = "lib/dracut/modules.d/90pv2luks/module-setup.sh"
WARNING = "where initramfs-tools and dracut never look"


def install(prefix):
    result = run(["cmake", "--install", BUILD_DIR, "--prefix", prefix, "--component", "core"])
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("prefix", ["usr", "root/usr"])
def test_a_usr_prefix_installs_where_the_tools_read_silently(tmp_path, prefix):
    result = install(tmp_path / prefix)
    assert WARNING not in result.stderr, result.stderr
    for path in (HOOK, LOCAL_TOP, DRACUT, "sbin/pv2luks", "share/man/man8/pv2luks.8.gz",
                 "share/bash-completion/completions/pv2luks"):
        assert (tmp_path / prefix / path).is_file(), path


def test_usr_local_warns_and_says_where_to_copy(tmp_path):
    prefix = tmp_path / "usr" / "local"
    result = install(prefix)
    assert "CMake Warning" in result.stderr and WARNING in result.stderr, result.stderr
    assert f"cp {prefix}/{HOOK} /etc/initramfs-tools/hooks/" in result.stderr, result.stderr
    assert f"cp -r {prefix}/lib/dracut/modules.d/90pv2luks /usr/lib/dracut/modules.d/" \
        in result.stderr, result.stderr
    for path in (HOOK, LOCAL_TOP, DRACUT):
        assert (prefix / path).is_file(), path
    # nothing outside the prefix
    assert sorted(p.name for p in tmp_path.iterdir()) == ["usr"]
    assert sorted(p.name for p in (tmp_path / "usr").iterdir()) == ["local"]
