#!/usr/bin/env bash
# local-cluster.sh - a real one-node Slurm on this machine, for tests and demos.
#
# Usage: scripts/slurm/local-cluster.sh start|stop|status
#
#   start   install Debian's slurm (slurmctld, slurmd, client) and munge if
#           missing, write /etc/slurm/slurm.conf for this host, start munged,
#           slurmctld and slurmd as plain daemons (no systemd needed), and wait
#           until a job runs. A no-op when the cluster already runs jobs
#           with the config this script writes (a changed config restarts
#           the daemons; running jobs survive that).
#   stop    stop the daemons this script started (by the pids in their pid
#           files).
#   status  exit 0 only when `srun -N1 true` works; print sinfo.
#
# Needs root. The node is this host (`hostname -s`), with the CPU count and
# memory that slurmd detects, in one partition `debug` (the default). Job
# tracking is proctrack/linuxproc with task/none: no cgroups, so it also runs
# in containers and sandboxes. There is no accounting daemon (no sacct);
# finished jobs stay visible to `scontrol show job` for MinJobAge seconds.
#
# Environment:
#   WILDSTAT_SLURM_WAIT   seconds to wait for the node to run a job (default 90)
#   WILDSTAT_SLURM_FORCE  1 to overwrite an /etc/slurm/slurm.conf that this
#                         script did not write
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
STATE_DIR=/var/lib/slurm/wildstat
LOG_DIR=/var/log/slurm
RUN_DIR=/run/slurm
MARK="# written by wildstat scripts/slurm/local-cluster.sh"
WAIT_S="${WILDSTAT_SLURM_WAIT:-90}"

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# Runs a command with a time limit when `timeout` exists.
bounded() { local s="$1"; shift; if command -v timeout >/dev/null; then timeout "$s" "$@"; else "$@"; fi; }

jobs_run() {
    command -v srun >/dev/null || return 1
    # `scontrol ping` answers at once; sinfo and srun retry a dead controller.
    bounded 10 scontrol ping 2>/dev/null | grep -q 'is UP' || return 1
    bounded 30 srun -N1 -n1 --quiet -t 1 -J wildstat-probe true >/dev/null 2>&1
}

# True when the pid file names a live process of that program (pids of daemons
# killed without cleanup may have been reused).
pid_alive() {
    local pidf="$1" prog="$2" pid
    [[ -f "$pidf" ]] || return 1
    pid="$(cat "$pidf")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$prog"* ]] || return 1
    # A killed daemon whose parent does not reap it stays a zombie.
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]
}

dump_logs() {
    local f
    for f in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" /var/log/munge/munged.log; do
        [[ -f "$f" ]] || continue
        log "---- tail of $f"
        tail -n 25 "$f" >&2 || true
    done
    if command -v sinfo >/dev/null; then
        log "---- sinfo -N -l"; bounded 10 sinfo -N -l >&2 || true
    fi
}

