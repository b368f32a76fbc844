//! End-to-end tests of `wildstat report`: a corpus whose model names and
//! responses are HTML/JS payloads goes through similarity and style, the
//! report is rendered in headless Chromium (Debian's `chromium`, installed
//! by scripts/setup-test-deps.sh), and the DOM Chromium dumps after running
//! the page's scripts must show every table with its rows, the payloads as
//! text, and no sign that any of them ran.
#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Sets `document.title` if it ever runs.
const SCRIPT_MODEL: &str = "<script>document.title='PWNED'</script>";
/// Sets `data-pwned` on `<body>` if it ever becomes an element.
const IMG_MODEL: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";
const PLAIN_MODEL: &str = "plain-model";
const CONVERSATIONS: usize = 4;
const TITLE: &str = "wildstat report";

/// The response of `model` to conversation `i`: some carry HTML payloads of
/// their own and fenced code blocks with (hostile) info strings.
fn response(model: &str, i: usize) -> String {
    match model {
        SCRIPT_MODEL => format!(
            "Answer {i} about rivers with **bold** words and a list.\n\n- one\n- two\n\n```python\nprint({i})\n```\n"
        ),
        IMG_MODEL => format!(
            "Answer {i} about rivers <img src=x onerror=\"document.body.setAttribute('data-pwned','3')\"> in prose.\n"
        ),
        _ => format!(
            "Answer {i} about the rivers, in plain prose.\n\n```<svg/onload=alert(1)>\nx\n```\n"
        ),
    }
}

/// (model, language) of every fenced code block in the fixture: the first
/// word of a fence line's info string, lower-cased.
fn code_languages(models: &[&str]) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for m in models {
        for i in 0..CONVERSATIONS {
            let text = response(m, i);
            let mut open = false;
            for line in text.lines() {
                if let Some(info) = line.strip_prefix("```") {
                    if !open {
                        if let Some(lang) = info.split_whitespace().next() {
                            out.insert((m.to_string(), lang.to_lowercase()));
                        }
                    }
                    open = !open;
                }
            }
        }
    }
    out
}

/// Writes the hostile corpus and runs similarity (every pair) and style on
/// it; returns (similarity dir, style dir).
fn stages(dir: &Path, models: &[&str]) -> (PathBuf, PathBuf) {
    let mut hashes = Vec::new();
    let mut names = Vec::new();
    let mut texts = Vec::new();
    for m in models {
        for i in 0..CONVERSATIONS {
            hashes.push(format!("c{i}"));
            names.push(m.to_string());
            texts.push(response(m, i));
        }
    }
    let conv: Vec<Vec<(&str, Option<&str>)>> = texts
        .iter()
        .map(|t| {
            vec![
                ("user", Some("Tell me about rivers.")),
                ("assistant", Some(t.as_str())),
            ]
        })
        .collect();
    let corpus = dir.join("hostile.parquet");
    let h: Vec<&str> = hashes.iter().map(String::as_str).collect();
    let n: Vec<&str> = names.iter().map(String::as_str).collect();
    write_parquet(
        &corpus,
        vec![
            ("conversation_hash", strings(&h)),
            ("model", strings(&n)),
            ("conversation", conversation(&conv)),
        ],
    );
    let sim = dir.join("similarity");
    let style = dir.join("style");
    let c = corpus.to_str().unwrap();
    ok([
        "similarity",
        "-q",
        c,
        "--out",
        sim.to_str().unwrap(),
        "--refs",
        "all",
    ]);
    let pf = format!("{SCRIPT_MODEL}:{PLAIN_MODEL}");
    ok([
        "style",
        "-q",
        c,
        "--out",
        style.to_str().unwrap(),
        "--pf",
        &pf,
    ]);
    (sim, style)
}

