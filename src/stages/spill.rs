//! Column files: where a local run moves the values that grow with the
//! corpus (similarity's per-conversation means, agreement's per-prompt
//! scores) once those in memory pass a share of the budget. One file per
//! key in a folder of the run's own ([`wildstat_engine::Context::scratch`]),
//! each a sequence of blocks: a little-endian `u64` count n, then each
//! column's n `f64`s. Values keep their order: a key's file, then what is
//! still in memory. A rank never spills (its accumulator is written whole
//! to its part), so files never have to be serialized.

use std::io::{Read, Write};
use std::path::PathBuf;

use wildstat_engine::Context;

/// The share of the budget such values may take in memory before a local
/// run moves them to files: 1/16 (held bytes count twice against the
/// budget, and the batches need the rest).
pub const SHARE: u64 = 16;

/// Where a local run's accumulator keeps its column files (`values` in its
/// scratch folder) and past how many bytes (the budget of `--memory MIB`
/// over [`SHARE`]); `None` for a rank, which keeps its values.
pub fn limit(ctx: &Context, memory: Option<u64>) -> Option<(PathBuf, u64)> {
    ctx.scratch.as_ref().map(|dir| {
        let budget = wildstat_engine::memory::Budget::resolve(memory);
        (dir.join("values"), budget.bytes() / SHARE)
    })
}

/// The files of one accumulator; inactive (`dir` none) for ranks.
#[derive(Debug, Default)]
pub struct ColumnFiles {
    dir: Option<PathBuf>,
    /// Bytes in memory past which the owner writes its columns out.
    limit: u64,
    /// File name prefix (`{prefix}-{key}.f64`).
    prefix: &'static str,
    /// Values (rows of the columns) in each key's file.
    on_disk: Vec<u64>,
}

impl ColumnFiles {
    /// Files named `{prefix}-{key}.f64` in `dir` (created on first write),
    /// for an owner that writes out past `limit` bytes.
    pub fn new(dir: PathBuf, limit: u64, prefix: &'static str) -> Self {
        ColumnFiles {
            dir: Some(dir),
            limit,
            prefix,
            on_disk: Vec::new(),
        }
    }

    /// Whether columns past `bytes` in memory should be written out now.
    pub fn due(&self, bytes: u64) -> bool {
        self.dir.is_some() && bytes > self.limit
    }

    /// The bytes in memory past which columns are written out.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Rows of key `key` in its file.
    pub fn on_disk(&self, key: usize) -> u64 {
        self.on_disk.get(key).copied().unwrap_or(0)
    }

    /// Rows in all files.
    pub fn total(&self) -> u64 {
        self.on_disk.iter().sum()
    }

    fn path(&self, key: usize) -> PathBuf {
        let dir = self.dir.as_ref().expect("an active ColumnFiles");
        dir.join(format!("{}-{key}.f64", self.prefix))
    }

    /// Appends the columns (all of one length) to key `key`'s file as one
    /// block and clears them, keeping their capacity.
    pub fn write<'a>(
        &mut self,
        key: usize,
        columns: impl IntoIterator<Item = &'a mut Vec<f64>>,
    ) -> Result<(), String> {
        let mut columns: Vec<&mut Vec<f64>> = columns.into_iter().collect();
        let n = columns.first().map_or(0, |c| c.len());
        if n == 0 {
            return Ok(());
        }
        assert!(
            columns.iter().all(|c| c.len() == n),
            "columns of one length"
        );
        let dir = self.dir.clone().expect("an active ColumnFiles");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("{}: cannot create ({e})", dir.display()))?;
        let path = self.path(key);
        let err = |e: std::io::Error| format!("{}: cannot write ({e})", path.display());
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(err)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        w.write_all(&(n as u64).to_le_bytes()).map_err(err)?;
        for col in columns.iter_mut() {
            for v in col.iter() {
                w.write_all(&v.to_le_bytes()).map_err(err)?;
            }
            col.clear();
        }
        w.flush().map_err(err)?;
        if self.on_disk.len() <= key {
            self.on_disk.resize(key + 1, 0);
        }
        self.on_disk[key] += n as u64;
        Ok(())
    }

    /// Key `key`'s `columns` columns from its file, in order (empty when
    /// nothing was written), each with room for `reserve` values.
    pub fn read(
        &self,
        key: usize,
        columns: usize,
        reserve: usize,
    ) -> Result<Vec<Vec<f64>>, String> {
        let mut out: Vec<Vec<f64>> = (0..columns).map(|_| Vec::with_capacity(reserve)).collect();
        let want = self.on_disk(key);
        if want == 0 {
            return Ok(out);
        }
        let path = self.path(key);
        let err = |e: std::io::Error| format!("{}: cannot read ({e})", path.display());
        let file = std::fs::File::open(&path).map_err(err)?;
        let mut r = std::io::BufReader::with_capacity(1 << 16, file);
        let (mut buf, mut head, mut got) = (Vec::new(), [0u8; 8], 0u64);
        while got < want {
            r.read_exact(&mut head).map_err(err)?;
            let n = u64::from_le_bytes(head);
            buf.resize(n as usize * 8, 0);
            for col in out.iter_mut() {
                r.read_exact(&mut buf).map_err(err)?;
                col.extend(
                    buf.chunks_exact(8)
                        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))),
                );
            }
            got += n;
        }
        if got != want {
            return Err(format!(
                "{}: holds {got} values where {want} were written",
                path.display()
            ));
        }
        Ok(out)
    }
}

/// Serializes nothing for column files that hold nothing, and refuses
/// those that do (their values are not in the accumulator).
pub fn ser<S: serde::Serializer>(files: &ColumnFiles, s: S) -> Result<S::Ok, S::Error> {
    if files.total() > 0 {
        return Err(serde::ser::Error::custom(
            "an accumulator whose values were moved to files cannot be serialized",
        ));
    }
    s.serialize_unit()
}

/// The inactive column files of a deserialized accumulator.
pub fn de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ColumnFiles, D::Error> {
    <() as serde::Deserialize>::deserialize(d)?;
    Ok(ColumnFiles::default())
}
