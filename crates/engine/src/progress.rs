//! Progress reporting: an indicatif bar on a terminal, plain periodic log
//! lines when stderr is not a terminal (cluster logs), nothing with --quiet.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a log line is written when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// A progress reporter counting work items (rows, pairs) and bytes.
pub struct Progress {
    label: String,
    unit: &'static str,
    total: AtomicU64,
    done: AtomicU64,
    bytes: AtomicU64,
    start: Instant,
    mode: Mode,
}

enum Mode {
    Quiet,
    Bar(ProgressBar),
    Log(Mutex<Instant>),
}

impl Progress {
    /// A reporter for `total` items of `unit` (e.g. "rows", "pairs").
    pub fn new(label: &str, unit: &'static str, total: u64, quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            // An unknown total (0) shows a count, not a bar to 0.
            let tpl = if total == 0 {
                format!("{label} {{spinner}} {{human_pos}} {unit} ({{per_sec}}, {{msg}})")
            } else {
                format!(
                    "{label} {{bar:30}} {{human_pos}}/{{human_len}} {unit} ({{per_sec}}, {{msg}}) ETA {{eta}}"
                )
            };
            bar.set_style(
                ProgressStyle::with_template(&tpl).unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Mode::Bar(bar)
        } else {
            Mode::Log(Mutex::new(Instant::now()))
        };
        Progress {
            label: label.to_string(),
            unit,
            total: AtomicU64::new(total),
            done: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            start: Instant::now(),
            mode,
        }
    }

    /// Records `items` more items and `bytes` more bytes read.
    pub fn add(&self, items: u64, bytes: u64) {
        let done = self.done.fetch_add(items, Ordering::Relaxed) + items;
        let b = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => {
                bar.set_position(done);
                bar.set_message(human_bytes(b));
            }
            Mode::Log(last) => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed() >= LOG_EVERY {
                    *last = Instant::now();
                    eprintln!("{}", self.line(done, b));
                }
            }
        }
    }

    /// Items done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Changes the expected total (when it becomes known during the run).
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        if let Mode::Bar(bar) = &self.mode {
            bar.set_length(total);
        }
    }

    fn line(&self, done: u64, bytes: u64) -> String {
        let total = self.total.load(Ordering::Relaxed);
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let rate = done as f64 / secs;
        let read = if bytes > 0 {
            format!(", {} read", human_bytes(bytes))
        } else {
            String::new()
        };
        if total == 0 {
            // Total unknown (e.g. agreement's prompts): the count alone.
            return format!(
                "{}: {done} {}{read}, {rate:.0} {}/s, elapsed {secs:.1}s",
                self.label, self.unit, self.unit
            );
        }
        let pct = 100.0 * done as f64 / total as f64;
        let eta = if rate > 0.0 && total > done {
            (total - done) as f64 / rate
        } else {
            0.0
        };
        format!(
            "{}: {done}/{} {} ({pct:.1}%){read}, {:.0} {}/s, elapsed {:.1}s, ETA {:.0}s",
            self.label, total, self.unit, rate, self.unit, secs, eta
        )
    }

    /// Ends the report with a final line (log mode) or clears the bar.
    pub fn finish(&self) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.finish_and_clear(),
            Mode::Log(_) => eprintln!(
                "{}",
                self.line(
                    self.done.load(Ordering::Relaxed),
                    self.bytes.load(Ordering::Relaxed)
                )
            ),
        }
    }
}

/// Bytes in a short human form (KiB, MiB, GiB).
pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", b / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn a_line_shows_the_total_only_when_known() {
        let known = Progress::new("similarity", "pairs", 10, true);
        let line = known.line(5, 0);
        assert!(
            line.starts_with("similarity: 5/10 pairs (50.0%), "),
            "{line}"
        );
        assert!(line.contains("ETA"), "{line}");
        let unknown = Progress::new("agreement", "prompts", 0, true);
        let line = unknown.line(80_000, 2048);
        assert!(
            line.starts_with("agreement: 80000 prompts, 2.0 KiB read, "),
            "{line}"
        );
        assert!(
            !line.contains("/0") && !line.contains('%') && !line.contains("ETA"),
            "{line}"
        );
    }
}
