#!/usr/bin/env bash
# The auditor, proof-manager-audit, from this workspace's release build: builds the workspace
# the way every script does (a no-op when it is up to date), then runs the auditor with the
# arguments given, in the current directory, and exits with its exit code (0 success, 1 a
# failure while running, 2 bad input).
#   scripts/audit.sh --db nov.sqlite import 2026-11.jsonl
#   scripts/audit.sh --db nov.sqlite report --month 2026-11 --json 2026-11.json --svg months.svg
#   scripts/audit.sh --help
# Standard output is the auditor's alone. The build's messages go to a log, printed on standard
# error only when the build fails (then the script exits with cargo's status).
# Env: CARGO_TARGET_DIR (see scripts/env.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
mkdir -p "$CARGO_TARGET_DIR"
log="$CARGO_TARGET_DIR/audit-build.log"
echo "==> scripts/audit.sh: building the workspace (release; log: $log)" >&2
status=0
build_workspace >/dev/null 2>"$log" || status=$?
if [ "$status" != 0 ]; then
  cat "$log" >&2
  exit "$status"
fi
exec "$CARGO_TARGET_DIR/release/proof-manager-audit" "$@"
