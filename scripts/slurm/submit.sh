#!/usr/bin/env bash
# submit.sh - run a wildstat stage as Slurm jobs: shards, then one merge.
#
# Usage:
#   scripts/slurm/submit.sh [OPTIONS] -- STAGE INPUT... --out OUT [STAGE OPTIONS]
#
# STAGE is any stage (`similarity`, `shared`, `style`, `agreement`,
# `keywords`, `judge`, `contamination`). Submits, with `sbatch`:
#   similarity  1. partition: `wildstat partition INPUT... --out OUT.work/partition
#                  --buckets N [selection options]` (one pass over the inputs)
#               2. array 0..N-1 after 1: `wildstat similarity OUT.work/partition
#                  --out OUT --rank R --world-size N [stage options]`
#               3. merge after 2: `wildstat merge OUT`
#   shared      as similarity (partition, array, merge)
#   style       2. array 0..N-1: `wildstat style INPUT... --out OUT --rank R
#                  --world-size N [all options]`
#               3. merge after 2: `wildstat merge OUT`
#   agreement, keywords, judge, contamination: as style (array over INPUT, then
#               merge; each rank reads its share of the inputs)
# and prints one line per job: `partition ID`, `array ID`, `merge ID`.
# Selection options (--model-from --models --conversations --language --turns
# --sample --seed) go to the partition job; every other option goes to the
# array tasks; --seed goes to both and --quiet to every job. The final tables land in OUT,
# exactly as a single-process `wildstat STAGE INPUT... --out OUT` writes them.
#
# Every job writes its log to OUT.work/logs/ (`partition-JOB.out`,
# `STAGE-ARRAYJOB_TASK.out`, `merge-JOB.out`). A job that depends on a failed
# or cancelled one is cancelled too. Rerunning the same command is safe and
# cheap: the partition is reused, finished ranks are skipped (their
# OUT.work/parts/*.done markers), and only missing ranks and the merge run again.
#
# Options:
#   --tasks N           array tasks = shards (default 1)
#   --partition P       Slurm partition (default: the cluster's default)
#   --time T            time limit of each job, as sbatch takes it (1:00:00)
#   --mem M             memory per job, as sbatch takes it (8G)
#   --cpus-per-task C   CPUs per job (default: the cluster's default, 1);
#                       wildstat uses that many threads
#   --sbatch-arg ARG    pass ARG to every sbatch call (repeatable), e.g.
#                       --sbatch-arg=--account=myproj
#   --name NAME         job name prefix (default wildstat)
#   --wait              block until the merge job ends; exit 0 only if every
#                       job completed, else name the failed jobs and show the
#                       tails of their logs
#   -h, --help          this text
#
# Environment:
#   WILDSTAT_BIN        the wildstat binary (default: `wildstat` on PATH); its
#                       absolute path is resolved now, so compute nodes must
#                       see the same path (a shared filesystem)
#   WILDSTAT_SLURM_POLL seconds between state polls with --wait (default 5)
#
# Example:
#   scripts/slurm/submit.sh --tasks 64 --time 2:00:00 --mem 16G --wait -- \
#       similarity corpus/ --out out/sim --refs all
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
TASK="$SELF_DIR/task.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { printf 'submit: error: %s\n' "$*" >&2; exit 2; }
note() { printf 'submit: %s\n' "$*" >&2; }

tasks=1
wait=0
name=wildstat
sbatch_extra=()
while (($#)); do
    case "$1" in
        --) shift; break ;;
        -h | --help) usage; exit 0 ;;
        --wait) wait=1; shift ;;
        --tasks | --partition | --time | --mem | --cpus-per-task | --sbatch-arg | --name)
            (($# >= 2)) || die "$1 needs a value"
            set -- "$1=$2" "${@:3}"
            ;;
        --tasks=*) tasks="${1#*=}"; shift ;;
        --partition=*) sbatch_extra+=(--partition "${1#*=}"); shift ;;
        --time=*) sbatch_extra+=(--time "${1#*=}"); shift ;;
        --mem=*) sbatch_extra+=(--mem "${1#*=}"); shift ;;
        --cpus-per-task=*) sbatch_extra+=(--cpus-per-task "${1#*=}"); shift ;;
        --sbatch-arg=*) sbatch_extra+=("${1#*=}"); shift ;;
        --name=*) name="${1#*=}"; shift ;;
        *) die "unknown option '$1' (the stage and its arguments follow --; see --help)" ;;
    esac
