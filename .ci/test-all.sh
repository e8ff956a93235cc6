#!/bin/sh
# Runs every package's tests in dependency order and keeps going after a failure, so one red
# package does not hide the results of the others (pnpm -r skips the dependents of a failed one).
cd "$(dirname "$0")/.."
status=0
# The type checker first: vitest and the bundlers strip types without checking them.
echo "=== typecheck"
pnpm -r --reporter=append-only typecheck || { status=1; echo "=== typecheck: FAILED"; }
for pkg in shared sdk dashboard server e2e; do
  echo "=== $pkg: test"
  pnpm --filter "./$pkg" --reporter=append-only test || { status=1; echo "=== $pkg: FAILED"; }
done
exit $status
