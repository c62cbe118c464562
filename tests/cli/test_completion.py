"""bash completion (completion/pv2luks, completion/pv2luks-harness), sourced
into bash with bash-completion's own bash_completion loaded, as an
interactive shell has it, and without it (the scripts' fallback): actions,
each action's options, fixed option values, and files where a DEVICE or
FILE goes."""
import pathlib
import shlex
import shutil

import pytest

from conftest import SOURCE_DIR, run

BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
SCRIPTS = {"pv2luks": ("_pv2luks", SOURCE_DIR / "completion" / "pv2luks"),
           "pv2luks-harness": ("_pv2luks_harness", SOURCE_DIR / "completion" / "pv2luks-harness")}

pytestmark = pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")


def complete(line, cwd, with_bash_completion=True):
    """The completions bash offers at the end of `line` (a command line)."""
    words = line.split(" ")
    function, script = SCRIPTS[words[0]]
    program = "\n".join([
        f"source {BASH_COMPLETION}" if with_bash_completion else "",
        f"source {shlex.quote(str(script))}",
        f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}",
        "COMP_WORDS=(" + " ".join(shlex.quote(w) for w in words) + ")",
        f"COMP_CWORD={len(words) - 1}",
        f"{function} {shlex.quote(words[0])} {shlex.quote(words[-1])} {shlex.quote(words[-2])}",
        'printf "%s\\n" "${COMPREPLY[@]}"'])
    result = run(["bash", "-c", program], cwd=cwd)
    assert result.returncode == 0, result.stderr
    return sorted(filter(None, result.stdout.splitlines()))


@pytest.fixture(params=[True, False], ids=["bash-completion", "alone"])
def loaded(request):
    if request.param and not pathlib.Path(BASH_COMPLETION).exists():
        pytest.skip("needs bash-completion (ci/install-deps)")
    return request.param


def test_actions(loaded, tmp_path):
    assert complete("pv2luks con", tmp_path, loaded) == ["convert"]
    assert complete("pv2luks ", tmp_path, loaded)[-7:] == [
        "convert", "flatten", "help", "resume", "status", "unflatten", "verify"]
    assert complete("pv2luks help unf", tmp_path, loaded) == ["unflatten"]


def test_each_actions_options(loaded, tmp_path):
    assert complete("pv2luks convert --ke", tmp_path, loaded) == ["--key-file", "--key-size"]
    assert complete("pv2luks resume --act", tmp_path, loaded) == ["--activate-only"]
    assert complete("pv2luks verify --ke", tmp_path, loaded) == ["--key-file"]
    # convert's options are not resume's
    assert complete("pv2luks resume --make", tmp_path, loaded) == []
    assert complete("pv2luks convert /dev/sda2 --type ", tmp_path, loaded) == ["luks1", "luks2"]


def test_files_where_a_device_or_file_goes(loaded, tmp_path):
    (tmp_path / "disk.qcow2").write_bytes(b"")
    (tmp_path / "key").write_bytes(b"")
    assert complete("pv2luks convert --offline dis", tmp_path, loaded) == ["disk.qcow2"]
    assert complete("pv2luks convert --offline disk.qcow2 --key-file k", tmp_path,
                    loaded) == ["key"]
    assert complete("pv2luks-harness lab run --script k", tmp_path, loaded) == ["key"]


def test_key_file_equals(tmp_path):
    """--key-file=FILE: bash-completion splits at the '='."""
    if not pathlib.Path(BASH_COMPLETION).exists():
        pytest.skip("needs bash-completion (ci/install-deps)")
    (tmp_path / "key").write_bytes(b"")
    assert complete("pv2luks convert --key-file=k", tmp_path) == ["key"]


def test_harness_commands_and_options(loaded, tmp_path):
    assert complete("pv2luks-harness l", tmp_path, loaded) == ["lab", "load"]
    assert complete("pv2luks-harness lab ", tmp_path, loaded) == ["boot", "run"]
    assert complete("pv2luks-harness lab run --ke", tmp_path, loaded) == ["--keep", "--kernel"]
    assert complete("pv2luks-harness lab run --res", tmp_path, loaded) == ["--result"]
    assert complete("pv2luks-harness load verify --m", tmp_path, loaded) == ["--max-problems"]
    assert complete("pv2luks-harness image build spec out --format ", tmp_path,
                    loaded) == ["qcow2", "raw"]
