#!/usr/bin/env bash
# The install recipes can no longer break unseen: runs `make deps`, `make deps-test` and
# `make deps-bench-peers` and `make deps-docker` with
# stand-ins first on PATH for dpkg (every package missing), id (root, or a user), sudo (as the
# real one: VAR=value words, then the command, with SUDO_UID set), apt-get, python3 (no ensurepip;
# `-m venv` makes a stand-in environment) and the system pip. Each stand-in records how it was
# called; the checks then say whether every real command would have run, as root and as a user
# with sudo: one `apt-get update`, then one non-interactive `apt-get install` of real package
# names, every package reported missing installed, apt only as root, sudo never as root, the
# Python tools pinned and into the virtual environment only. A last run with everything present
# must install nothing. Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/bin"
mkdir -p "$bin"
real_id=$(command -v id)

# Every stand-in appends one line to $DEPS_LOG: its name, then its arguments, tab-separated.
cat >"$bin/record" <<'EOF'
#!/bin/sh
{ printf '%s' "$1"; shift; for a in "$@"; do printf '\t%s' "$a"; done; printf '\n'; } >>"$DEPS_LOG"
EOF
cat >"$bin/dpkg" <<'EOF'
#!/bin/sh
record dpkg "$@"
[ "${DEPS_PRESENT:-0}" = 1 ]
EOF
cat >"$bin/id" <<EOF
#!/bin/sh
if [ "\$1" = -u ]; then echo "\$DEPS_UID"; else exec "$real_id" "\$@"; fi
EOF
cat >"$bin/sudo" <<'EOF'
#!/bin/sh
record sudo "$@"
case "$1" in -*) echo "sudo stand-in: unexpected option $1" >&2; exit 1 ;; esac
SUDO_UID=$DEPS_UID exec env "$@"
EOF
cat >"$bin/apt-get" <<'EOF'
#!/bin/sh
uid=$DEPS_UID
[ -n "${SUDO_UID:-}" ] && uid=0
record apt-get "uid=$uid" "frontend=${DEBIAN_FRONTEND:-}" "$@"
EOF
cat >"$bin/python3" <<'EOF'
#!/bin/sh
record python3 "$@"
case "$1" in
  -c) [ "${DEPS_PRESENT:-0}" = 1 ] ;;
  -m)
    [ "$2" = venv ] && [ $# -eq 3 ] || exit 1
    mkdir -p "$3/bin"
    printf '#!/bin/sh\nrecord venv-pip "$@"\n' >"$3/bin/pip"
    chmod +x "$3/bin/pip" ;;
  *) exit 1 ;;
esac
EOF
for pip in pip pip3; do
  printf '#!/bin/sh\nrecord system-pip "$@"\nexit 1\n' >"$bin/$pip"
