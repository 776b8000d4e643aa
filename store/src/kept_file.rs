//! The files the store keeps beside its database, worked out from it (the reconciliation, the
//! claims): each starts with a magic and the key it was worked out for, then sections with
//! their length and BLAKE3 checksum. Written whole under a temporary name and renamed into
//! place; a file torn by a crash, damaged or kept under another key reads as absent.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::StoreError;

/// A file kept in the data directory, opened past its head when that head is `magic` and
/// exactly `key` (its length, then its bytes); `None` when it is absent, torn or kept under
/// another key.
pub(crate) fn open_keyed(
    path: &Path,
    magic: &[u8; 8],
    key: &str,
) -> Result<Option<File>, StoreError> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let mut head = [0u8; 12];
    if f.read_exact(&mut head).is_err() || &head[..8] != magic {
        return Ok(None);
    }
    let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
    // A damaged length must not ask for more memory than the file could hold.
    if len != key.len() {
        return Ok(None);
    }
    let mut stored = vec![0u8; len];
    if f.read_exact(&mut stored).is_err() || stored != key.as_bytes() {
        return Ok(None);
    }
    Ok(Some(f))
}

/// Writes a kept file whole under a temporary name and renames it into `path`: `magic`, `key`
/// (its length, then its bytes), the bytes of `head`, then each of `sections` with its length
/// and BLAKE3 checksum (what [`open_keyed`] and [`section_bytes`] read back).
pub(crate) fn write_keyed(
    path: &Path,
    magic: &[u8; 8],
    key: &str,
    head: &[&[u8]],
    sections: &[&[u8]],
) -> Result<(), StoreError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let io = |source| StoreError::Io {
        path: tmp.clone(),
        source,
    };
    let len = u32::try_from(key.len())
        .map_err(|_| StoreError::Refused(format!("the key of {} is too long", path.display())))?;
    let mut f = std::io::BufWriter::new(File::create(&tmp).map_err(io)?);
    f.write_all(magic).map_err(io)?;
    f.write_all(&len.to_le_bytes()).map_err(io)?;
    f.write_all(key.as_bytes()).map_err(io)?;
    for part in head {
        f.write_all(part).map_err(io)?;
    }
    for body in sections {
        f.write_all(&(body.len() as u64).to_le_bytes())
            .map_err(io)?;
        f.write_all(blake3::hash(body).as_bytes()).map_err(io)?;
        f.write_all(body).map_err(io)?;
    }
    f.flush().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of the next section of a kept file at `path` (length, BLAKE3 checksum, body);
/// `None` when it is cut short or damaged.
pub(crate) fn section_bytes(path: &Path, f: &mut File) -> Option<Vec<u8>> {
    let mut len = [0u8; 8];
    let mut sum = [0u8; 32];
    f.read_exact(&mut len).ok()?;
    f.read_exact(&mut sum).ok()?;
    let len = u64::from_le_bytes(len);
    // A damaged length must not ask for more memory than the file holds.
    let left = f
        .metadata()
        .ok()?
        .len()
        .saturating_sub(f.stream_position().ok()?);
    if len > left {
        return None;
    }
    let mut body = vec![0u8; usize::try_from(len).ok()?];
    f.read_exact(&mut body).ok()?;
    if blake3::hash(&body).as_bytes() != &sum {
        tracing::warn!("{}: damaged, worked out again", path.display());
        return None;
    }
    Some(body)
}

/// Removes a kept file; one already gone is fine.
pub(crate) fn forget(path: PathBuf) -> Result<(), StoreError> {
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}
