#!/usr/bin/env bash
# cache_server.sh: osv's Bazel HTTP remote cache, served by a private nginx.
#
#   tools/cache/cache_server.sh start     start it (harmless if already running)
#   tools/cache/cache_server.sh stop      stop it (harmless if not running)
#   tools/cache/cache_server.sh status    exit 0 if running, 3 if not
#   tools/cache/cache_server.sh prune     delete least-recently-used blobs
#                                         until the storage is under its limit
#
# Options (each also read from the environment variable named beside it):
#   --port N            OSV_CACHE_PORT         default 9090 (always 127.0.0.1)
#   --state-dir DIR     OSV_CACHE_STATE_DIR    default /var/tmp/osv-cache
#   --max-size SIZE     OSV_CACHE_MAX_SIZE     default 10G (K/M/G/T suffixes)
#   --credentials FILE  OSV_CACHE_CREDENTIALS  default <state dir>/staff-credentials
#   (largest upload)    OSV_CACHE_MAX_BLOB     default 1G
#
# The state dir holds everything the instance owns: nginx.conf (rendered from
# nginx.conf.in beside this script), nginx.pid, log/, tmp/, storage/ (the
# blobs), htpasswd, and, mode 0600, the staff credentials and staff.bazelrc,
# which defines `--config=staff` (the repo's .bazelrc try-imports it from the
# default state dir). See README.md, "Remote cache for course CI" for the design.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=cache_server

die() {
    echo "$prog: $*" >&2
    exit 1
}

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

port=${OSV_CACHE_PORT:-9090}
state_dir=${OSV_CACHE_STATE_DIR:-/var/tmp/osv-cache}
max_size=${OSV_CACHE_MAX_SIZE:-10G}
credentials=${OSV_CACHE_CREDENTIALS:-}
command=

while [ $# -gt 0 ]; do
    case "$1" in
    --port) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
    --port=*) port=${1#*=}; shift ;;
    --state-dir) [ $# -ge 2 ] || usage; state_dir=$2; shift 2 ;;
    --state-dir=*) state_dir=${1#*=}; shift ;;
    --max-size) [ $# -ge 2 ] || usage; max_size=$2; shift 2 ;;
    --max-size=*) max_size=${1#*=}; shift ;;
    --credentials) [ $# -ge 2 ] || usage; credentials=$2; shift 2 ;;
    --credentials=*) credentials=${1#*=}; shift ;;
    start | stop | status | prune)
        [ -z "$command" ] || usage
        command=$1
        shift
        ;;
    -h | --help | help) usage ;;
    *) echo "$prog: unknown argument '$1'" >&2; usage ;;
    esac
done
[ -n "$command" ] || usage

