//! The files the store keeps beside its database, worked out from it (the reconciliation, the
//! claims): each starts with a magic and the key it was worked out for, then sections with
//! their length and BLAKE3 checksum. Written whole under a temporary name and renamed into
//! place; a file torn by a crash, damaged or kept under another key reads as absent.
//!
//! A section's body is its bytes in LZ4 blocks of about a megabyte, each after its length
//! before and after packing: a reconciliation of a million invoices packs from 189 MB to 76
//! MB. Packing costs less than writing the difference: on the machine of the README's figures
//! a megabyte written into the page cache takes some 11 ms, packing one 2 ms.

use std::fs::File;
use std::io::{Cursor, Read, Seek, Write};
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

/// A kept file being written: `magic`, the key (its length, then its bytes), the bytes of a
/// head, then sections, each with its length and BLAKE3 checksum (what [`open_keyed`] and
/// [`section_bytes`] read back). Each section is encoded straight into the file: a
/// reconciliation of a million invoices is some 190 MB encoded, which need not be held in
/// memory beside the reconciliation itself. Under a temporary name until
/// [`KeptWriter::finish`] renames it into place; dropped unfinished, it is removed. `F` is
/// memory for sections encoded beside the file ([`KeptWriter::side_by_side`]).
pub(crate) struct KeptWriter<F = File> {
    path: PathBuf,
    tmp: PathBuf,
    file: F,
    finished: bool,
}

/// Bytes written into a section, hashed and counted as they pass, in chunks of a megabyte.
pub(crate) struct Section<'a> {
    file: &'a mut dyn Write,
    hasher: blake3::Hasher,
    len: u64,
    chunk: Vec<u8>,
    /// Room to pack a chunk into, its lengths before it.
    packed: Vec<u8>,
}

const CHUNK: usize = 1 << 20;

/// The lengths before a packed block: unpacked, then packed, each four bytes little-endian.
const BLOCK_HEAD: usize = 8;

impl Section<'_> {
    /// Packs the chunk and writes it as one block (none for an empty chunk).
    fn flush_chunk(&mut self) -> std::io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let raw = u32::try_from(self.chunk.len()).map_err(std::io::Error::other)?;
        // Grown to the most a chunk can pack to, once: not cleared and zeroed again per block.
        let room = BLOCK_HEAD + lz4_flex::block::get_maximum_output_size(self.chunk.len());
        if self.packed.len() < room {
            self.packed.resize(room, 0);
        }
        let n = lz4_flex::block::compress_into(&self.chunk, &mut self.packed[BLOCK_HEAD..])
            .map_err(std::io::Error::other)?;
        let packed = u32::try_from(n).map_err(std::io::Error::other)?;
        self.packed[..4].copy_from_slice(&raw.to_le_bytes());
        self.packed[4..BLOCK_HEAD].copy_from_slice(&packed.to_le_bytes());
        let block = &self.packed[..BLOCK_HEAD + n];
        self.hasher.update(block);
        self.len += block.len() as u64;
        self.file.write_all(block)?;
        self.chunk.clear();
        Ok(())
    }
}

/// A section's body unpacked from its blocks; `None` when a block does not unpack to the
/// length it gives.
fn unpacked(body: &[u8]) -> Option<Vec<u8>> {
    let mut blocks = Vec::new();
    let mut total = 0usize;
    let mut rest = body;
    while !rest.is_empty() {
        let head = rest.get(..BLOCK_HEAD)?;
        let raw = u32::from_le_bytes(head[..4].try_into().ok()?) as usize;
        let packed = u32::from_le_bytes(head[4..].try_into().ok()?) as usize;
        let block = rest.get(BLOCK_HEAD..BLOCK_HEAD + packed)?;
        // LZ4 packs no better than 255 to 1: a larger length is damage, and asks for no memory.
        if raw > packed.saturating_mul(255) + 16 {
            return None;
        }
        blocks.push((raw, block));
        total = total.checked_add(raw)?;
        rest = &rest[BLOCK_HEAD + packed..];
    }
    let mut out = vec![0u8; total];
    let mut at = 0;
    for (raw, block) in blocks {
        let n = lz4_flex::block::decompress_into(block, &mut out[at..at + raw]).ok()?;
        if n != raw {
            return None;
        }
        at += raw;
    }
    Some(out)
}

impl Write for Section<'_> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.chunk.extend_from_slice(buf);
        if self.chunk.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A section as postcard's output (which extends, byte by byte, far faster than it writes),
/// holding the first write that failed.
struct Extending<'s, 'f> {
    out: &'s mut Section<'f>,
    failed: Option<std::io::Error>,
}

impl Extend<u8> for Extending<'_, '_> {
    #[inline]
    fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
        self.out.chunk.extend(bytes);
        if self.out.chunk.len() >= CHUNK && self.failed.is_none() {
            self.failed = self.out.flush_chunk().err();
        }
    }
}

