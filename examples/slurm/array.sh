#!/bin/bash
# Written by: spectral slurm scaling1d --depths 2,3 --widths 8,16,24 --seeds 2 --inits pytorch --tasks 4 --out /tmp/sweep
#SBATCH --job-name=spectral-scaling1d
#SBATCH --cpus-per-task=2
#SBATCH --output=/tmp/sweep/logs/shard-%a.log
#SBATCH --open-mode=append
#SBATCH --requeue
#SBATCH --array=0-3
set -euo pipefail
# A requeued or restarted task runs the same command over its folder: finished points are reused and a
# stopped training run resumes from its checkpoint.
exec spectral scaling1d --depths 2,3 --widths 8,16,24 --seeds 2 --inits pytorch \
    --shard "$SLURM_ARRAY_TASK_ID/4" --threads "${SLURM_CPUS_PER_TASK:-2}" \
    --out /tmp/sweep/shards/"$SLURM_ARRAY_TASK_ID" --quiet
