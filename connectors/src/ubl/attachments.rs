//! Embedded attachments (`cac:AdditionalDocumentReference`): decoded from base64 while the XML
//! is read, straight to a temporary file, hashed, and stored once by hash.

#[allow(unused_imports)]
use super::*;

/// Decodes base64 text as it streams in, into a temporary file and a hash.
pub(super) struct AttachmentWriter {
    pub(super) path: PathBuf,
    pub(super) out: BufWriter<File>,
    pub(super) hasher: blake3::Hasher,
    pub(super) carry: Vec<u8>,
    pub(super) size: u64,
}

impl AttachmentWriter {
    pub(super) fn create(dir: &Path) -> std::io::Result<AttachmentWriter> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("incoming-{}-{}.tmp", std::process::id(), unique()));
        Ok(AttachmentWriter {
            out: BufWriter::new(File::create(&path)?),
            path,
            hasher: blake3::Hasher::new(),
            carry: Vec::new(),
            size: 0,
        })
    }

    pub(super) fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.carry
            .extend(chunk.iter().filter(|b| !b.is_ascii_whitespace()));
        let whole = self.carry.len() / 4 * 4;
        if whole == 0 {
            return Ok(());
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&self.carry[..whole])
            .map_err(|e| format!("embedded attachment is not valid base64: {e}"))?;
        self.hasher.update(&decoded);
        self.out.write_all(&decoded).map_err(|e| e.to_string())?;
        self.size += decoded.len() as u64;
        self.carry.drain(..whole);
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<(String, u64, PathBuf), String> {
        if !self.carry.is_empty() {
            return Err("embedded attachment's base64 is cut off".into());
        }
        self.out.flush().map_err(|e| e.to_string())?;
        Ok((
            self.hasher.finalize().to_hex().to_string(),
            self.size,
            self.path,
        ))
    }

    pub(super) fn abandon(self) {
        drop(self.out);
        let _ = std::fs::remove_file(&self.path);
    }
}

pub(super) fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
