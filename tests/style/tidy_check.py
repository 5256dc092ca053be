#!/usr/bin/env python3
"""clang-tidy over the project's own sources, with the checks in .clang-tidy; fails on any finding.

Reads the build tree's compile_commands.json. A translation unit whose preprocessed text, flags and
tidy configuration are unchanged since it last passed is not checked again (the cache lives in
$XDG_CACHE_HOME/topicdesk-tidy), so a rebuild with one changed file checks about one file.

usage: tidy_check.py BUILD_DIR SOURCE_DIR [FOLDER ...]   (folders default to src sim)
"""
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path


def preprocess(entry):
    """The compiler's preprocessed output of one entry: what the translation unit really contains."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    if args and args[0].endswith("ccache"):
        args = args[1:]
    out = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "-o":
            skip = True
            continue
        if arg == "-c":
            continue
        out.append(arg)
    return subprocess.run(out + ["-E", "-P"], cwd=entry["directory"], capture_output=True).stdout


def check(entry, build_dir, source_dir, config_hash, cache_dir):
    source = entry["file"]
    # Paths left out of the key, so another checkout of the same sources finds its results.
    command = entry.get("command", "").replace(str(source_dir), "").replace(str(build_dir), "")
    key = hashlib.sha256(config_hash + preprocess(entry) + command.encode()).hexdigest()
    stamp = cache_dir / key
    if stamp.exists():
        return source, True, ""
    result = subprocess.run(["clang-tidy", "-p", str(build_dir), "--quiet", "--warnings-as-errors=*", source],
                            capture_output=True, text=True)
    findings = "\n".join(line for line in result.stdout.splitlines() if line.strip())
    ok = result.returncode == 0 and "warning:" not in findings and "error:" not in findings
    if ok:
        stamp.touch()
    return source, ok, findings


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    build_dir = Path(sys.argv[1]).resolve()
    source_dir = Path(sys.argv[2]).resolve()
    folders = sys.argv[3:] or ["src", "sim"]
    roots = [str(source_dir / folder) + os.sep for folder in folders]
    database = build_dir / "compile_commands.json"
    if not database.exists():
        print(f"{database}: missing; configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON")
        return 2
    entries = [e for e in json.loads(database.read_text())
               if any(e["file"].startswith(root) for root in roots) and e["file"].endswith(".cpp")]
    config = (source_dir / ".clang-tidy").read_bytes()
    version = subprocess.run(["clang-tidy", "--version"], capture_output=True).stdout
    config_hash = hashlib.sha256(config + version).digest()
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "topicdesk-tidy"
    cache_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for source, ok, findings in pool.map(lambda e: check(e, build_dir, source_dir, config_hash, cache_dir), entries):
            if not ok:
                failed.append(source)
                print(findings)
    print(f"clang-tidy: {len(entries) - len(failed)} of {len(entries)} translation units clean")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
