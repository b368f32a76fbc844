//! Which stage outputs a directory holds, turned into page sections.
//!
//! A stage directory is recognised by its files, not its name: `table.md`
//! (with `table.tex` split into one LaTeX block per table), other Markdown
//! tables (`matrix.md`), SVG figures (`matrix.svg`, `style.svg`), CSV files
//! without a Markdown twin (`code_languages.csv`) and LaTeX without one. A
//! folder with none of these but with stage folders below it (a pipeline's
//! `out`) stands for those folders; anything else is an error naming it.

use std::path::{Path, PathBuf};

use crate::page::{Block, DataTable, Page, Section};
use crate::{csv, latex, markdown};

/// What the report says about the run beyond the stage outputs.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Page title (default "wildstat report").
    pub title: Option<String>,
    /// The pipeline file that produced the outputs, and its text.
    pub pipeline: Option<(String, String)>,
}

/// A regular file of a stage directory.
struct File {
    name: String,
    path: PathBuf,
    bytes: u64,
}

fn ext(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, e)| e)
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// The regular files of `dir`, by name.
fn files(dir: &Path) -> Result<Vec<File>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
        let path = entry.path();
        let meta = std::fs::metadata(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if meta.is_file() && !name.starts_with('.') {
            out.push(File {
                name,
                path,
                bytes: meta.len(),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Whether a file is something the report shows (Markdown only if it holds
/// a table).
fn shown(f: &File) -> Result<bool, String> {
    Ok(match ext(&f.name) {
        "svg" | "csv" | "tex" => true,
        "md" => !markdown::parse_tables(&read(&f.path)?, &f.name).is_empty(),
        _ => false,
    })
}

fn has_outputs(dir: &Path) -> Result<bool, String> {
    for f in files(dir)? {
        if shown(&f)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The stage directories `dirs` stand for (each itself, or the stage
/// folders right below it).
fn stage_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            let work = d.with_file_name(format!(
                "{}.work",
                d.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
            let hint = if work.join("parts").is_dir() {
                format!(
                    " (a sharded run's parts are in {}: run `wildstat merge {}` first)",
                    work.display(),
                    d.display()
                )
            } else {
                String::new()
            };
            return Err(format!("{}: not a directory{hint}", d.display()));
        }
        if has_outputs(d)? {
            out.push(d.clone());
            continue;
        }
        let mut subs: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| format!("{}: cannot read: {e}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        subs.sort();
        let mut found = false;
        for s in subs {
            if has_outputs(&s)? {
                out.push(s);
                found = true;
            }
        }
        if !found {
            let hint = if d.join("parts").is_dir() {
                " (only unmerged parts/: run `wildstat merge` on the stage's output folder first)"
            } else {
                ""
            };
            return Err(format!(
                "{}: no wildstat stage outputs (table.md, matrix.svg, style.svg, code_languages.csv, ...){hint}",
                d.display()
            ));
        }
    }
    Ok(out)
}

/// What kind of stage wrote a directory, from its files.
fn stage_name(names: &[&str]) -> &'static str {
    let has = |n: &str| names.contains(&n);
    if has("winrates.csv") || has("scores.csv") {
        "Judges (Table 4)"
    } else if has("pairs.parquet") || has("matrix.svg") || has("matrix.md") || has("matrix.csv") {
        "Similarity (Table 5)"
    } else if has("responses.parquet") || has("style.svg") || has("code_languages.csv") {
        "Style (Table 3)"
    } else if has("spans.parquet") || has("families.svg") {
        "Shared answers"
    } else if has("disagreements.csv") {
        "Run-to-run agreement"
    } else if has("keywords.csv") || has("keywords.svg") {
        "Key words (Figures 3-4)"
    } else if has("hits.parquet") || has("contaminated.txt") {
        "Contamination"
    } else {
        "Stage outputs"
    }
}

fn figure_caption(stage: &str, name: &str) -> String {
    match name {
        "matrix.svg" if stage == "Judges (Table 4)" => "Preference matrix (matrix.svg): PrefRt, the rate at which the judge prefers the row model over the column model (ties half), models ordered by average-linkage clustering".into(),
        "radar.svg" => "Grades by category (radar.svg): mean single-answer grade of each model per question category".into(),
        "matrix.svg" => "Similarity heatmap (matrix.svg): mean ROUGE-L F1 of each target (row) against each reference (column), models ordered by average-linkage clustering".into(),
        "style.svg" => "Style profile (style.svg): Markdown elements per response for each model, each column on its own colour scale".into(),
        "families.svg" => "Shared-answer families (families.svg): share of common conversations in which two models share a verbatim span, models ordered by average-linkage clustering".into(),
        "keywords.svg" => "Key words (keywords.svg): the words most typical of each group, size by |z| of the weighted log-odds ratio".into(),
        _ => name.to_string(),
    }
}

fn csv_title(name: &str) -> String {
    match name {
        "code_languages.csv" => {
            "Fenced code blocks per model and info-string language (code_languages.csv)".into()
        }
        _ => name.to_string(),
    }
}

/// Tables of one Markdown file, each with its LaTeX float when the `.tex`
/// twin has exactly one float per table (else the whole `.tex` after them).
fn md_blocks(
    dir_label: &str,
    md: &File,
    tex: Option<&File>,
    blocks: &mut Vec<Block>,
) -> Result<Vec<DataTable>, String> {
    let tables = markdown::parse_tables(&read(&md.path)?, &format!("{dir_label}/{}", md.name));
    let floats = match tex {
        Some(t) => latex::split_tables(&read(&t.path)?),
        None => Vec::new(),
    };
    let paired = floats.len() == tables.len();
    for (i, t) in tables.iter().enumerate() {
        blocks.push(Block::Table {
            table: t.clone(),
            latex: paired.then(|| floats[i].clone()),
        });
    }
    if !paired && !floats.is_empty() {
        blocks.push(Block::Latex {
            title: tex.map(|t| t.name.clone()).unwrap_or_default(),
            tex: floats.concat(),
        });
    }
    Ok(tables)
}

/// The section of one stage directory, plus its tables (for the summary).
fn stage_section(dir: &Path) -> Result<(Section, Vec<DataTable>, Vec<File>), String> {
    let fs = files(dir)?;
    let label = dir.display().to_string();
    let names: Vec<&str> = fs.iter().map(|f| f.name.as_str()).collect();
    let find = |n: &str| fs.iter().find(|f| f.name == n);
    let mut blocks = Vec::new();
    let mut tables = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    // 1. The stage's main tables.
    if let Some(md) = find("table.md") {
        let tex = find("table.tex");
        tables.extend(md_blocks(&label, md, tex, &mut blocks)?);
        used.extend(["table.md", "table.tex", "table.csv", "table.json"]);
    }
    // 2. Figures.
    for f in fs.iter().filter(|f| ext(&f.name) == "svg") {
        blocks.push(Block::Figure {
            svg: read(&f.path)?,
            caption: figure_caption(stage_name(&names), &f.name),
        });
    }
    // 3. Other Markdown tables (matrix.md), with their LaTeX twins; their
    // CSV twins hold the same data at full precision.
    let other_md: Vec<&File> = fs
        .iter()
        .filter(|f| ext(&f.name) == "md" && !used.contains(&f.name.as_str()))
        .collect();
    for f in other_md {
        let tex_name = format!("{}.tex", stem(&f.name));
        let ts = md_blocks(&label, f, find(&tex_name), &mut blocks)?;
        if !ts.is_empty() {
            for x in &fs {
                if x.name == f.name
                    || x.name == tex_name
                    || x.name == format!("{}.csv", stem(&f.name))
                {
                    used.push(&x.name);
                }
            }
        }
        tables.extend(ts);
    }
    // 4. CSV files with no Markdown form.
    for f in fs
        .iter()
        .filter(|f| ext(&f.name) == "csv" && !used.contains(&f.name.as_str()))
    {
        let t = csv::parse_table(
            &read(&f.path)?,
            &csv_title(&f.name),
            &format!("{label}/{}", f.name),
        )
        .map_err(|e| format!("{}: {e}", f.path.display()))?;
        tables.push(t.clone());
        blocks.push(Block::Table {
            table: t,
            latex: None,
        });
    }
    // 5. LaTeX with no Markdown form.
    for f in fs
        .iter()
        .filter(|f| ext(&f.name) == "tex" && !used.contains(&f.name.as_str()))
    {
        blocks.push(Block::Latex {
            title: f.name.clone(),
            tex: read(&f.path)?,
        });
    }
    // 6. What made the folder (its provenance file), folded.
    if let Some(p) = find("wildstat.json") {
        blocks.push(Block::Pre {
            summary: "Provenance (wildstat.json): version, stage, options, selection, inputs"
                .into(),
            text: read(&p.path)?,
        });
    }
    let section = Section {
        title: format!("{}: {label}", stage_name(&names)),
        blocks,
    };
    Ok((section, tables, fs))
}

/// The report page for the stage outputs in `dirs` (see the module docs).
pub fn page(dirs: &[PathBuf], settings: &Settings) -> Result<Page, String> {
    if dirs.is_empty() {
        return Err("no directories given".into());
    }
    let stages = stage_dirs(dirs)?;
    let mut sections = Vec::new();
    let mut file_rows = Vec::new();
    let mut note_rows: Vec<Vec<crate::page::Cell>> = Vec::new();
    let cell = |s: &str| crate::page::Cell {
        text: s.to_string(),
        bold: false,
    };
    for d in &stages {
        let (section, tables, fs) = stage_section(d)?;
        let label = d.display().to_string();
        for f in &fs {
            file_rows.push(vec![
                cell(&label),
                cell(&f.name),
                cell(&f.bytes.to_string()),
            ]);
        }
        for t in &tables {
            for n in &t.notes {
                if !note_rows
                    .iter()
                    .any(|r| r[0].text == label && r[1].text == *n)
                {
                    note_rows.push(vec![cell(&label), cell(n)]);
                }
            }
        }
        sections.push(section);
    }
    use crate::page::Align::{Left, Right};
    let file_count = file_rows.len();
    let mut summary = Section {
        title: "Run settings and inputs".into(),
        blocks: Vec::new(),
    };
    if let Some((path, text)) = &settings.pipeline {
        summary
            .blocks
            .push(Block::Paragraph(format!("Pipeline: {path}")));
        summary.blocks.push(Block::Pre {
            summary: format!("Pipeline file {path}"),
            text: text.clone(),
        });
    }
    if !note_rows.is_empty() {
        summary.blocks.push(Block::Table {
            table: DataTable {
                title: "Settings and input counts recorded by the stages".into(),
                columns: vec![("Folder".into(), Left), ("Recorded".into(), Left)],
                rows: note_rows,
                notes: Vec::new(),
                source: "settings".into(),
                wrap: true,
            },
            latex: None,
        });
    }
    let files = Block::Table {
        table: DataTable {
            title: "Stage output files".into(),
            columns: vec![
                ("Folder".into(), Left),
                ("File".into(), Left),
                ("Bytes".into(), Right),
            ],
            rows: file_rows,
            notes: Vec::new(),
            source: "files".into(),
            wrap: false,
        },
        latex: None,
    };
    summary.blocks.push(Block::Details {
        summary: format!("Stage output files ({})", file_count),
        blocks: vec![files],
    });
    sections.insert(0, summary);
    let shown: Vec<String> = stages.iter().map(|d| d.display().to_string()).collect();
    Ok(Page {
        title: settings
            .title
            .clone()
            .unwrap_or_else(|| "wildstat report".into()),
        subtitle: vec![format!("Stage outputs: {}", shown.join(", "))],
        sections,
    })
}

/// The report as one self-contained HTML document.
pub fn build(dirs: &[PathBuf], settings: &Settings) -> Result<String, String> {
    Ok(page(dirs, settings)?.to_html())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wildstat-report-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_folder_without_outputs_is_an_error_naming_it() {
        let d = tmp("empty");
        std::fs::write(d.join("README.md"), "no tables here\n").unwrap();
        let e = build(std::slice::from_ref(&d), &Settings::default()).unwrap_err();
        assert!(
            e.starts_with(&format!("{}: no wildstat stage outputs", d.display())),
            "{e}"
        );
        std::fs::create_dir(d.join("parts")).unwrap();
        let e = build(std::slice::from_ref(&d), &Settings::default()).unwrap_err();
        assert!(e.contains("wildstat merge"), "{e}");
        let e = build(&[d.join("nope")], &Settings::default()).unwrap_err();
        assert!(e.ends_with("nope: not a directory"), "{e}");
    }

    #[test]
    fn pairs_latex_and_expands_a_pipeline_folder() {
        let d = tmp("pipeline");
        let s = d.join("style");
        std::fs::create_dir_all(&s).unwrap();
        std::fs::write(
            s.join("table.md"),
            "**A**\n\n| m | n |\n| :- | -: |\n| x | 1 |\n\n**B**\n\n| m |\n| :- |\n| y |\n| z |\n\nnote b  \n",
        )
        .unwrap();
        std::fs::write(
            s.join("table.tex"),
            "\\begin{table}\nA\n\\end{table}\n\n\\begin{table}\nB\n\\end{table}\n",
        )
        .unwrap();
        std::fs::write(
            s.join("code_languages.csv"),
            "model,language,code_blocks\nx,py,2\n",
        )
        .unwrap();
        std::fs::create_dir_all(d.join("logs")).unwrap();
        let p = page(std::slice::from_ref(&d), &Settings::default()).unwrap();
        assert_eq!(p.sections.len(), 2);
        assert!(p.sections[1].title.starts_with("Style (Table 3): "));
        let tables: Vec<(&DataTable, Option<&String>)> = p.sections[1]
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { table, latex } => Some((table, latex.as_ref())),
                _ => None,
            })
            .collect();
        assert_eq!(tables.len(), 3);
        assert_eq!(tables[0].1.unwrap(), "\\begin{table}\nA\n\\end{table}\n");
        assert_eq!(tables[1].0.rows.len(), 2);
        assert_eq!(tables[1].1.unwrap(), "\\begin{table}\nB\n\\end{table}\n");
        assert_eq!(tables[2].0.rows[0][1].text, "py");
        assert!(tables[2].1.is_none());
        // Summary: the note, and the three files.
        let Block::Table { table: notes, .. } = &p.sections[0].blocks[0] else {
            panic!()
        };
        assert_eq!(notes.rows.len(), 1);
        assert_eq!(notes.rows[0][1].text, "note b");
        let Block::Details { blocks, .. } = &p.sections[0].blocks[1] else {
            panic!()
        };
        let Block::Table { table: files, .. } = &blocks[0] else {
            panic!()
        };
        assert_eq!(files.rows.len(), 3);
    }
}
