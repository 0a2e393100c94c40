#!/usr/bin/env bash
# Back up a Parley data directory, live or stopped, into DEST (which must not exist).
#
#   tools/backup.sh ./data /backups/parley-$(date +%F)
#
# Copies snapshots/ first, then wal/, then the file bytes (blobs/) and history files (history/): the log copied afterwards always reaches back to the
# snapshots (segments are deleted only below the oldest kept snapshot). The live segment may be
# caught mid-append; its torn tail is cut off when the backup is restored or served. The copy
# is then verified with `parley snapshot verify` and `parley wal verify`.
set -euo pipefail
usage() { echo "usage: $0 DATA_DIR DEST_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
src=$1 dest=$2
parley=${PARLEY:-$(command -v parley || echo "$(dirname "$0")/../.build/release/parley")}
[ -d "$src/wal" ] || { echo "$src has no wal/: not a Parley data directory" >&2; exit 2; }
[ -e "$dest" ] && { echo "$dest exists; choose a new directory" >&2; exit 2; }
[ -x "$parley" ] || { echo "parley binary not found (set PARLEY=/path/to/parley)" >&2; exit 2; }

mkdir -p "$dest/snapshots" "$dest/wal"
for attempt in 1 2 3; do
  # A segment may be deleted between listing and copying when a snapshot lands; retry then.
  if cp -p "$src"/snapshots/*.snap "$dest/snapshots/" 2>/dev/null || [ -z "$(ls "$src/snapshots" 2>/dev/null)" ]; then
    if cp -p "$src"/wal/*.wal "$dest/wal/"; then break; fi
  fi
  [ "$attempt" -eq 3 ] && { echo "copy kept racing with the server; try again" >&2; exit 1; }
  rm -rf "$dest/snapshots"/* "$dest/wal"/*
done

# File bytes, after the log: every file the copied log names was fsynced into its blob before
# its record, so it is here. Blobs never change once written (content-addressed); unfinished
# uploads (blobs/tmp) are left out. A file deleted while the backup runs may be restored
# without bytes (its download then answers 503).
if [ -d "$src/blobs" ]; then
  mkdir -p "$dest/blobs"
  for shard in "$src"/blobs/*/; do
    [ -d "$shard" ] || continue
    [ "$(basename "$shard")" = tmp ] && continue
    cp -rp "$shard" "$dest/blobs/"
  done
fi

# History files (issue 16), after the log for the same reason: a file is fsynced under its
# final name before the record that makes it live, and is never changed afterwards. Files no
# copied record names (a compaction under way) are removed when the backup is started.
if [ -d "$src/history" ]; then
  mkdir -p "$dest/history"
  for file in "$src"/history/*.hist; do
    [ -e "$file" ] && cp -p "$file" "$dest/history/"
  done
fi

# The access-token key: without it, every access token issued before the backup is void.
[ -f "$src/jwt-secret" ] && cp -p "$src/jwt-secret" "$dest/jwt-secret"

status=0
for snap in "$dest"/snapshots/*.snap; do
  [ -e "$snap" ] || continue
  "$parley" snapshot verify "$snap" || status=1
done
if ! out=$("$parley" wal verify --data-dir "$dest" 2>&1); then
  case "$out" in
    *"torn tail"*) echo "note: the live segment was copied mid-append; its tail is cut on restore" >&2 ;;
    *) echo "$out" >&2; status=1 ;;
  esac
fi
echo "backup in $dest" >&2
exit $status