/// Runs `chromium ARGS URL` with a private profile and a deadline, stdout
/// to `stdout_to`; `None` when chromium is not installed.
fn chromium(dir: &Path, args: &[&str], url: &str, stdout_to: &Path) -> Option<()> {
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!(
            "notice: chromium is not installed (scripts/setup-test-deps.sh installs it); \
             skipping the browser check of the report"
        );
        return None;
    }
    let profile = dir.join(format!("profile-{}", args.len()));
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage", // containers have a tiny /dev/shm
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout_to).unwrap())
        .stderr(Stdio::null()) // chromium is noisy (dbus, GPU) on a server
        .process_group(0) // its own group, so a hung browser dies whole
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            return Some(());
        }
        if Instant::now() > deadline {
            // SAFETY: kill(2) on the process group we created; no memory
            // is involved.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Text as Chromium serialises a text node (`&`, `<`, `>` escaped).
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Body rows of the table in the block whose `data-source` is `source`.
fn body_rows(dom: &str, source: &str) -> usize {
    let key = format!(
        "data-source=\"{}\"",
        source.replace('&', "&amp;").replace('"', "&quot;")
    );
    let at = dom
        .find(&key)
        .unwrap_or_else(|| panic!("no table from {source} in the page"));
    let rest = &dom[at..];
    let body = &rest[rest.find("<tbody>").unwrap()..rest.find("</tbody>").unwrap()];
    body.matches("<tr>").count()
}

/// Lines of a stage's Markdown that are notes: not blank, not a table row,
/// not a bold title.
fn note_lines(md: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(md)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.starts_with("**"))
        .map(String::from)
        .collect()
}

fn file_sizes(dir: &Path) -> Vec<u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| std::fs::metadata(p).unwrap().len())
        .collect()
}

/// A page that loads the report in a frame, clicks column headers and
/// records a column's cells after each click (one line per click, cells
/// separated by tabs) in `<pre id="result">`.
const HARNESS: &str = r#"<!DOCTYPE html><html><body>
<iframe id="f" src="report.html" width="1200" height="800"></iframe>
<script>
document.getElementById("f").addEventListener("load", function () {
  var out = [];
  try {
    var d = this.contentDocument;
    var table = function (src) {
      var blocks = d.querySelectorAll("[data-source]");
      for (var i = 0; i < blocks.length; i++) {
        if (blocks[i].getAttribute("data-source") === src) { return blocks[i].querySelector("table"); }
      }
      throw new Error("no table " + src);
    };
    var click = function (src, c, show) {
      var t = table(src);
      t.tHead.rows[0].cells[c].click();
      out.push(Array.prototype.map.call(t.tBodies[0].rows, function (r) {
        return r.cells[show].textContent;
      }).join("\t"));
    };
    CLICKS
    // The first "Copy LaTeX" button: the text it copies, and what it did
    // (headless Chromium has no clipboard: the LaTeX ends up selected).
    var button = d.querySelector("button[data-copy]");
    var src = d.getElementById(button.getAttribute("data-copy"));
    button.click();
  } catch (e) {
    out.push("error: " + e);
  }
  setTimeout(function () {
    var show = function (id, text) {
      var pre = document.createElement("pre");
      pre.id = id;
      pre.textContent = text;
      document.body.appendChild(pre);
    };
    show("result", out.join("\n"));
    show("latex", src ? src.textContent : "");
    show("selected", d.getSelection().toString());
    show("button", button ? button.textContent : "");
  }, 500);
});
</script></body></html>"#;

