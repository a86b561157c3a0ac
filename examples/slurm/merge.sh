#!/bin/bash
# Written by: spectral slurm scaling1d --depths 2,3 --widths 8,16,24 --seeds 2 --inits pytorch --tasks 4 --out /tmp/sweep
#SBATCH --job-name=spectral-scaling1d-merge
#SBATCH --cpus-per-task=2
#SBATCH --output=/tmp/sweep/logs/merge.log
#SBATCH --open-mode=append
#SBATCH --requeue
set -euo pipefail
exec spectral merge --out /tmp/sweep/result --threads "${SLURM_CPUS_PER_TASK:-2}" \
    --quiet /tmp/sweep/shards/0 /tmp/sweep/shards/1 /tmp/sweep/shards/2 /tmp/sweep/shards/3