done
[[ "$tasks" =~ ^[1-9][0-9]*$ ]] || die "--tasks must be a positive integer, got '$tasks'"
(($#)) || die "no stage given (see --help)"
stage="$1"
shift
case "$stage" in
    similarity | shared | style | agreement | keywords | judge | contamination) ;;
    *) die "stage must be similarity, shared, style, agreement, keywords, judge or contamination, got '$stage'" ;;
esac

# Split the stage's arguments into inputs, --out, selection options (which the
# partition job takes) and stage options (which the array tasks take).
selection_value=" --model-from --models --conversations --language --turns --sample --seed "
stage_value=" --refs --aggregate --bootstrap --memory --stemmer --wordnet --pf --pf-baseline --ngram --window --min-code-chars --top "
both_flags=" --quiet -q "
inputs=()
out=""
sel_opts=()
stage_opts=()
all_opts=()
merge_opts=()
while (($#)); do
    arg="$1"
    flag="${arg%%=*}"
    case "$arg" in
        --out) (($# >= 2)) || die "--out needs a value"; out="$2"; shift 2; continue ;;
        --out=*) out="${arg#--out=}"; shift; continue ;;
        --force | --force=*) die "--force is not allowed here: reruns reuse OUT; remove OUT to start over" ;;
        --rank | --rank=* | --world-size | --world-size=*) die "$flag is set by submit.sh" ;;
        -*) ;;
        *) inputs+=("$arg"); shift; continue ;;
    esac
    # An option: take its value too when it has one.
    opt=("$arg")
    if [[ "$arg" != *=* && "$both_flags" != *" $arg "* ]]; then
        if [[ "$selection_value" == *" $arg "* || "$stage_value" == *" $arg "* ]]; then
            (($# >= 2)) || die "$arg needs a value"
            opt+=("$2")
        elif (($# >= 2)) && [[ "$2" != -* ]]; then
            # An option this script does not know: assume it takes the value
            # that follows it (a stage flag with no value would swallow the
            # next input; put inputs first to avoid that).
            opt+=("$2")
        fi
    fi
    shift "${#opt[@]}"
    all_opts+=("${opt[@]}")
    if [[ "$both_flags" == *" $flag "* ]]; then merge_opts=(--quiet); fi
    if [[ "$flag" == --seed || "$both_flags" == *" $flag "* ]]; then
        sel_opts+=("${opt[@]}")
        stage_opts+=("${opt[@]}")
    elif [[ "$selection_value" == *" $flag "* ]]; then
        sel_opts+=("${opt[@]}")
    else
        stage_opts+=("${opt[@]}")
    fi
done
((${#inputs[@]})) || die "no INPUT given"
[[ -n "$out" ]] || die "--out OUT is required"

# The binary, as an absolute path that the jobs will run.
bin="${WILDSTAT_BIN:-}"
if [[ -z "$bin" ]]; then
    bin="$(command -v wildstat || true)"
    [[ -n "$bin" ]] || die "wildstat is not on PATH; set WILDSTAT_BIN"
fi
[[ "$bin" == /* ]] || bin="$PWD/$bin"
[[ -x "$bin" && -f "$bin" ]] || die "WILDSTAT_BIN '$bin' is not an executable file"
command -v sbatch >/dev/null || die "sbatch is not on PATH (is this a Slurm login node?)"

max_array="$(scontrol show config 2>/dev/null | sed -n 's/^MaxArraySize *= *\([0-9]*\).*/\1/p')"
if [[ -n "$max_array" ]] && ((tasks > max_array)); then
    die "--tasks $tasks exceeds the cluster's MaxArraySize $max_array"
fi

out="${out%/}"
work="$out.work"
mkdir -p -- "$work/logs"
# sbatch expands %-patterns in log paths; keep a literal % in OUT literal.
logs="${work//%/%%}/logs"

common=(--parsable --chdir "$PWD" --kill-on-invalid-dep=yes "${sbatch_extra[@]}")

# sbatch, printing only the job id.
submit() {
    local id
    id="$(sbatch "${common[@]}" "$@")" || die "sbatch failed: sbatch $*"
    id="${id%%;*}"
    [[ "$id" =~ ^[0-9]+$ ]] || die "sbatch printed '$id', not a job id"
    printf '%s' "$id"
}

ids=()
dep=()
if [[ "$stage" == similarity || "$stage" == shared ]]; then
    part_id="$(submit -J "$name-partition" -o "$logs/partition-%j.out" \
        "$TASK" single "$bin" partition "${inputs[@]}" --out "$work/partition" \
        --buckets "$tasks" "${sel_opts[@]}")"
    printf 'partition %s\n' "$part_id"
    ids+=("$part_id")
    dep=(--dependency "afterok:$part_id")
    stage_args=("$stage" "$work/partition" --out "$out" --world-size "$tasks" "${stage_opts[@]}")
else
    stage_args=("$stage" "${inputs[@]}" --out "$out" --world-size "$tasks" "${all_opts[@]}")
fi
array_id="$(submit -J "$name-$stage" "${dep[@]}" --array "0-$((tasks - 1))" \
    -o "$logs/$stage-%A_%a.out" "$TASK" array "$bin" "${stage_args[@]}")"
printf 'array %s\n' "$array_id"
ids+=("$array_id")
merge_id="$(submit -J "$name-merge" --dependency "afterok:$array_id" \
    -o "$logs/merge-%j.out" "$TASK" single "$bin" merge "${merge_opts[@]}" "$out")"
printf 'merge %s\n' "$merge_id"
ids+=("$merge_id")

((wait)) || exit 0

# --wait: poll `scontrol show job` (works without accounting); remember the
# last state seen of every job and array task, since finished jobs are purged
# after MinJobAge.
declare -A state=() reason=()
poll() {
    local id="$1" text key st rs
    text="$(scontrol show job -o "$id" 2>/dev/null || true)"
    [[ "$text" == *JobState=* ]] || return 0
    # Pending array tasks show as one record (ArrayTaskId=0-3); forget such
    # ranges, as they split into per-task records when they start.
    for key in "${!state[@]}"; do
        if [[ "$key" == "${id}_"* && "${key#*_}" =~ [^0-9] ]]; then unset "state[$key]"; fi
    done
    while read -r key st rs; do
        state["$key"]="$st"
        reason["$key"]="$rs"
    done < <(awk -v id="$id" '/JobState=/ {
        jid = ""; task = ""; st = ""; rs = ""
        for (i = 1; i <= NF; i++) {
            if ($i ~ /^JobId=/ && jid == "") jid = substr($i, 7)
            else if ($i ~ /^ArrayTaskId=/ && task == "") task = substr($i, 13)
            else if ($i ~ /^JobState=/ && st == "") st = substr($i, 10)
            else if ($i ~ /^Reason=/ && rs == "") rs = substr($i, 8)
        }
        if (task != "") jid = id "_" task
        print jid, st, rs
    }' <<<"$text")
}
terminal() {
    case "$1" in
        COMPLETED | FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL | PREEMPTED | BOOT_FAIL | DEADLINE | SPECIAL_EXIT | REVOKED) return 0 ;;
        *) return 1 ;;
    esac
}
poll_s="${WILDSTAT_SLURM_POLL:-5}"
missing=0
while :; do
    for id in "${ids[@]}"; do poll "$id"; done
    st="${state[$merge_id]:-}"
    if [[ -z "$st" ]]; then
        # Purged before we saw it end, or scontrol is unreachable.
        missing=$((missing + 1))
        ((missing < 5)) || break
    elif terminal "$st"; then
        break
    fi
    sleep "$poll_s"
done

log_of() {
    local key="$1" jid="${1%%_*}"
    if [[ "$key" == *_* ]]; then
        printf '%s/logs/%s-%s.out' "$work" "$stage" "$key"
    elif [[ "$jid" == "${part_id:-}" ]]; then
        printf '%s/logs/partition-%s.out' "$work" "$jid"
    else
        printf '%s/logs/merge-%s.out' "$work" "$jid"
    fi
}
failed=0
for key in $(printf '%s\n' "${!state[@]}" | sort -t_ -k1,1n -k2,2n); do
    st="${state[$key]}"
    [[ "$st" == COMPLETED ]] && continue
    failed=$((failed + 1))
    f="$(log_of "$key")"
    r="${reason[$key]:-None}"
    if [[ "$r" == None ]]; then r=""; else r=" ($r)"; fi
    if [[ ! -s "$f" ]]; then
        note "job $key: $st$r, never started"
    elif ((failed <= 5)); then
        note "job $key: $st$r, log $f"
        tail -n 15 -- "$f" | sed 's/^/    /' >&2
    else
        note "job $key: $st$r, log $f"
    fi
done
if [[ "${state[$merge_id]:-}" != COMPLETED ]]; then
    note "merge job $merge_id did not complete (${state[$merge_id]:-state unknown}); rerun the same command to retry the missing parts"
    exit 1
fi
((failed == 0)) || exit 1
note "done: $out"
