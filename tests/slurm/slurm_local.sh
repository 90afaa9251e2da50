#!/usr/bin/env bash
# A throw-away single-node SLURM on this machine, for testing the SLURM profile.
#
#   tests/slurm/slurm_local.sh start DIR   # munged + slurmctld + slurmd, state and logs under DIR;
#                                      # prints "export SLURM_CONF=DIR/slurm.conf"
#   tests/slurm/slurm_local.sh stop DIR    # stops exactly the daemons it started (by their PID files)
#                                      # and the job-step daemons of this cluster's jobs
#   tests/slurm/slurm_local.sh left DIR    # prints the PIDs of any of them still running
#
# Needs Debian's munge, slurmctld, slurmd and slurm-client packages and root
# (the daemons run as root here). No accounting daemon: sacct cannot report
# job states, so clients must use squeue (snakemake: --slurm-status-command
# squeue), and MinJobAge keeps finished jobs visible to squeue for 300 s.
# snakemake's slurm-jobstep executor drops SLURM_* variables (SLURM_CONF
# included) before its inner srun, so srun only finds the default
# /etc/slurm/slurm.conf: where that file does not exist, start links it to this
# cluster's config and stop removes that link (never a file it did not make).
# The node advertises one fake GPU (gres gpu:1, no device file) so that rules
# tagged gpu=1 are routed with --gpus and serialised, as on a one-GPU node.
set -euo pipefail

cmd=${1:?usage: slurm_local.sh start|stop|left DIR}
dir=$(mkdir -p "${2:?usage: slurm_local.sh start|stop|left DIR}" && cd "$2" && pwd)

cluster_steps() {  # PIDs of slurmstepd processes of this cluster's jobs
    # slurmstepd double-forks away from slurmd and outlives it (a step still reporting its
    # job's end waits for a slurmd that is gone); it carries this cluster's SLURM_CONF
    local p
    for p in $(pgrep -x slurmstepd || true); do
        { tr '\0' '\n' < "/proc/$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$dir/slurm.conf" && echo "$p"
    done
    return 0
}

stop_pid() {  # stop one daemon by its PID file, wait for it to exit
    local pidfile=$1
    [[ -f $pidfile ]] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$pidfile"
}

case $cmd in
start)
    for exe in munged slurmctld slurmd sbatch squeue; do
        command -v "$exe" >/dev/null || { echo "slurm_local.sh: $exe not found (apt-get install munge slurmctld slurmd slurm-client)" >&2; exit 3; }
    done
    [[ $(id -u) == 0 ]] || { echo "slurm_local.sh: must run as root" >&2; exit 3; }
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    chmod 700 "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed"
    node=$(hostname -s)
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
    port=$(( 20000 + RANDOM % 20000 ))
    cat > "$dir/slurm.conf" <<CONF
ClusterName=roomtour-test
SlurmctldHost=$node
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
GresTypes=gpu
NodeName=$node CPUs=$cpus RealMemory=$mem Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    echo "NodeName=$node Name=gpu File=/dev/null" > "$dir/gres.conf"
    export SLURM_CONF=$dir/slurm.conf
    if [[ ! -e /etc/slurm/slurm.conf ]]; then
        mkdir -p /etc/slurm
        ln -s "$dir/slurm.conf" /etc/slurm/slurm.conf
        echo /etc/slurm/slurm.conf > "$dir/linked_default_conf"
    fi
    slurmctld -f "$dir/slurm.conf"
    slurmd -f "$dir/slurm.conf"
    for _ in $(seq 60); do
        if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
            echo "export SLURM_CONF=$dir/slurm.conf"
            exit 0
        fi
        sleep 0.5
    done
    echo "slurm_local.sh: the node did not become idle; see $dir/slurmctld.log and $dir/slurmd.log" >&2
    sinfo -N -l >&2 || true
    exit 1
    ;;
stop)
    stop_pid "$dir/slurmd.pid"
    stop_pid "$dir/slurmctld.pid"
    stop_pid "$dir/munged.pid"
    for pid in $(cluster_steps); do kill -9 "$pid" 2>/dev/null || true; done
    if [[ -f $dir/linked_default_conf ]]; then
        link=$(cat "$dir/linked_default_conf")
        [[ -L $link && $(readlink "$link") == "$dir/slurm.conf" ]] && rm -f "$link"
        rm -f "$dir/linked_default_conf"
    fi
    ;;
left)
    for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
        [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"
    done
    cluster_steps
    ;;
*)
    echo "usage: slurm_local.sh start|stop|left DIR" >&2
    exit 2
    ;;
esac
