"""Driving tests/tools/image-view-tool from the host suites: it opens an
image as offline conversion would, prints the view's fields (key=value, then
'ready'), holds the view until its standard input ends, and prints 'closed'. A line
'write OFFSET TEXT' writes through the view's raw disk meanwhile."""
import contextlib
import os
import subprocess

from conftest import BUILD_DIR, run

TOOL = BUILD_DIR / "tests" / "image-view-tool"


def read_fields(proc):
    """The key=value lines the tool prints before 'ready' (None if it failed)."""
    fields = {}
    for line in proc.stdout:
        line = line.strip()
        if line == "ready":
            return fields
        key, _, value = line.partition("=")
        fields[key] = value
    return None


@contextlib.contextmanager
def held_view(image, read_only=False, tmpdir=None):
    """Opens the view in the tool and holds it; yields its fields (a test that
    kills the tool itself sets fields["killed"]). With `tmpdir` the export's
    temporary directory goes there."""
    assert TOOL.exists(), f"{TOOL} is missing: build the project first"
    argv = [str(TOOL), "open"] + (["--read-only"] if read_only else []) + [str(image)]
    env = dict(os.environ, TMPDIR=str(tmpdir)) if tmpdir else None
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        fields = read_fields(proc)
        assert fields is not None, f"open failed: {proc.stderr.read()}"
        fields["pid"] = proc.pid
        fields["proc"] = proc
        yield fields
        if fields.get("killed"):
            return
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        assert proc.stdout.read().strip() == "closed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def write_through(fields, offset, text):
    """Writes `text` (no spaces) at byte `offset` of a held view's raw disk."""
    proc = fields["proc"]
    proc.stdin.write(f"write {offset} {text}\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "wrote", proc.stderr.read()


def open_once(image, read_only=False, tmpdir=None):
    """Opens and closes the view at once; the CompletedProcess. With `tmpdir`
    the export's temporary directory goes there."""
    argv = [TOOL, "open"] + (["--read-only"] if read_only else []) + [image]
    env = dict(os.environ, TMPDIR=str(tmpdir)) if tmpdir else None
    return run(argv, input="", timeout=120, env=env)