done
chmod +x "$bin"/*

failures=0
run() {  # run NAME UID PRESENT TARGET
  local name=$1 uid=$2 present=$3 target=$4
  local log="$work/$name.log" venv="$work/venv-${name%%-*}${target#deps}"
  : >"$log"
  local status=0
  DEPS_LOG=$log DEPS_UID=$uid DEPS_PRESENT=$present PATH="$bin:$PATH" \
    timeout 60 make -s -C "$repo" "$target" VENV="$venv" >"$work/$name.out" 2>&1 || status=$?
  python3 - "$name" "$uid" "$present" "$target" "$status" "$log" "$venv" "$work/$name.out" <<'PY' || failures=$((failures + 1))
import os, re, subprocess, sys

name, uid, present, target, status, log, venv, out = sys.argv[1:]
present = present == "1"
calls = [line.rstrip("\n").split("\t") for line in open(log)]
problems = []

def fail(message):
    problems.append(message)

if status != "0":
    fail(f"make {target} exited {status}: " + open(out).read().strip()[-400:])

by = lambda tool: [call[1:] for call in calls if call[0] == tool]
queried = [args[-1] for args in by("dpkg")]
apt = by("apt-get")
sudo = by("sudo")

if uid == "0" and sudo:
    fail(f"sudo ran as root: {sudo}")
for args in apt:
    if args[0] != "uid=0":
        fail(f"apt-get ran without root (no sudo in front): {args}")
if by("system-pip"):
    fail(f"the system interpreter's pip ran: {by('system-pip')}")

if present:
    if apt or by("venv-pip") or any(a[:1] == ["-m"] for a in by("python3")):
        fail(f"everything is present, yet something was installed: {calls}")
else:
    missing = set(queried) | ({"python3-venv"} if target not in ("deps", "deps-docker") else set())
    commands = [args[2:] for args in apt]
    verbs = [next((w for w in c if not w.startswith("-")), None) for c in commands]
    if verbs != ["update", "install"]:
        fail(f"expected one apt-get update, then one apt-get install; got {commands}")
    else:
        update, install = commands
        if any(w not in ("update", "-q", "-qq") for w in update):
            fail(f"apt-get update with unexpected arguments: {update}")
        if apt[1][1] != "frontend=noninteractive":
            fail(f"apt-get install without DEBIAN_FRONTEND=noninteractive: {apt[1]}")
        options = [w for w in install if w.startswith("-")]
        packages = [w for w in install if not w.startswith("-") and w != "install"]
        if "-y" not in options and "--yes" not in options and "--assume-yes" not in options:
            fail(f"apt-get install would ask for confirmation: {install}")
        unknown = [o for o in options if o not in ("-y", "--yes", "--assume-yes", "-q", "-qq", "--no-install-recommends")]
        if unknown:
            fail(f"apt-get install with unexpected options: {unknown}")
        bad = [p for p in packages if not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", p)]
        if bad:
            fail(f"not Debian package names: {bad}")
        if set(packages) != missing:
            fail(f"installed {sorted(packages)} but missing were {sorted(missing)}")
        extra = {"deps": [], "deps-test": ["iproute2", "python3-venv", "chromium", "prometheus", "nginx", "openssl", "redis-server"],
                 "deps-bench-peers": ["redis-server", "redis-tools", "nats-server", "nginx", "libnginx-mod-nchan", "util-linux", "python3-venv"],
                 "deps-docker": ["podman", "runc", "debootstrap"]}[target]
        for need in ["liblz4-dev", "libisal-dev", "libvips-dev", "pkg-config", "libstemmer-dev", "libxml2-dev", "zlib1g-dev", "poppler-utils", "libhiredis-dev"] + extra:
            if need not in packages:
                fail(f"{need} is not installed by make {target}")
        # Where this machine's apt knows its packages, each name must be one of them.
        # (One apt-cache call for the whole list; names one by one only when it fails.)
        known = lambda names: subprocess.run(["apt-cache", "show", "--no-all-versions", *names], capture_output=True).returncode == 0
        if known(["coreutils"]) and not known(packages):
            for p in packages:
                if not known([p]):
                    fail(f"apt knows no package {p}")
    if target not in ("deps", "deps-docker"):
        if ["-m", "venv", venv] not in by("python3"):
            fail(f"no virtual environment made at {venv}: {by('python3')}")
        pips = by("venv-pip")
        if len(pips) != 1 or pips[0][0] != "install":
            fail(f"expected one pip install in the virtual environment, got {pips}")
        else:
            requirements = [w for w in pips[0][1:] if not w.startswith("-")]
            unpinned = [r for r in requirements if not re.fullmatch(r"[A-Za-z0-9._-]+==[0-9][A-Za-z0-9.]*", r)]
            wanted = {"schemathesis", "openapi-python-client", "websockets", "playwright"} if target == "deps-test" else {"matplotlib"}
            if unpinned or not {r.split("==")[0] for r in requirements} >= wanted:
                fail(f"pip must install {sorted(wanted)}, pinned: {requirements}")
    elif by("venv-pip") or by("python3"):
        fail(f"make {target} touched Python: {calls}")

if problems:
    print(f"deps-check {name}: FAIL")
    for p in problems:
        print("  - " + p)
    sys.exit(1)
print(f"deps-check {name}: ok ({len(apt)} apt-get, {len(sudo)} sudo, {len(by('venv-pip'))} pip)")
PY
}

run root-deps 0 0 deps
run root-deps-test 0 0 deps-test
run user-deps 1000 0 deps
run user-deps-test 1000 0 deps-test
run root-deps-bench-peers 0 0 deps-bench-peers
run user-deps-bench-peers 1000 0 deps-bench-peers
run root-deps-docker 0 0 deps-docker
run user-deps-docker 1000 0 deps-docker
# The environment made above is kept: nothing is missing now, so nothing is installed.
run user-present 1000 1 deps-test
exit $((failures > 0))
