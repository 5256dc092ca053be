#!/usr/bin/env bash
# Fails when a C++ file of the project is not formatted as .clang-format says; lists the files.
# Fix with: clang-format -i <file>
set -euo pipefail
cd "$1"
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find src sim tests bench examples -name '*.cpp' -o -name '*.h')
unformatted=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  printf 'not formatted (clang-format -i FILE): %s\n' "${unformatted[@]}"
  exit 1
fi
echo "clang-format: ${#files[@]} files formatted"