impl KeptWriter {
    /// Starts the file: `magic`, `key` (its length, then its bytes) and the bytes of `head`.
    pub(crate) fn create(
        path: &Path,
        magic: &[u8; 8],
        key: &str,
        head: &[&[u8]],
    ) -> Result<KeptWriter, StoreError> {
        let len = u32::try_from(key.len()).map_err(|_| {
            StoreError::Refused(format!("the key of {} is too long", path.display()))
        })?;
        let mut w = KeptWriter::temporary(path.to_path_buf())?;
        let mut start = Vec::with_capacity(12 + key.len());
        start.extend_from_slice(magic);
        start.extend_from_slice(&len.to_le_bytes());
        start.extend_from_slice(key.as_bytes());
        for part in head {
            start.extend_from_slice(part);
        }
        w.file.write_all(&start).map_err(|e| w.io(e))?;
        Ok(w)
    }

    /// Adds the sections `here` writes, then those `beside` writes: `beside` encodes its own
    /// into memory on another thread meanwhile, appended when both are done. The bytes are
    /// those of writing both here in turn; a large reconciliation is encoded in about half the
    /// time on two cores, and no byte is written to disk twice (on a disk that takes 100 MB/s
    /// once its cache is full, copying a part written aside cost a second at a million invoices).
    pub(crate) fn side_by_side(
        &mut self,
        here: impl FnOnce(&mut KeptWriter) -> Result<(), StoreError>,
        beside: impl FnOnce(&mut KeptWriter<Cursor<Vec<u8>>>) -> Result<(), StoreError> + Send,
    ) -> Result<(), StoreError> {
        let mut part = KeptWriter {
            path: self.path.clone(),
            tmp: self.tmp.clone(),
            file: Cursor::new(Vec::new()),
            // Nothing on disk to remove.
            finished: true,
        };
        let (mine, theirs) = std::thread::scope(|scope| {
            let other = &mut part;
            let theirs = scope.spawn(move || beside(other));
            (here(self), theirs.join())
        });
        mine?;
        theirs.map_err(|_| {
            StoreError::Refused("writing a kept file: its thread panicked".into())
        })??;
        let bytes = std::mem::take(part.file.get_mut());
        self.file.write_all(&bytes).map_err(|e| self.io(e))
    }

    /// A writer of `path` under the temporary name `path` + `.tmp`, created empty.
    fn temporary(path: PathBuf) -> Result<KeptWriter, StoreError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|source| StoreError::Io {
                path: tmp.clone(),
                source,
            })?;
        Ok(KeptWriter {
            path,
            tmp,
            file,
            finished: false,
        })
    }

    /// Renames the whole file into place.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        std::fs::rename(&self.tmp, &self.path).map_err(|source| StoreError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.finished = true;
        Ok(())
    }
}

impl<F: Write + Seek> KeptWriter<F> {
    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.tmp.clone(),
            source,
        }
    }

    /// Adds a section whose body `body` writes: room for its length and checksum first, filled
    /// in once the body is written. Gives the body's length as stored (packed).
    pub(crate) fn section(
        &mut self,
        body: impl FnOnce(&mut Section<'_>) -> std::io::Result<()>,
    ) -> Result<u64, StoreError> {
        let written = (|| {
            let at = self.file.stream_position()?;
            self.file.write_all(&[0u8; 40])?;
            let mut s = Section {
                file: &mut self.file,
                hasher: blake3::Hasher::new(),
                len: 0,
                chunk: Vec::with_capacity(CHUNK + 64 * 1024),
                packed: Vec::new(),
            };
            body(&mut s)?;
            s.flush_chunk()?;
            let (len, sum) = (s.len, s.hasher.finalize());
            let end = self.file.stream_position()?;
            self.file.seek(std::io::SeekFrom::Start(at))?;
            self.file.write_all(&len.to_le_bytes())?;
            self.file.write_all(sum.as_bytes())?;
            self.file.seek(std::io::SeekFrom::Start(end))?;
            Ok(len)
        })();
        written.map_err(|e| self.io(e))
    }

    /// Adds a section holding `value` encoded as postcard.
    pub(crate) fn encoded<T: serde::Serialize>(&mut self, value: &T) -> Result<(), StoreError> {
        self.section(|out| {
            let out = postcard::to_extend(value, Extending { out, failed: None })
                .map_err(std::io::Error::other)?;
            out.failed.map_or(Ok(()), Err)
        })
        .map(|_| ())
    }
}