#[test]
fn hostile_names_render_as_text_in_chromium() {
    let dir = tempdir("report-browser");
    let models = [SCRIPT_MODEL, IMG_MODEL, PLAIN_MODEL];
    let (sim, style) = stages(&dir, &models);
    let html = dir.join("report.html");
    ok([
        "report",
        sim.to_str().unwrap(),
        style.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    let raw = std::fs::read_to_string(&html).unwrap();
    // In the file itself: one script (ours), no payload as markup.
    assert_eq!(raw.matches("<script").count(), 1);
    assert!(!raw.contains("<img"));
    assert!(!raw.contains("<svg/onload"));
    assert!(!raw.contains("src=\"http") && !raw.contains("href=\"http"));

    let url = format!("file://{}", html.display());
    let dom_file = dir.join("dom.html");
    if chromium(&dir, &["--dump-dom"], &url, &dom_file).is_none() {
        return;
    }
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    assert!(dom.contains("</html>"), "incomplete DOM dump: {dom}");

    // Expected rows, from the fixture and the stage folders.
    let n = models.len();
    let langs = code_languages(&models);
    assert_eq!(langs.len(), 2);
    let sim_l = sim.display().to_string();
    let style_l = style.display().to_string();
    let mut sim_notes = note_lines(&sim.join("table.md"));
    sim_notes.extend(note_lines(&sim.join("matrix.md")));
    let notes = sim_notes.len() + note_lines(&style.join("table.md")).len();
    let expected: Vec<(String, usize)> = vec![
        ("settings".into(), notes),
        (
            "files".into(),
            file_sizes(&sim).len() + file_sizes(&style).len(),
        ),
        (format!("{sim_l}/table.md#1"), n),
        (format!("{sim_l}/matrix.md#1"), n),
        (format!("{style_l}/table.md#1"), n), // totals
        (format!("{style_l}/table.md#2"), n), // means
        (format!("{style_l}/table.md#3"), n), // shares
        (format!("{style_l}/table.md#4"), 1), // one --pf
        (format!("{style_l}/code_languages.csv"), langs.len()),
    ];
    for (source, rows) in &expected {
        assert_eq!(body_rows(&dom, source), *rows, "rows of {source}");
    }
    assert_eq!(dom.matches("<table").count(), expected.len());

    // The page's own script ran (it marks <body> with the number of
    // sortable tables it wired), so scripts were enabled ...
    let body_tag = &dom[dom.find("<body").unwrap()..];
    let body_tag = &body_tag[..=body_tag.find('>').unwrap()];
    assert_eq!(
        body_tag,
        format!("<body data-ready=\"{}\">", expected.len())
    );
    // ... and none from the data did.
    assert!(
        dom.contains(&format!("<title>{TITLE}</title>")),
        "title changed"
    );
    assert!(!dom.contains("PWNED</title>"));
    assert!(!dom.contains(" data-pwned="), "an onerror handler ran");
    assert_eq!(dom.matches("<script").count(), 1);
    assert!(!dom.contains("<img"), "a payload became an element");
    assert!(!dom.contains("<svg/onload"));

    // The payloads are there as visible text: in table cells ...
    for m in [SCRIPT_MODEL, IMG_MODEL] {
        let cell = format!("<td class=\"l\">{}</td>", dom_text(m));
        // similarity table, matrix row, three style tables
        assert!(dom.matches(&cell).count() >= 5, "{m} not shown as text");
        // ... and in the inline heatmap's tooltips (escaped by the SVG code).
        assert!(
            dom.contains(&format!("<title>{} / ", dom_text(m))),
            "{m} not in the heatmap"
        );
    }
    assert!(dom.contains(&format!(
        "<td class=\"l\">{}</td>",
        dom_text("<svg/onload=alert(1)>")
    )));
    assert!(dom.contains(&dom_text(&format!("PF({SCRIPT_MODEL}||{PLAIN_MODEL})"))));
    assert!(
        !dom.contains("Shown as an image"),
        "our SVG failed the check"
    );
    // One copy button per LaTeX table (1 similarity + 4 style floats).
    assert_eq!(dom.matches("Copy LaTeX</button>").count(), 5);

    // A screenshot of the rendered page.
    let png = dir.join("report.png");
    let shot = format!("--screenshot={}", png.display());
    chromium(
        &dir,
        &[&shot, "--window-size=1280,2000"],
        &url,
        &dir.join("shot.log"),
    )
    .expect("chromium vanished");
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (1280, 2000));
    assert!(
        bytes.len() > 30_000,
        "screenshot suspiciously small: {} bytes",
        bytes.len()
    );

    // Sorting: click headers inside a frame and read the rows back.
    let sim_table = format!("{sim_l}/table.md#1");
    let matrix = format!("{sim_l}/matrix.md#1");
    let clicks = [
        ("files", 2, 2),        // Bytes, ascending
        ("files", 2, 2),        // Bytes, descending
        (&sim_table[..], 3, 0), // ROUGE-1 (mean ± std), ascending: models
        (&sim_table[..], 3, 0), // descending
        (&matrix[..], 1, 1),    // first matrix column, with one n/a
        (&matrix[..], 1, 1),
    ];
    let js: Vec<String> = clicks
        .iter()
        .map(|(src, c, show)| format!("click({src:?}, {c}, {show});"))
        .collect();
    std::fs::write(
        dir.join("harness.html"),
        HARNESS.replace("CLICKS", &js.join("\n    ")),
    )
    .unwrap();
    let harness_dom = dir.join("harness-dom.html");
    chromium(
        &dir,
        &["--allow-file-access-from-files", "--dump-dom"],
        &format!("file://{}", dir.join("harness.html").display()),
        &harness_dom,
    )
    .expect("chromium vanished");
    let hd = std::fs::read_to_string(&harness_dom).unwrap();
    let pre = |id: &str| -> String {
        let open = format!("<pre id=\"{id}\">");
        let start = hd
            .find(&open)
            .unwrap_or_else(|| panic!("harness did not write {id}: {hd}"))
            + open.len();
        hd[start..start + hd[start..].find("</pre>").unwrap()]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    // "Copy LaTeX" copies exactly the stage's LaTeX float, unescaped, and
    // without a clipboard leaves it selected for Ctrl+C.
    let tex = std::fs::read_to_string(sim.join("table.tex")).unwrap();
    assert_eq!(pre("latex"), tex);
    let button = pre("button");
    assert!(
        button == "Copied"
            || (button == "Selected: press Ctrl+C" && pre("selected").trim_end() == tex.trim_end()),
        "copy button: {button:?}"
    );
    let result = pre("result");
    let result = result.as_str();
    let lines: Vec<Vec<&str>> = result.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), clicks.len(), "{result}");
    // Bytes sort as numbers (2287 after 920), both ways.
    let mut sizes: Vec<u64> = file_sizes(&sim)
        .into_iter()
        .chain(file_sizes(&style))
        .collect();
    sizes.sort();
    let asc: Vec<String> = sizes.iter().map(u64::to_string).collect();
    assert_eq!(lines[0], asc);
    let desc: Vec<String> = sizes.iter().rev().map(u64::to_string).collect();
    assert_eq!(lines[1], desc);
    // Models by mean ROUGE-1, read at full precision from table.csv: 19
    // columns, the model first (quoted when it holds commas or quotes),
    // ROUGE-1 mean the fourth.
    let csv = std::fs::read_to_string(sim.join("table.csv")).unwrap();
    let mut means: Vec<(f64, String)> = Vec::new();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.rsplitn(19, ',').collect();
        let mean: f64 = fields[18 - 3].parse().unwrap();
        let name = fields[18];
        let name = match name.strip_prefix('"') {
            Some(q) => q.strip_suffix('"').unwrap().replace("\"\"", "\""),
            None => name.to_string(),
        };
        means.push((mean, name));
    }
    assert_eq!(means.len(), n);
    means.sort_by(|a, b| a.0.total_cmp(&b.0));
    let by_mean: Vec<&str> = means.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(lines[2], by_mean);
    let by_mean_desc: Vec<&str> = by_mean.iter().rev().copied().collect();
    assert_eq!(lines[3], by_mean_desc);
    // n/a stays last in both directions; the rest are in order.
    for (line, asc) in [(&lines[4], true), (&lines[5], false)] {
        assert_eq!(line.len(), n);
        assert_eq!(line[n - 1], "n/a", "{line:?}");
        let v: Vec<f64> = line[..n - 1].iter().map(|x| x.parse().unwrap()).collect();
        assert!(
            v.windows(2)
                .all(|w| if asc { w[0] <= w[1] } else { w[0] >= w[1] }),
            "{line:?}"
        );
    }
}

