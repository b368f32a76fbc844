#!/usr/bin/env bash
# task.sh - the batch script that submit.sh hands to sbatch for every job.
#
# Usage (by submit.sh, not by hand): sbatch [options] task.sh ROLE BIN ARG...
#
# Runs `BIN ARG...`; for ROLE `array` it appends `--rank $SLURM_ARRAY_TASK_ID`
# (the world size is already in ARG). Logs a header (host, time, command) and
# the exit code, so a task's log says what ran. Limits wildstat's threads to
# the CPUs Slurm allocated unless RAYON_NUM_THREADS is set.
set -euo pipefail

role="$1"
shift
args=("$@")
if [[ "$role" == array ]]; then
    args+=(--rank "${SLURM_ARRAY_TASK_ID:?not an array task}")
fi
if [[ -z "${RAYON_NUM_THREADS:-}" ]]; then
    threads="${SLURM_CPUS_PER_TASK:-${SLURM_CPUS_ON_NODE:-}}"
    if [[ "$threads" =~ ^[0-9]+$ ]]; then
        export RAYON_NUM_THREADS="$threads"
    fi
fi
printf '# wildstat %s job %s%s on %s at %s, %s threads\n' "$role" \
    "${SLURM_JOB_ID:-?}" "${SLURM_ARRAY_TASK_ID:+ (array task $SLURM_ARRAY_TASK_ID)}" \
    "$(hostname -s 2>/dev/null || echo '?')" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "${RAYON_NUM_THREADS:-all}"
printf '# command:'
printf ' %q' "${args[@]}"
printf '\n'
start=$SECONDS
set +e
"${args[@]}"
rc=$?
set -e
printf '# exit %d after %ds at %s\n' "$rc" "$((SECONDS - start))" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
exit "$rc"
