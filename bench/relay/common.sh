# Shared settings for bench/relay/{start,stop,accepted}. Sourced, not run.
#   BENCH_WORK        parent of the work dir (default: <repo>/bench/.work)
#   BENCH_RELAY_PORT  listen port on 127.0.0.1 (default: 2587)

RELAY_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_BENCH=$(cd "$RELAY_DIR/.." && pwd)

BENCH_WORK=${BENCH_WORK:-$REPO_BENCH/.work}
BENCH_RELAY_PORT=${BENCH_RELAY_PORT:-2587}

W=$BENCH_WORK/relay        # everything of this instance lives here
CONF=$W/etc                # Postfix config_directory (main.cf, master.cf, sasl/, tls/)
QUEUE=$W/queue             # Postfix queue_directory
DATA=$W/data               # Postfix data_directory
MAILLOG=$W/maillog         # written by postlogd (maillog_file)
SYSLOG_NAME=postfix-bench  # log tag, e.g. "postfix-bench/qmgr[123]: ..."

PATH=$PATH:/usr/sbin:/sbin
export PATH

# PIDs of processes belonging to this instance: the master plus every child,
# found by the MAIL_CONFIG=$CONF variable Postfix puts in their environment.
instance_pids() {
    grep -lzxF "MAIL_CONFIG=$CONF" /proc/[0-9]*/environ 2>/dev/null \
        | sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' | grep -vx "$$"
}

master_running() {
    [ -f "$QUEUE/pid/master.pid" ] || return 1
    pid=$(tr -d ' ' < "$QUEUE/pid/master.pid")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