install_packages() {
    local need=()
    command -v munged >/dev/null || need+=(munge)
    command -v slurmctld >/dev/null || need+=(slurmctld)
    command -v slurmd >/dev/null || need+=(slurmd)
    command -v sbatch >/dev/null || need+=(slurm-client)
    ((${#need[@]} == 0)) && return 0
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

start_munge() {
    if pid_alive /run/munge/munged.pid munged && bounded 10 munge -n </dev/null 2>/dev/null | bounded 10 unmunge >/dev/null 2>&1; then
        return 0
    fi
    install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
    install -d -o munge -g munge -m 0755 /run/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating munge key"
        if command -v mungekey >/dev/null; then
            mungekey --create --force --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
        fi
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    rm -f /run/munge/munged.pid
    log "starting munged"
    runuser -u munge -- munged --force
    local i
    for ((i = 0; i < 20; i++)); do
        if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    dump_logs
    die "munged does not answer (munge -n | unmunge fails)"
}

node_line() {
    # slurmd -C prints the topology slurmd will detect; a config that claims
    # more than that gets the node drained, so use it as it is.
    local host="$1" line
    line="$(slurmd -C 2>/dev/null | sed -n 's/^\(NodeName=.*\)$/\1/p' | head -n1)"
    if [[ -z "$line" ]]; then
        local mem
        mem="$(free -m | awk '/^Mem:/{print $2}')"
        line="NodeName=$host CPUs=$(nproc) RealMemory=$mem"
    fi
    line="NodeName=$host ${line#NodeName=* }"
    printf '%s NodeAddr=127.0.0.1 State=UNKNOWN\n' "$line"
}

write_conf() {
    local host="$1"
    if [[ -f "$CONF" ]] && ! grep -qxF "$MARK" "$CONF" && [[ "${WILDSTAT_SLURM_FORCE:-0}" != 1 ]]; then
        die "$CONF exists and was not written by this script (set WILDSTAT_SLURM_FORCE=1 to replace it)"
    fi
    install -d -m 0755 "$CONF_DIR" "$STATE_DIR" "$STATE_DIR/ctld" "$STATE_DIR/d" "$LOG_DIR" "$RUN_DIR"
    local tmp
    tmp="$(mktemp "$CONF_DIR/.slurm.conf.XXXXXX")"
    cat >"$tmp" <<CONF
$MARK
# One-node test cluster. Regenerated by \`local-cluster.sh start\`.
ClusterName=wildstat
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# Schedule batch jobs as soon as they are submitted or resources free up
# (the default waits up to 3 s), so short test jobs do not idle.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MaxArraySize=4001
MaxJobCount=20000
# Finished jobs stay in \`scontrol show job\` this long (there is no sacct).
MinJobAge=600
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
KillWait=10
MpiDefault=none
MailProg=/bin/true
$(node_line "$host")
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
    chmod 0644 "$tmp"
    if [[ -f "$CONF" ]] && cmp -s "$tmp" "$CONF"; then
        rm -f "$tmp"
        return 1
    fi
    mv -f "$tmp" "$CONF"
    log "wrote $CONF"
    return 0
}

start_daemons() {
    local host="$1"
    if ! pid_alive "$RUN_DIR/slurmctld.pid" slurmctld; then
        log "starting slurmctld"
        slurmctld -f "$CONF"
    fi
    if ! pid_alive "$RUN_DIR/slurmd.pid" slurmd; then
        log "starting slurmd"
        slurmd -f "$CONF" -N "$host"
    fi
}

wait_ready() {
    local host="$1" deadline state
    deadline=$((SECONDS + WAIT_S))
    while ((SECONDS < deadline)); do
        state="$(bounded 10 sinfo -h -N -n "$host" -o '%t' 2>/dev/null | head -n1 || true)"
        case "$state" in
            idle* | mix* | alloc*)
                if jobs_run; then return 0; fi
                ;;
            drain* | drng* | down* | fail*)
                # A node that came back with a changed config, or that slurmd
                # registered late, stays down until resumed.
                bounded 10 scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
                ;;
        esac
        sleep 1
    done
    dump_logs
    die "node $host did not run a job within ${WAIT_S}s (state: ${state:-unknown})"
}

cmd_start() {
    [[ "$(id -u)" == 0 ]] || die "start needs root"
    local host changed=0
    host="$(hostname -s)"
    if jobs_run; then
        # Running: only a changed config (a newer version of this script)
        # makes it restart.
        if ! write_conf "$host"; then
            log "already running"
            return 0
        fi
        changed=1
    fi
    install_packages
    start_munge
    if ((changed)) || write_conf "$host"; then
        # A new config: daemons started with an old one must restart. Jobs
        # that run keep running; slurmctld reloads its state.
        stop_daemons
    fi
    start_daemons "$host"
    wait_ready "$host"
    log "ready: node $host, partition debug"
    bounded 10 sinfo >&2 || true
}

stop_pidfile() {
    local name="$1" pidf="$2" pid i
    if pid_alive "$pidf" "$name"; then
        pid="$(cat "$pidf")"
        log "stopping $name ($pid)"
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$pidf"
}

stop_daemons() {
    stop_pidfile slurmd "$RUN_DIR/slurmd.pid"
    stop_pidfile slurmctld "$RUN_DIR/slurmctld.pid"
}

cmd_stop() {
    stop_daemons
    stop_pidfile munged /run/munge/munged.pid
}

cmd_status() {
    if ! command -v sinfo >/dev/null; then
        log "slurm is not installed"
        return 1
    fi
    if jobs_run; then
        bounded 10 sinfo 2>&1 || true
        log "jobs run"
        return 0
    fi
    bounded 10 scontrol ping 2>&1 | head -n 1 >&2 || true
    log "jobs do not run"
    return 1
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