/// A judge model name that becomes an element (and marks `<body>`) if
/// the report ever lets it through as markup.
const JUDGE_MODEL: &str =
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','judge')\">";

/// Judgment files for three models, one of them [`JUDGE_MODEL`]: single
/// grades on three categorised questions and Arena battles in which every
/// model wins and loses (so Bradley-Terry ratings exist); returns (the
/// judgment folder, question.jsonl).
fn judge_fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let models = ["good", JUDGE_MODEL, "plain"];
    let inp = dir.join("judgments");
    std::fs::create_dir_all(&inp).unwrap();
    let cats = [(1, "writing"), (2, "math"), (3, "coding")];
    let mut grades = String::new();
    let mut questions = String::new();
    for (q, cat) in cats {
        questions += &format!(
            "{}\n",
            serde_json::json!({"question_id": q, "category": cat})
        );
        for (i, m) in models.iter().enumerate() {
            let g = serde_json::json!({"question_id": q, "model": m, "score": (q + 2 * i) % 10 + 1,
                "turn": 1, "judge": ["gpt-4", "single-v1"]});
            grades += &format!("{g}\n");
        }
    }
    std::fs::write(inp.join("single.jsonl"), grades).unwrap();
    let q = dir.join("question.jsonl");
    std::fs::write(&q, questions).unwrap();
    let (g, e, p) = (models[0], models[1], models[2]);
    let battles: String = [
        (g, e, "model_a"),
        (g, e, "model_b"),
        (g, p, "model_a"),
        (g, p, "model_b"),
        (g, p, "model_a"),
        (e, p, "model_a"),
        (e, p, "model_b"),
        (e, p, "tie"),
    ]
    .iter()
    .map(|(a, b, w)| {
        format!(
            "{}\n",
            serde_json::json!({"model_a": a, "model_b": b, "winner": w})
        )
    })
    .collect();
    std::fs::write(inp.join("battles.jsonl"), battles).unwrap();
    (inp, q)
}

