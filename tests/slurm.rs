//! End-to-end tests of `scripts/slurm/submit.sh` on a real Slurm cluster:
//! the one-node cluster that `scripts/slurm/local-cluster.sh start` runs on
//! this machine (CI starts it from `scripts/setup-test-deps.sh`). A sharded
//! run (partition, array of 4 ranks, merge) must write the same bytes as a
//! single-process run, and a run whose rank was cancelled must complete on
//! resubmission, redoing only that rank. Without a working local Slurm the
//! tests print a notice and pass.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// The cluster has few CPUs; the tests take turns so their timing holds.
static CLUSTER: Mutex<()> = Mutex::new(());

/// Longest wait for any Slurm state.
const TIMEOUT: Duration = Duration::from_secs(300);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wildstat_bin() -> &'static str {
    env!("CARGO_BIN_EXE_wildstat")
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// True when jobs can run on a local Slurm; prints the skip notice if not.
fn slurm_ready() -> bool {
    if !on_path("sinfo") {
        eprintln!("notice: no local Slurm; skipping (sinfo is not on PATH)");
        return false;
    }
    let status = Command::new("bash")
        .arg(root().join("scripts/slurm/local-cluster.sh"))
        .arg("status")
        .output()
        .expect("run local-cluster.sh status");
    if !status.status.success() {
        eprintln!(
            "notice: no local Slurm; skipping (local-cluster.sh status: {})",
            String::from_utf8_lossy(&status.stderr)
                .trim()
                .replace('\n', "; ")
        );
        return false;
    }
    true
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("slurm-{name}"));
    if dir.exists() {
        fs::remove_dir_all(&dir).expect("clear scratch folder");
    }
    fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn wildstat(args: &[&str], what: &str) {
    run_ok(
        Command::new(wildstat_bin())
            .args(args)
            .env("RAYON_NUM_THREADS", "2"),
        what,
    );
}

/// The tail of every log a submission left, for failure messages.
fn log_tails(out: &Path) -> String {
    let mut text = String::new();
    let logs = out.with_file_name(format!(
        "{}.work/logs",
        out.file_name().unwrap().to_string_lossy()
    ));
    let Ok(entries) = fs::read_dir(&logs) else {
        return format!("(no {})", logs.display());
    };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files {
        let body = fs::read_to_string(&f).unwrap_or_default();
        let lines: Vec<&str> = body.lines().collect();
        let tail = lines[lines.len().saturating_sub(12)..].join("\n");
        text.push_str(&format!("---- {}\n{tail}\n", f.display()));
    }
    text
}

/// `submit.sh SUBMIT_ARGS -- STAGE_ARGS` with `bin` as WILDSTAT_BIN; returns
/// the job ids it printed, by label (partition, array, merge).
fn submit(
    bin: &Path,
    submit_args: &[&str],
    stage_args: &[&str],
    out: &Path,
) -> BTreeMap<String, String> {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/slurm/submit.sh"))
        .args(submit_args)
        .arg("--")
        .args(stage_args)
        .env("WILDSTAT_BIN", bin)
        .env("WILDSTAT_SLURM_POLL", "1");
    let res = cmd.output().expect("run submit.sh");
    let stdout = String::from_utf8_lossy(&res.stdout).into_owned();
    assert!(
        res.status.success(),
        "submit.sh {submit_args:?} -- {stage_args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}\nlogs:\n{}",
        res.status,
        String::from_utf8_lossy(&res.stderr),
        log_tails(out)
    );
    let ids: BTreeMap<String, String> = stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect();
    for label in ["array", "merge"] {
        assert!(
            ids.get(label).is_some_and(|id| id.parse::<u64>().is_ok()),
            "submit.sh printed no `{label} ID` line:\n{stdout}"
        );
    }
    ids
}

/// `JobState` of a job (or `JOB_TASK` array element), if Slurm still knows it.
fn job_state(id: &str) -> Option<String> {
    let out = Command::new("scontrol")
        .args(["show", "job", "-o", id])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("JobState="))?;
    let state = line.split("JobState=").nth(1)?.split_whitespace().next()?;
    Some(state.to_string())
}

