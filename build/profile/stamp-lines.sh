#!/usr/bin/env bash
# Runs a command with each line of its output prefixed by the time it was written ($EPOCHREALTIME, tab-separated) into
# the log file given first; touches LOG.done when the output ends. exec keeps the pid, which dotnet-counters needs.
# Usage: stamp-lines.sh LOG command [arguments...]
log="$1"
shift
exec "$@" > >(while IFS= read -r line; do printf '%s\t%s\n' "$EPOCHREALTIME" "$line"; done >"$log"; : >"$log.done") 2>&1