#[test]
fn judges_section_renders_in_chromium_with_hostile_names_as_text() {
    let dir = tempdir("report-judge-browser");
    let (inp, q) = judge_fixture(&dir);
    let out = dir.join("judge");
    ok([
        "judge",
        "-q",
        inp.to_str().unwrap(),
        "--questions",
        q.to_str().unwrap(),
        "--bootstrap",
        "10",
        "--bt-bootstrap",
        "10",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = dir.join("report.html");
    ok([
        "report",
        out.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    let raw = std::fs::read_to_string(&html).unwrap();
    assert_eq!(raw.matches("<script").count(), 1);
    assert!(!raw.contains("<img"));

    let url = format!("file://{}", html.display());
    let dom_file = dir.join("dom.html");
    if chromium(&dir, &["--dump-dom"], &url, &dom_file).is_none() {
        return;
    }
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    assert!(dom.contains("</html>"), "incomplete DOM dump: {dom}");
    assert!(dom.contains("Judges (Table 4)"));

    // The tables, with the rows the fixture makes: win rates per (model,
    // opponent) and per model against all, 3 x (2 + 1); the 3 x 3 matrix;
    // a rating per model; grades per model overall, for turn 1 and per
    // category, 3 x (1 + 1 + 3).
    let o = out.display().to_string();
    for (source, rows) in [
        (format!("{o}/winrates.md#1"), 9),
        (format!("{o}/matrix.md#1"), 3),
        (format!("{o}/ratings.md#1"), 3),
        (format!("{o}/scores.md#1"), 15),
    ] {
        assert_eq!(body_rows(&dom, &source), rows, "rows of {source}");
    }
    // The page's script ran (it marks <body> with the tables it wired) ...
    let body_tag = &dom[dom.find("<body").unwrap()..];
    let body_tag = &body_tag[..=body_tag.find('>').unwrap()];
    assert_eq!(
        body_tag,
        format!("<body data-ready=\"{}\">", dom.matches("<table").count())
    );
    // ... and nothing from the data did, or became an element.
    assert!(!dom.contains(" data-pwned="), "an onerror handler ran");
    assert!(!dom.contains("<img"), "a model name became an element");
    assert_eq!(dom.matches("<script").count(), 1);
    assert!(
        !dom.contains("Shown as an image"),
        "our SVG failed the check"
    );

    // The radar is inline SVG: its title, the three category axes and one
    // polygon per model, each named (as text) in its tooltip.
    assert!(dom.contains("Grades by category (radar.svg)"));
    assert!(dom.contains(">Mean grade by category (judge: gpt-4)</text>"));
    for cat in ["writing", "math", "coding"] {
        assert!(dom.contains(&format!(">{cat}</text>")), "axis {cat}");
    }
    assert_eq!(dom.matches("stroke-width=\"2\"><title>").count(), 3);
    for m in ["good", JUDGE_MODEL, "plain"] {
        assert!(
            dom.contains(&format!(
                "stroke-width=\"2\"><title>{}</title>",
                dom_text(m)
            )),
            "no radar polygon of {m}"
        );
    }
    // The matrix figure, and the hostile name as table text: 3 model and
    // 2 opponent cells of the win rates, a matrix row, a rating, 5 grades.
    assert!(dom.contains("Preference matrix (matrix.svg)"));
    let cell = format!("<td class=\"l\">{}</td>", dom_text(JUDGE_MODEL));
    assert_eq!(
        dom.matches(&cell).count(),
        3 + 2 + 1 + 1 + 5,
        "{JUDGE_MODEL} cells"
    );
}

#[test]
fn report_is_deterministic_and_refuses_to_overwrite() {
    let dir = tempdir("report-files");
    let (sim, style) = stages(&dir, &[SCRIPT_MODEL, PLAIN_MODEL]);
    let a = dir.join("a.html");
    let b = dir.join("b.html");
    // A pipeline's out folder stands for the stage folders below it.
    ok([
        "report",
        dir.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
    ]);
    ok([
        "report",
        sim.to_str().unwrap(),
        style.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    let ra = std::fs::read_to_string(&a).unwrap();
    let rb = std::fs::read_to_string(&b).unwrap();
    assert_eq!(ra, rb);
    let e = fails([
        "report",
        sim.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
    ]);
    assert!(e.contains("output exists"), "{e}");
    ok([
        "report",
        sim.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
        "--force",
    ]);
    assert_ne!(std::fs::read_to_string(&a).unwrap(), ra);
    // A folder without stage outputs is an error naming it.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = fails([
        "report",
        empty.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
        "--force",
    ]);
    assert!(
        e.contains(&format!("{}: no wildstat stage outputs", empty.display())),
        "{e}"
    );
    let corpus = dir.join("hostile.parquet");
    let e = fails([
        "report",
        corpus.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
        "--force",
    ]);
    assert!(e.contains("hostile.parquet: not a directory"), "{e}");
}

#[test]
fn run_writes_the_report_next_to_the_stage_outputs() {
    let dir = tempdir("report-run");
    let out = dir.join("out");
    let pipeline = dir.join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "inputs = [{:?}]\nout = {:?}\nstages = [\"similarity\", \"style\"]\n\n[similarity]\nrefs = \"all\"\n",
            sample().display().to_string(),
            out.display().to_string()
        ),
    )
    .unwrap();
    let stdout = ok(["run", "-q", pipeline.to_str().unwrap()]);
    let report = out.join("report.html");
    assert!(
        stdout
            .trim_end()
            .ends_with(&format!("## report\n\n{}", report.display())),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    // The pipeline file is shown, and both stages' sections are there.
    assert!(html.contains("Pipeline file "));
    assert!(html.contains(&format!(
        "Similarity (Table 5): {}",
        out.join("similarity").display()
    )));
    assert!(html.contains(&format!("Style (Table 3): {}", out.join("style").display())));
    assert_eq!(html.matches("<svg ").count(), 2);
}

#[test]
fn run_knows_the_shared_and_agreement_stages() {
    let dir = tempdir("report-run-all");
    let corpus = dir.join("runs");
    ok([
        "synth",
        "--out",
        corpus.to_str().unwrap(),
        "--runs",
        "3",
        "--agreement",
        "100,0",
        "--conversations",
        "12",
    ]);
    let out = dir.join("out");
    let pipeline = dir.join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "inputs = [{:?}]\nout = {:?}\nstages = [\"shared\", \"agreement\"]\n\n\
             [shared]\nngram = 5\nwindow = 2\n\n\
             [agreement]\nanswer_regex = 'Answer: (\\d+)'\ngold = {:?}\ntop = 2\n",
            corpus.display().to_string(),
            out.display().to_string(),
            corpus.join("gold.tsv").display().to_string(),
        ),
    )
    .unwrap();
    let stdout = ok(["run", "-q", pipeline.to_str().unwrap()]);
    assert!(stdout.contains("## shared\n"), "{stdout}");
    assert!(stdout.contains("## agreement\n"), "{stdout}");
    // The model whose runs always agree has TARr 1 and its TACr equals its
    // prompt count; the one that never agrees has TACr 0 (synth's contract).
    let table = std::fs::read_to_string(out.join("agreement/table.csv")).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{table}");
    // Model, Prompts, Single-run prompts, TACr, TARr, ...
    assert_eq!(rows[0][..5], ["det-0", "12", "0", "12", "1.0"], "{table}");
    assert_eq!(rows[1][..5], ["det-1", "12", "0", "0", "0.0"], "{table}");
    assert!(out.join("shared/spans.parquet").is_file());
    assert!(out.join("agreement/disagreements.csv").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&format!("Shared answers: {}", out.join("shared").display())));
    assert!(html.contains(&format!(
        "Run-to-run agreement: {}",
        out.join("agreement").display()
    )));
    // Unknown pipeline options are refused with the file named.
    std::fs::write(
        &pipeline,
        "inputs = []\nstages = []\n[shared]\nngrams = 5\n",
    )
    .unwrap();
    let e = fails(["run", "-q", pipeline.to_str().unwrap()]);
    assert!(e.contains("p.toml") && e.contains("ngrams"), "{e}");
}