/// Polls until `id` reaches one of `states`; panics with the logs after
/// TIMEOUT.
fn wait_for(id: &str, states: &[&str], out: &Path) -> String {
    let start = Instant::now();
    loop {
        let state = job_state(id);
        if let Some(s) = &state {
            if states.contains(&s.as_str()) {
                return s.clone();
            }
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "job {id} did not reach {states:?} within {TIMEOUT:?} (last state {state:?});\nlogs:\n{}",
            log_tails(out)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Every output file of a single-process run is in the sharded run's folder
/// with the same bytes; `required` must be among them.
fn assert_same_files(local: &Path, sharded: &Path, required: &[&str]) {
    for name in required {
        assert!(local.join(name).is_file(), "the local run wrote no {name}");
    }
    let mut compared = 0;
    for entry in fs::read_dir(local).expect("read local output") {
        let path = entry.expect("dir entry").path();
        if !path.is_file() {
            continue;
        }
        let name = path.file_name().expect("file name");
        if name == "wildstat.json" {
            // Provenance names the inputs read: the partition's buckets here.
            continue;
        }
        let other = sharded.join(name);
        let a = fs::read(&path).expect("read local file");
        let b = fs::read(&other)
            .unwrap_or_else(|e| panic!("{}: {e}\nlogs:\n{}", other.display(), log_tails(sharded)));
        assert!(
            a == b,
            "{} differs from the single-process {} ({} vs {} bytes)",
            other.display(),
            path.display(),
            b.len(),
            a.len()
        );
        compared += 1;
    }
    assert!(compared >= required.len());
}

fn parquet_rows(path: &Path) -> i64 {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = SerializedFileReader::new(file).expect("parquet footer");
    reader.metadata().file_metadata().num_rows()
}

/// The ranks of the `similarity-R.done` markers in `parts` (R may be
/// zero-padded), sorted, one entry per marker file.
fn done_ranks(parts: &Path) -> Vec<usize> {
    let mut ranks: Vec<usize> = fs::read_dir(parts)
        .unwrap_or_else(|e| panic!("{}: {e}", parts.display()))
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let rank = name.strip_prefix("similarity-")?.strip_suffix(".done")?;
            Some(
                rank.parse()
                    .unwrap_or_else(|_| panic!("odd marker name {name}")),
            )
        })
        .collect();
    ranks.sort_unstable();
    ranks
}

/// The path of rank `rank`'s marker in `parts`.
fn marker(parts: &Path, rank: usize) -> PathBuf {
    fs::read_dir(parts)
        .unwrap_or_else(|e| panic!("{}: {e}", parts.display()))
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("similarity-"))
                .and_then(|n| n.strip_suffix(".done"))
                .and_then(|r| r.parse::<usize>().ok())
                == Some(rank)
        })
        .unwrap_or_else(|| panic!("no marker of rank {rank} in {}", parts.display()))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Synthetic corpus plus single-process reference outputs.
fn corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    wildstat(
        &["synth", "--out", s(&corpus), "--conversations", "60"],
        "wildstat synth",
    );
    corpus
}

#[test]
fn sharded_runs_match_single_process() {
    let _turn = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    if !slurm_ready() {
        return;
    }
    let dir = scratch("match");
    let corpus = corpus(&dir);
    let bin = Path::new(wildstat_bin());

    let local_sim = dir.join("local-sim");
    wildstat(
        &[
            "similarity",
            s(&corpus),
            "--out",
            s(&local_sim),
            "--refs",
            "all",
            "-q",
        ],
        "single-process similarity",
    );
    let slurm_sim = dir.join("slurm-sim");
    let ids = submit(
        bin,
        &["--tasks", "4", "--wait"],
        &[
            "similarity",
            s(&corpus),
            "--out",
            s(&slurm_sim),
            "--refs",
            "all",
            "-q",
        ],
        &slurm_sim,
    );
    assert!(ids.contains_key("partition"), "no partition job: {ids:?}");
    assert_same_files(
        &local_sim,
        &slurm_sim,
        &[
            "table.md",
            "table.tex",
            "table.csv",
            "table.json",
            "pairs.parquet",
            "matrix.csv",
        ],
    );

    let local_style = dir.join("local-style");
    wildstat(
        &["style", s(&corpus), "--out", s(&local_style), "-q"],
        "single-process style",
    );
    let slurm_style = dir.join("slurm-style");
    let ids = submit(
        bin,
        &["--tasks", "4", "--wait"],
        &["style", s(&corpus), "--out", s(&slurm_style), "-q"],
        &slurm_style,
    );
    assert!(
        !ids.contains_key("partition"),
        "style needs no partition: {ids:?}"
    );
    assert_same_files(
        &local_style,
        &slurm_style,
        &[
            "table.md",
            "table.tex",
            "table.csv",
            "table.json",
            "responses.parquet",
        ],
    );
}