# Paths go into nginx.conf and a sed replacement unquoted: keep them plain.
case "$state_dir" in
/*) ;;
*) die "state dir must be an absolute path: '$state_dir'" ;;
esac
[[ "$state_dir" =~ ^[A-Za-z0-9._/-]+$ ]] || die "state dir may hold only letters, digits and ._/-: '$state_dir'"
state_dir=${state_dir%/}
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] ||
    die "port must be a number from 1 to 65535: '$port'"
credentials=${credentials:-$state_dir/staff-credentials}

storage_dir=$state_dir/storage
pid_file=$state_dir/nginx.pid
conf_file=$state_dir/nginx.conf
address_file=$state_dir/address
ro_socket=$state_dir/ro.sock # /ro/ alone, for the isolated grading build
staff_rc=$state_dir/staff.bazelrc
default_staff_rc=/var/tmp/osv-cache/staff.bazelrc # what .bazelrc try-imports

# "10G" -> bytes (binary units).
to_bytes() {
    local n=${1%[KkMmGgTt]} unit=${1#"${1%[KkMmGgTt]}"}
    [[ "$n" =~ ^[0-9]+$ ]] || die "size must be a number with an optional K, M, G or T suffix: '$1'"
    case "$unit" in
    "") echo "$n" ;;
    [Kk]) echo $((n << 10)) ;;
    [Mm]) echo $((n << 20)) ;;
    [Gg]) echo $((n << 30)) ;;
    [Tt]) echo $((n << 40)) ;;
    esac
}

human() {
    awk -v b="$1" 'BEGIN {
        split("B KiB MiB GiB TiB", u, " "); i = 1
        while (b >= 1024 && i < 5) { b /= 1024; i++ }
        printf(i == 1 ? "%d %s" : "%.1f %s", b, u[i]) }'
}

# Installs what the server needs, the way ./bazelw installs the build's
# packages: a fresh Debian machine has none of them and no package lists.
ensure_packages() {
    local packages=(nginx openssl curl) missing=() p status
    for p in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = installed ] || missing+=("$p")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    echo "$prog: installing missing packages: ${missing[*]}" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "not root and no sudo: install as root: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    local apt_get=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
    if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
        "${apt_get[@]}" update -q >&2 || die "'apt-get update' failed; see above"
    fi
    "${apt_get[@]}" install -y -q --no-install-recommends "${missing[@]}" >&2 ||
        die "installing ${missing[*]} failed; see apt-get's messages above"
}

# The pid of this state dir's nginx master, or nothing. A stale pid file (a
# crash, a reboot, a reused pid) does not count.
running_pid() {
    local pid
    pid=$(cat "$pid_file" 2>/dev/null) || return 0
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$conf_file"; then
        echo "$pid"
    fi
}

# True if something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp:
# no extra package needed).
port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

recorded_address() {
    cat "$address_file" 2>/dev/null || echo "127.0.0.1:?"
}

# The staff secret: "user:password" on one line, in a 0600 file that only
# staff CI can read. Created on first start; reused (never printed) after.
ensure_credentials() {
    if [ ! -e "$credentials" ]; then
        mkdir -p "$(dirname "$credentials")"
        (
            umask 077
            echo "osv-staff:$(openssl rand -hex 24)" >"$credentials"
        )
        echo "$prog: created staff credentials in $credentials (mode 0600)"
    fi
    local mode
    mode=$(stat -c %a "$credentials")
    [[ "$mode" =~ ^[4-7]00$ ]] || die "$credentials is readable by others (mode $mode): chmod 600 it"
    local line=
    IFS= read -r line <"$credentials" || true
    cred_user=${line%%:*}
    cred_pass=${line#*:}
    # The pair goes into a URL (Bazel 4 takes basic-auth credentials only there).
    [[ "$line" == *:* && "$cred_user" =~ ^[A-Za-z0-9._~-]+$ && "$cred_pass" =~ ^[A-Za-z0-9._~-]+$ ]] ||
        die "$credentials must hold one line 'user:password' using only letters, digits and ._~-"
}

# expect_miss WHERE CURL-ARGS...: a GET of a blob nobody stored must answer
# 404; otherwise nginx is stopped again and start fails.
expect_miss() {
    local where=$1 code
    shift
    code=$(curl -s -o /dev/null -w '%{http_code}' "$@" || true)
    if [ "$code" != 404 ]; then
        cmd_stop >/dev/null
        die "a probe of /ro/ on $where answered $code, not 404, so nginx was stopped again; see $state_dir/log/error.log"
    fi
}

cmd_start() {
    local pid
    pid=$(running_pid)
    if [ -n "$pid" ]; then
        if [ "$(recorded_address)" = "127.0.0.1:$port" ]; then
            echo "$prog: already running on http://127.0.0.1:$port (pid $pid, state $state_dir)"
            return 0
        fi
        die "already running on http://$(recorded_address) (pid $pid) with state $state_dir; stop it before starting on port $port"
    fi
    if port_busy "$port"; then
        die "port 127.0.0.1:$port is in use by another program; choose another with --port or OSV_CACHE_PORT"
    fi

    ensure_packages
    command -v nginx >/dev/null || die "nginx is not installed (apt-get install nginx)"

    mkdir -p "$state_dir" "$state_dir/log" "$storage_dir/ac" "$storage_dir/cas" \
        "$state_dir/tmp/body" "$state_dir/tmp/proxy" "$state_dir/tmp/fastcgi" \
        "$state_dir/tmp/uwsgi" "$state_dir/tmp/scgi"
    # The workers (not the root master) read htpasswd and write blobs.
    chmod 755 "$state_dir"
    local user_directive="" worker_user="" worker_group=""
    if [ "$(id -u)" -eq 0 ]; then
        worker_user=nobody
        worker_group=$(id -gn nobody) || die "no user 'nobody' to run nginx's workers as"
        user_directive="user $worker_user $worker_group;"
        chown -R "$worker_user:$worker_group" "$storage_dir" "$state_dir/tmp"
        # A parent dir closed to others (mktemp -d makes 0700 ones) would
        # turn every read into a 403 and every write into a 500.
        runuser -u "$worker_user" -- test -w "$storage_dir/cas" -a -r "$state_dir" ||
            die "user $worker_user cannot reach $storage_dir: make every directory above it searchable by others (chmod o+x)"
    fi
    chmod 700 "$state_dir/tmp"

    ensure_credentials
    local htpasswd=$state_dir/htpasswd
    (
        umask 077
        printf '%s:%s\n' "$cred_user" "$(openssl passwd -apr1 -stdin <<<"$cred_pass")" >"$htpasswd.new"
    )
    if [ -n "$worker_group" ]; then
        chgrp "$worker_group" "$htpasswd.new"
        chmod 640 "$htpasswd.new"
    fi
    mv -f "$htpasswd.new" "$htpasswd"

    (
        umask 077
        cat >"$staff_rc.new" <<EOF
# Generated by tools/cache/cache_server.sh start: do not commit, do not copy
# to a machine that builds student code. It holds the staff cache password.
# Staff CI reads and writes the cache with: bazel test --config=staff //...
build:staff --config=cache_common
build:staff --remote_cache=http://$cred_user:$cred_pass@127.0.0.1:$port/rw
build:staff --remote_upload_local_results
EOF
    )
    mv -f "$staff_rc.new" "$staff_rc"

    local max_body
    max_body=$(to_bytes "${OSV_CACHE_MAX_BLOB:-1G}")
    sed -e "s|@STATE_DIR@|$state_dir|g" \
        -e "s|@STORAGE_DIR@|$storage_dir|g" \
        -e "s|@PORT@|$port|g" \
        -e "s|@USER_DIRECTIVE@|$user_directive|g" \
        -e "s|@MAX_BODY@|$max_body|g" \
        "$script_dir/nginx.conf.in" >"$conf_file"
    echo "127.0.0.1:$port" >"$address_file"
    # Left behind by a crash, the socket file would make nginx's bind fail.
    rm -f "$ro_socket"

    local out
    if ! out=$(nginx -p "$state_dir/" -c "$conf_file" 2>&1); then
        echo "$out" >&2
        if grep -q 'Address already in use' <<<"$out"; then
            die "port 127.0.0.1:$port is in use by another program; choose another with --port or OSV_CACHE_PORT"
        fi
        die "nginx failed to start; see above and $state_dir/log/error.log"
    fi
    # nginx's parent returns before the daemon writes its pid.
    local i
    for i in $(seq 50); do
        pid=$(running_pid)
        [ -z "$pid" ] || break
        sleep 0.1
    done
    [ -n "$pid" ] || die "nginx did not come up; see $state_dir/log/error.log"

    # The grading sandbox runs as an unprivileged user, who must be able to
    # connect to the socket. Anyone may: behind it is only the read-only view.
    chmod 666 "$ro_socket"
    # A missing blob must read as 404 (a miss), not 403 or 500: that is what
    # catches a storage dir the workers cannot read.
    expect_miss "127.0.0.1:$port" "http://127.0.0.1:$port/ro/ac/0000"
    expect_miss "$ro_socket" --unix-socket "$ro_socket" "http://osv-cache/ro/ac/0000"

    echo "$prog: started on http://127.0.0.1:$port (pid $pid)"
    echo "  students, read-only:   http://127.0.0.1:$port/ro   (--config=student)"
    echo "  staff, read-write:     http://127.0.0.1:$port/rw   (--config=staff, basic auth)"
    echo "  grading sandbox:       $ro_socket   (/ro/ only; grading/grade.py --cache-socket)"
    echo "  staff credentials:     $credentials"
    echo "  staff Bazel config:    $staff_rc"
    if [ "$staff_rc" != "$default_staff_rc" ]; then
        echo "    (.bazelrc imports $default_staff_rc: link this file there, or run"
        echo "     'bazel --bazelrc=$staff_rc test --config=staff ...')"
    fi
    echo "  storage:               $storage_dir (limit $(human "$(to_bytes "$max_size")"), kept by '$0 prune')"
}

cmd_stop() {
    local pid i
    pid=$(running_pid)
    if [ -z "$pid" ]; then
        rm -f "$pid_file"
        echo "$prog: not running (state $state_dir)"
        return 0
    fi
    # QUIT lets workers finish the requests in flight (a half-sent upload
    # would otherwise only be left in tmp/, never in storage).
    kill -QUIT "$pid"
    for i in $(seq 100); do
        [ -n "$(running_pid)" ] || break
        sleep 0.1
    done
    if [ -n "$(running_pid)" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
    fi
    [ -z "$(running_pid)" ] || die "nginx (pid $pid) did not stop"
    echo "$prog: stopped (was pid $pid on http://$(recorded_address))"
}

storage_bytes() {
    find "$storage_dir" -type f -printf '%b\n' 2>/dev/null | awk '{ s += $1 } END { printf("%d\n", s * 512) }'
}

cmd_status() {
    local pid
    pid=$(running_pid)
    local used="none yet"
    [ -d "$storage_dir" ] && used=$(human "$(storage_bytes)")
    if [ -n "$pid" ]; then
        echo "$prog: running on http://$(recorded_address) (pid $pid); storage $storage_dir: $used used, limit $(human "$(to_bytes "$max_size")")"
        return 0
    fi
    echo "$prog: not running (state $state_dir); storage: $used"
    exit 3
}

# Least-recently-used eviction by access time. nginx reading a blob updates
# its atime under Linux's default relatime at most once a day, so "recent" has
# day resolution; on a noatime mount the order degrades to oldest-written
# first. Either keeps the storage under the limit, which is the promise.
cmd_prune() {
    local limit used
    limit=$(to_bytes "$max_size")
    [ -d "$storage_dir" ] || { echo "$prog: prune: no storage at $storage_dir; nothing to do"; return 0; }
    # One prune at a time (cron may overlap a slow one).
    exec 9>"$state_dir/prune.lock"
    flock -n 9 || { echo "$prog: prune: another prune is running; skipping"; return 0; }
    used=$(storage_bytes)
    if [ "$used" -le "$limit" ]; then
        echo "$prog: prune: $(human "$used") used of $(human "$limit"); nothing to delete"
        return 0
    fi
    # Oldest access first; awk picks files until enough bytes are freed.
    # Blob names are hex digests, so a path is one plain line.
    local victims=$state_dir/prune.list result
    rm -f "$victims"
    result=$(find "$storage_dir" -type f \( -path '*/ac/*' -o -path '*/cas/*' \) -printf '%A@ %b %p\n' |
        sort -n |
        awk -v excess=$((used - limit)) -v list="$victims" '
            freed < excess { freed += $2 * 512; n++; sub(/^[^ ]+ [^ ]+ /, ""); print > list }
            END { printf("%d %d\n", n, freed) }')
    [ ! -s "$victims" ] || xargs -r -d '\n' rm -f -- <"$victims"
    rm -f "$victims"
    local n=${result% *} freed=${result#* }
    echo "$prog: prune: deleted $n least-recently-used files ($(human "$freed")); $(human "$(storage_bytes)") used of $(human "$limit")"
}

"cmd_$command"
