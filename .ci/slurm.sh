#!/usr/bin/env bash
# A one-node Slurm cluster on localhost (docs/cluster.md), a sweep submitted through `spectral slurm --submit`,
# and its merged result compared byte for byte with the same sweep run here unsharded. Needs root (CI is).
# Stops the daemons it started, by their pids, however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
spectral=$PWD/.build/release/spectral
work=$(mktemp -d /tmp/spectral-slurm-XXXXXX)
t0=$EPOCHREALTIME
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

if ! command -v slurmctld >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge \
        >/dev/null 2>&1
fi
echo "slurm: Slurm $(dpkg-query -W -f '${Version}' slurmctld) installed after $(elapsed) s"

host=$(hostname -s)
memory=$(( $(slurmd -C | grep -oE 'RealMemory=[0-9]+' | cut -d= -f2) * 9 / 10 ))
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=ci
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
DependencyParameters=kill_invalid_depend
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

stop() {
    for f in /run/slurmd.pid /run/slurmctld.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
    for _ in $(seq 50); do
        pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || break
        sleep 0.2
    done
    if [ -f /run/munge/munged.pid ]; then
        local munged; munged=$(cat /run/munge/munged.pid)
        kill "$munged" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$munged" 2>/dev/null || break; sleep 0.1; done
    fi
}
trap stop EXIT

rm -rf /var/spool/slurmctld /var/spool/slurmd
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
chown munge:munge /run/munge
[ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create 2>/dev/null || true
runuser -u munge -- /usr/sbin/munged
slurmctld
slurmd
for _ in $(seq 100); do [ "$(sinfo -h -n "$host" -o %T 2>/dev/null)" = idle ] && break; sleep 0.2; done
[ "$(sinfo -h -n "$host" -o %T)" = idle ] || { echo "slurm: the node did not come up"; tail -20 /var/log/slurm/*.log; exit 1; }
echo "slurm: one-node cluster up after $(elapsed) s"

sweep=(scaling1d --depths 2,3 --widths 8,16,24 --seeds 2 --inits pytorch,he)
"$spectral" "${sweep[@]}" --out "$work/whole" --quiet > /dev/null
submitted=$("$spectral" slurm "${sweep[@]}" --tasks 4 --cpus 1 --time 0:10:00 --submit --out "$work/cluster")
echo "slurm: $submitted"
array=$(echo "$submitted" | grep -oE 'array job [0-9]+' | grep -oE '[0-9]+')
merge=$(echo "$submitted" | grep -oE 'merge job [0-9]+' | grep -oE '[0-9]+')
s0=$(date +%s)
while squeue -h -j "$array,$merge" 2>/dev/null | grep -q .; do
    [ $(( $(date +%s) - s0 )) -lt 300 ] || { echo "slurm: jobs still queued after 300 s"; squeue; exit 1; }
    sleep 0.5
done
state=$(scontrol show job "$merge" | grep -oE 'JobState=[A-Z]+')
[ "$state" = JobState=COMPLETED ] || { echo "slurm: merge $state"; cat "$work"/cluster/logs/*.log; tail -20 /var/log/slurm/*.log; exit 1; }
digests() { (cd "$1" && find . -type f ! -name run.json ! -path './points/*' -exec sha256sum {} + | sort -k2); }
if diff <(digests "$work/whole") <(digests "$work/cluster/result") > /dev/null; then
    echo "slurm: 24 nets in 4 array tasks + merge finished after $(elapsed) s; the merged result equals the local unsharded run byte for byte ($(digests "$work/whole" | wc -l) files)"
else
    echo "slurm: the merged result differs from the unsharded run"; diff <(digests "$work/whole") <(digests "$work/cluster/result"); exit 1
fi
rm -rf "$work"