#[test]
fn cancelled_rank_reruns_alone() {
    let _turn = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    if !slurm_ready() {
        return;
    }
    let dir = scratch("cancel");
    let corpus = corpus(&dir);
    let local = dir.join("local-sim");
    wildstat(
        &[
            "similarity",
            s(&corpus),
            "--out",
            s(&local),
            "--refs",
            "all",
            "-q",
        ],
        "single-process similarity",
    );

    // The real binary finishes a rank of this corpus in well under a second,
    // too fast to cancel reliably; this wrapper holds rank 1 while the file
    // `hold` exists, so the test can cancel it while it runs.
    let hold = dir.join("hold");
    let wrapper = dir.join("wildstat-wrapper.sh");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n\
             if [ \"$1\" = similarity ] && [ \"${{SLURM_ARRAY_TASK_ID:-}}\" = 1 ]; then\n\
             \x20 while [ -e '{}' ]; do sleep 1; done\n\
             fi\n\
             exec '{}' \"$@\"\n",
            s(&hold),
            wildstat_bin()
        ),
    )
    .expect("write wrapper");
    run_ok(
        Command::new("chmod").arg("+x").arg(&wrapper),
        "chmod wrapper",
    );
    fs::write(&hold, "").expect("write hold file");

    let out = dir.join("slurm-sim");
    let stage = [
        "similarity",
        s(&corpus),
        "--out",
        s(&out),
        "--refs",
        "all",
        "-q",
    ];
    let ids = submit(&wrapper, &["--tasks", "4"], &stage, &out);
    let array = &ids["array"];
    let merge = &ids["merge"];
    let task1 = format!("{array}_1");
    wait_for(&task1, &["RUNNING"], &out);
    run_ok(Command::new("scancel").arg(&task1), "scancel");
    for rank in [0, 2, 3] {
        let state = wait_for(
            &format!("{array}_{rank}"),
            &["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"],
            &out,
        );
        assert_eq!(state, "COMPLETED", "rank {rank}:\n{}", log_tails(&out));
    }
    let state = wait_for(
        merge,
        &["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"],
        &out,
    );
    assert_eq!(
        state, "CANCELLED",
        "the merge must not run after a cancelled rank"
    );
    assert!(
        !out.join("table.md").exists(),
        "merge wrote tables though rank 1 was cancelled"
    );
    let parts = out.with_file_name(format!(
        "{}.work/parts",
        out.file_name().unwrap().to_string_lossy()
    ));
    let ranks = done_ranks(&parts);
    assert_eq!(
        ranks,
        vec![0, 2, 3],
        "completion markers after cancelling rank 1"
    );
    let marker_time = |rank: usize| -> SystemTime {
        let p = marker(&parts, rank);
        fs::metadata(&p)
            .and_then(|m| m.modified())
            .unwrap_or_else(|e| panic!("{}: {e}\nlogs:\n{}", p.display(), log_tails(&out)))
    };
    let before: Vec<SystemTime> = [0, 2, 3].iter().map(|&r| marker_time(r)).collect();

    // Resubmit the same command: only rank 1 and the merge do work.
    fs::remove_file(&hold).expect("remove hold file");
    submit(&wrapper, &["--tasks", "4", "--wait"], &stage, &out);
    let after: Vec<SystemTime> = [0, 2, 3].iter().map(|&r| marker_time(r)).collect();
    assert_eq!(before, after, "finished ranks ran again on resubmission");

    assert_eq!(
        done_ranks(&parts),
        vec![0, 1, 2, 3],
        "exactly one completion marker per rank"
    );
    assert_eq!(
        parquet_rows(&out.join("pairs.parquet")),
        parquet_rows(&local.join("pairs.parquet")),
        "pairs.parquet rows"
    );
    assert_same_files(
        &local,
        &out,
        &[
            "table.md",
            "table.tex",
            "table.csv",
            "table.json",
            "pairs.parquet",
            "matrix.csv",
        ],
    );
}
