#!/usr/bin/env bash
# Rewrites the example scripts beside this file from `spectral slurm` (paths shown as /tmp/sweep).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product spectral > /dev/null
.build/release/spectral slurm scaling1d --depths 2,3 --widths 8,16,24 --seeds 2 --inits pytorch --tasks 4 \
    --spectral spectral --out /tmp/sweep > /dev/null
for f in array.sh merge.sh submit.sh; do sed 's|^# Written by: .*|# Written by: spectral slurm scaling1d --depths 2,3 --widths 8,16,24 --seeds 2 --inits pytorch --tasks 4 --out /tmp/sweep|' /tmp/sweep/$f > examples/slurm/$f; done
