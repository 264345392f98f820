#!/usr/bin/env bash
# Structure checks (docs/conventions.md, "Structure checks"); ctest runs this as
# the test `check_structure` (label structure) after the build.
#
#   scripts/check-structure.sh [BUILD_DIR [SOURCE_DIR]]
#
# (a) The include graph between folders has no cycle. Edges come from the
#     compiler's own dependency output (`ninja -t deps`): an object whose source
#     is in folder A and whose recorded headers include one in folder B makes
#     the edge A -> B. That list is flat, so each project header it names adds
#     its own `#include "..."` lines as edges too (a header-only cycle such as
#     a/x.hpp -> b/y.hpp -> a/z.hpp shows up even when no source closes it).
# (b) Only agent/engine/ and torrent/ include libtorrent (tests and benchmarks,
#     which drive real libtorrent peers, are not product code).
# (c) No function over 80 lines (Universal Ctags' start and end lines) unless
#     the line before it holds a comment with `long-function:` and a reason.
#
# Prints one line per violation and exits 1 when there is any. Needs a build
# whose objects are compiled (deps are recorded when an object is built).
set -euo pipefail

build_dir=${1:-build}
source_dir=${2:-$(cd "$(dirname "$0")/.." && pwd)}
max_lines=80

if [ ! -f "$build_dir/build.ninja" ]; then
  echo "check-structure: $build_dir is not a Ninja build directory (configure and build first)" >&2
  exit 2
fi

deps=$(mktemp)
tags=$(mktemp)
trap 'rm -f "$deps" "$tags"' EXIT

ninja -C "$build_dir" -t deps >"$deps"
(cd "$source_dir" && git ls-files -z '*.cpp' '*.hpp' |
  xargs -0 ctags-universal --languages=C++ --kinds-C++=f --fields=+ne -o -) >"$tags"

exec /usr/bin/python3 - "$build_dir" "$source_dir" "$deps" "$tags" "$max_lines" <<'PYTHON'
import os
import re
import sys
from collections import defaultdict

build_dir, source_dir, deps_file, tags_file, max_lines = sys.argv[1:]
max_lines = int(max_lines)
build_dir = os.path.realpath(build_dir)
source_dir = os.path.realpath(source_dir)
violations = []

# Folders whose code may include libtorrent, and code that is not product code.
libtorrent_homes = ("agent/engine/", "torrent/")
not_product = ("tests/", "bench/", "examples/")


def project_path(path):
    """The path relative to the source tree, or None outside it (system, build dir)."""
    full = os.path.realpath(os.path.join(build_dir, path))
    if full == build_dir or full.startswith(build_dir + os.sep):
        return None
    if not full.startswith(source_dir + os.sep):
        return None
    return os.path.relpath(full, source_dir)


def read_deps():
    """[(source, [dependency paths as recorded])] per object, source = first dependency."""
    objects, current = [], None
    with open(deps_file) as f:
        for line in f:
            if not line.strip():
                continue
            if not line.startswith(" "):
                current = []
                objects.append(current)
            elif current is not None:
                current.append(line.strip())
    return [(deps[0], deps[1:]) for deps in objects if deps]


def shortest_cycle(start, edges, members):
    """The folders of the shortest cycle through start inside one strongly connected component."""
    parent, queue = {start: None}, [start]
    for node in queue:
        for nxt in sorted(edges[node] & members):
            if nxt == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return list(reversed(path))
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return [start]


def components(nodes, edges):
    """Tarjan's strongly connected components with more than one folder."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def header_includes(header):
    """The project headers a project header includes by name (paths from the root)."""
    out = []
    with open(os.path.join(source_dir, header), errors="replace") as f:
        for line in f:
            m = INCLUDE.match(line)
            if not m:
                continue
            for base in (source_dir, os.path.join(source_dir, os.path.dirname(header))):
                candidate = os.path.realpath(os.path.join(base, m.group(1)))
                if os.path.isfile(candidate) and candidate.startswith(source_dir + os.sep):
                    out.append(os.path.relpath(candidate, source_dir))
                    break
    return out


def check_includes(objects):
    edges, example, nodes = defaultdict(set), {}, set()
    headers = set()

    def add_edge(including, included):
        source, target = os.path.dirname(including), os.path.dirname(included)
        nodes.update((source, target))
        if source != target:
            edges[source].add(target)
            example.setdefault((source, target), (including, included))

    for source, deps in objects:
        src = project_path(source)
        if src is None:
            continue
        folder = os.path.dirname(src)
        nodes.add(folder)
        libtorrent = next((d for d in deps if "/libtorrent/" in d), None)
        if libtorrent and not src.startswith(libtorrent_homes + not_product):
            header = libtorrent[libtorrent.index("libtorrent/"):]
            violations.append(f"libtorrent outside agent/engine/ and torrent/: {src} "
                              f"depends on {header}")
        for dep in deps:
            header = project_path(dep)
            # A header gone since the object was built (a stale record) is skipped.
            if header is not None and os.path.isfile(os.path.join(source_dir, header)):
                headers.add(header)
                add_edge(src, header)
    for header in sorted(headers):
        for included in header_includes(header):
            add_edge(header, included)
    for comp in components(nodes, edges):
        cycle = shortest_cycle(min(comp), edges, comp)
        hops = list(zip(cycle, cycle[1:] + cycle[:1]))
        why = "; ".join("%s includes %s" % example[hop] for hop in hops)
        path = " -> ".join(cycle + cycle[:1])
        others = sorted(comp - set(cycle))
        more = f" (also in this cycle: {', '.join(others)})" if others else ""
        violations.append(f"include cycle between folders: {path}: {why}{more}")


def check_function_lengths():
    lines_of = {}
    with open(tags_file) as f:
        for line in f:
            if line.startswith("!"):
                continue
            fields = line.rstrip("\n").split("\t")
            name, path = fields[0], fields[1]
            extra = dict(x.split(":", 1) for x in fields[3:] if ":" in x)
            if "line" not in extra or "end" not in extra:
                continue
            start, end = int(extra["line"]), int(extra["end"])
            length = end - start + 1
            if length <= max_lines:
                continue
            if path not in lines_of:
                with open(os.path.join(source_dir, path), errors="replace") as src:
                    lines_of[path] = src.read().split("\n")
            before = lines_of[path][start - 2] if start >= 2 else ""
            if "//" in before and "long-function:" in before.split("//", 1)[1]:
                continue
            scope = extra.get("class") or extra.get("struct")
            full = f"{scope}::{name}" if scope else name
            violations.append(f"function over {max_lines} lines: {path}:{start} {full} "
                              f"({length} lines; split it, or give the line before it "
                              f"a `// long-function: REASON` comment)")


objects = read_deps()
if not objects:
    violations.append(f"no dependency records in {build_dir}: build before checking")
check_includes(objects)
check_function_lengths()
for v in violations:
    print("check-structure:", v)
if violations:
    print(f"check-structure: {len(violations)} violation(s)")
    sys.exit(1)
print("check-structure: ok (folder include graph acyclic, libtorrent only in agent/engine/ "
      f"and torrent/, no function over {max_lines} lines)")
PYTHON
