#!/bin/bash
# Submits the array, then the merge once every task has succeeded; prints both job ids.
set -euo pipefail
array=$(sbatch --parsable /tmp/sweep/array.sh)
merge=$(sbatch --parsable --dependency=afterok:"${array%%;*}" /tmp/sweep/merge.sh)
echo "array job ${array%%;*}, merge job ${merge%%;*}"