impl<F> Drop for KeptWriter<F> {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The bytes of the next section of a kept file at `path` (length, BLAKE3 checksum, packed
/// body), unpacked; `None` when it is cut short or damaged.
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
    let body = unpacked(&body);
    if body.is_none() {
        tracing::warn!("{}: does not unpack, worked out again", path.display());
    }
    body
}

/// Passes over the next section of a kept file unread; `None` when it is cut short.
pub(crate) fn skip_section(f: &mut File) -> Option<()> {
    let mut head = [0u8; 8 + 32];
    f.read_exact(&mut head).ok()?;
    let len = u64::from_le_bytes(head[..8].try_into().ok()?);
    let at = f.stream_position().ok()?;
    let end = at.checked_add(len)?;
    (end <= f.metadata().ok()?.len()).then_some(())?;
    f.seek(std::io::SeekFrom::Start(end)).ok()?;
    Some(())
}

/// Removes a kept file; one already gone is fine.
pub(crate) fn forget(path: PathBuf) -> Result<(), StoreError> {
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: &[u8; 8] = b"INCTST01";

    #[test]
    fn blocks_unpack_only_to_the_lengths_they_give() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.bin");
        let text: Vec<u8> = b"open 100.00 EUR; ".repeat(200_000);
        let mut w = KeptWriter::create(&path, MAGIC, "key", &[]).unwrap();
        w.section(|out| out.write_all(&text)).unwrap();
        w.finish().unwrap();
        let stored = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(
            stored < text.len() / 10,
            "{stored} bytes for {}",
            text.len()
        );
        let mut f = open_keyed(&path, MAGIC, "key").unwrap().unwrap();
        assert_eq!(section_bytes(&path, &mut f).unwrap(), text);

        let block = |raw: u32, packed: &[u8]| {
            let mut b = raw.to_le_bytes().to_vec();
            b.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            b.extend_from_slice(packed);
            b
        };
        let packed = lz4_flex::block::compress(b"abcabcabcabc");
        assert_eq!(unpacked(&block(12, &packed)).unwrap(), b"abcabcabcabc");
        assert_eq!(unpacked(&[]).unwrap(), b"");
        // A length other than the block's, one past what LZ4 can pack, a block cut short.
        assert!(unpacked(&block(11, &packed)).is_none());
        assert!(unpacked(&block(13, &packed)).is_none());
        assert!(unpacked(&block(u32::MAX, &packed)).is_none());
        let whole = block(12, &packed);
        assert!(unpacked(&whole[..whole.len() - 1]).is_none());
        assert!(unpacked(&whole[..5]).is_none());
    }

    #[test]
    fn sections_longer_than_a_chunk_read_back_and_an_unfinished_file_leaves_the_kept_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kept.bin");
        // Three chunks and a bit, encoded straight into the file, between two small sections.
        let long: Vec<u64> = (0..(CHUNK as u64 / 3 + 17)).map(|i| u64::MAX - i).collect();
        let mut w = KeptWriter::create(&path, MAGIC, "key", &[b"head"]).unwrap();
        w.section(|out| out.write_all(b"first")).unwrap();
        w.encoded(&long).unwrap();
        w.encoded(&"last").unwrap();
        w.finish().unwrap();

        let mut f = open_keyed(&path, MAGIC, "key").unwrap().expect("kept");
        let mut head = [0u8; 4];
        f.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"head");
        assert_eq!(section_bytes(&path, &mut f).unwrap(), b"first");
        let bytes = section_bytes(&path, &mut f).unwrap();
        assert!(bytes.len() > 3 * CHUNK);
        assert_eq!(postcard::from_bytes::<Vec<u64>>(&bytes).unwrap(), long);
        let last = section_bytes(&path, &mut f).unwrap();
        assert_eq!(postcard::from_bytes::<&str>(&last).unwrap(), "last");
        assert!(open_keyed(&path, MAGIC, "other key").unwrap().is_none());

        // The same sections, the last two encoded beside the first: the same bytes.
        let side = dir.path().join("side.bin");
        let mut w = KeptWriter::create(&side, MAGIC, "key", &[b"head"]).unwrap();
        w.side_by_side(
            |w| w.section(|out| out.write_all(b"first")).map(|_| ()),
            |w| {
                w.encoded(&long)?;
                w.encoded(&"last")
            },
        )
        .unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::read(&side).unwrap(), std::fs::read(&path).unwrap());
        std::fs::remove_file(&side).unwrap();

        // A file given up half-way (an error, a panic) is removed; the kept one stays.
        let before = std::fs::read(&path).unwrap();
        let kept_alone = || {
            assert_eq!(std::fs::read(&path).unwrap(), before);
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["kept.bin"]);
        };
        let mut w = KeptWriter::create(&path, MAGIC, "new key", &[]).unwrap();
        w.encoded(&long).unwrap();
        drop(w);
        kept_alone();

        // A section beside that fails leaves no temporary file.
        let mut w = KeptWriter::create(&path, MAGIC, "new key", &[]).unwrap();
        let failed = w.side_by_side(
            |w| w.encoded(&long),
            |w| {
                w.encoded(&long)?;
                Err(StoreError::Refused("no room".into()))
            },
        );
        assert!(failed.is_err());
        drop(w);
        kept_alone();
    }
}
