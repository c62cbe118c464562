"""The folders of converter/lib include each other without a cycle: a folder
is one layer (base, the subsystems, the shared convert/ flow, the modes, the
public api/ on top), and a cycle would make two of them one layer. A pure
scan of the #include lines; no build needed."""
import pathlib
import re

from conftest import SOURCE_DIR

INCLUDE = re.compile(r'^\s*#\s*include\s+"(([^"/]+)/[^"]+)"', re.MULTILINE)

def folder_graph(lib):
    """For each folder under `lib`, the other folders of `lib` its files include."""
    folders = {path.name for path in lib.iterdir() if path.is_dir()}
    graph = {folder: set() for folder in folders}
    for folder in folders:
        for source in (lib / folder).rglob("*"):
            if source.suffix not in (".h", ".cpp"):
                continue
            for header, included in INCLUDE.findall(source.read_text(errors="replace")):
                if included in folders and included != folder:
                    graph[folder].add(included)
    return graph


def find_cycle(graph):
    """A cycle as a list of folders [a, b, ..., a], or None."""
    state = {}  # folder -> "open" while on the path, "done" after
    path = []

    def visit(folder):
        state[folder] = "open"
        path.append(folder)
        for other in sorted(graph.get(folder, ())):
            if state.get(other) == "open":
                return path[path.index(other):] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        path.pop()
        state[folder] = "done"
        return None

    for folder in sorted(graph):
        if folder not in state:
            found = visit(folder)
            if found:
                return found
    return None


def test_converter_lib_folders_include_each_other_without_a_cycle():
    graph = folder_graph(SOURCE_DIR / "converter" / "lib")
    assert {"base", "live", "offline", "convert"} <= set(graph), sorted(graph)
    assert "base" in graph["live"]  # the scan sees includes at all
    cycle = find_cycle(graph)
    assert cycle is None, "folder include cycle: " + " -> ".join(cycle)


def test_the_checker_reports_a_cycle_in_a_synthetic_tree(tmp_path):
    # Negative control: a -> b -> c -> a, and d -> a outside the cycle.
    files = {"a/one.h": '#include "b/two.h"\n', "b/two.cpp": '#include "c/three.h"\n',
             "c/three.h": '#include "a/one.h"\n#include "c/other.h"\n',
             "d/four.cpp": '#include "a/one.h"\n#include <vector>\n'}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = folder_graph(tmp_path)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    (tmp_path / "c/three.h").write_text('#include "e/leaf.h"\n')  # the cycle broken
    (tmp_path / "e").mkdir()
    assert find_cycle(folder_graph(tmp_path)) is None
