//! Reading the documents back: the whole ledger as a sequential read of the segment files, one
//! document's versions through the index, and the clean-up of segments no import committed.

#[allow(unused_imports)]
use super::*;

impl Store {
    pub(crate) fn sources(&self) -> Result<HashMap<u64, Arc<Source>>, StoreError> {
        Ok(self
            .imports()?
            .into_iter()
            .map(|r| (r.id, Arc::new(r.source)))
            .collect())
    }

    /// The current version of every document, with provenance, in a stable order (by import,
    /// then by position in the source).
    pub fn documents(&self) -> Result<Vec<LedgerDocument>, StoreError> {
        let imports = self.imports()?;
        let sources: std::collections::BTreeMap<u64, Arc<Source>> = imports
            .into_iter()
            .map(|r| (r.id, Arc::new(r.source)))
            .collect();
        let mut files = Vec::new();
        for (&import, source) in &sources {
            let bk = blocks_key(import);
            let Some(v) = self.kv.get(&bk)? else {
                continue;
            };
            let metas: Vec<BlockMeta> = decode(&bk, &v)?;
            let path = segment_path(&self.segments, import);
            files.push((import, source.clone(), path, metas));
        }
        let mut inline: Vec<crate::kv::Value> = Vec::new();
        for (import, _, _, metas) in &files {
            for (block, meta) in metas.iter().enumerate() {
                if meta.inline {
                    let k = inline_key(*import, block as u32);
                    inline.push(
                        self.kv
                            .get(&k)?
                            .ok_or_else(|| corrupt(&k, "inline block is missing"))?,
                    );
                }
            }
        }
        let mut inline_iter = inline.iter();
        let mut blocks = Vec::new();
        for (import, source, path, metas) in &files {
            for (block, meta) in metas.iter().enumerate() {
                let dead: DeadSlots = match self.kv.get(&dead_key(*import, block as u32))? {
                    Some(d) => decode(b"k", &d)?,
                    None => DeadSlots::default(),
                };
                let data = if meta.inline {
                    Some(inline_iter.next().map(|v| v.as_ref()).unwrap_or_default())
                } else {
                    None
                };
                blocks.push((path, data, meta, dead, (*import, source.clone())));
            }
        }
        // Decoding is most of the work: split it over the machine's cores, keeping block order.
        // Each core decodes its blocks straight into its own stretch of the one output vector
        // (room for a full block each), and the stretches are closed up in place afterwards:
        // decoding into a vector per core and copying those together wrote the ledger twice
        // into fresh memory (300 MB more at a million documents, and the kernel's time to
        // clear it).
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let per = blocks.len().div_ceil(threads).max(1);
        let chunks: Vec<_> = blocks.chunks(per).collect();
        let room: Vec<usize> = chunks.iter().map(|c| c.len() * BLOCK_DOCS).collect();
        let mut out: Vec<LedgerDocument> = Vec::with_capacity(room.iter().sum());
        let mut stretches = Vec::with_capacity(chunks.len());
        let mut rest = &mut out.spare_capacity_mut()[..];
        for &r in &room {
            let (stretch, after) = rest.split_at_mut(r);
            stretches.push(stretch);
            rest = after;
        }
        let sources_ref = &sources;
        let filled: Vec<Result<usize, StoreError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .zip(stretches)
                .map(|(chunk, stretch)| {
                    scope.spawn(move || {
                        let mut written = 0;
                        match decode_into(chunk, sources_ref, stretch, &mut written) {
                            Ok(()) => Ok(written),
                            Err(e) => {
                                for slot in &mut stretch[..written] {
                                    // SAFETY: `decode_into` initialised the first `written`.
                                    unsafe { slot.assume_init_drop() };
                                }
                                Err(e)
                            }
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(corrupt(b"s", "decoder thread panicked")))
                })
                .collect()
        });
        drop(blocks);
        drop(files);
        let starts = room.iter().scan(0, |at, &r| {
            let start = *at;
            *at += r;
            Some(start)
        });
        let base = out.as_mut_ptr();
        if filled.iter().any(Result::is_err) {
            for (start, f) in starts.zip(&filled) {
                if let Ok(n) = *f {
                    // SAFETY: that stretch holds `n` documents from `start` on, owned by
                    // nobody else; the vector's length stays 0, so they are dropped once.
                    unsafe {
                        std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(
                            base.add(start),
                            n,
                        ))
                    };
                }
            }
            return Err(filled
                .into_iter()
                .find_map(Result::err)
                .expect("one failed"));
        }
        let mut len = 0;
        for (start, f) in starts.zip(filled) {
            let n = f.expect("errors returned above");
            // SAFETY: `n` documents were written from `start` on, and `len <= start`: moving
            // them down (the ranges may overlap) leaves `0..len + n` initialised.
            unsafe { std::ptr::copy(base.add(start), base.add(len), n) };
            len += n;
        }
        // SAFETY: the first `len` elements are initialised, each exactly once.
        unsafe { out.set_len(len) };
        Ok(out)
    }

    /// One stored block, checked.
    pub(crate) fn block(&self, import: u64, block: u32) -> Result<Block, StoreError> {
        let bk = blocks_key(import);
        let v = self
            .kv
            .get(&bk)?
            .ok_or_else(|| corrupt(&bk, "block table is missing"))?;
        let metas: Vec<BlockMeta> = decode(&bk, &v)?;
        let path = segment_path(&self.segments, import);
        let meta = metas
            .get(block as usize)
            .ok_or_else(|| segment_corrupt(&path, "block number out of range"))?;
        let bytes = if meta.inline {
            let k = inline_key(import, block);
            let v = self
                .kv
                .get(&k)?
                .ok_or_else(|| corrupt(&k, "inline block is missing"))?;
            verify(&v, meta).map_err(|e| corrupt(&k, &e))?;
            v.to_vec()
        } else {
            read_block(&path, meta).map_err(|e| segment_corrupt(&path, &e))?
        };
        decode(path.to_string_lossy().as_bytes(), &bytes)
    }

    /// Deletes segment files of imports that were never committed (a crash or a failed import).
    pub(crate) fn remove_orphan_segments(&self) -> Result<(), StoreError> {
        let rd = std::fs::read_dir(&self.segments).map_err(|source| StoreError::Io {
            path: self.segments.clone(),
            source,
        })?;
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name
                .strip_suffix(".seg")
                .or_else(|| name.strip_suffix(".pay"))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if self.kv.get(&key(P_IMPORT, &id.to_be_bytes()))?.is_none() {
                tracing::info!(file = %entry.path().display(), "removing segment of an import that did not complete");
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    pub(crate) fn load_shard(&self, shard: u16) -> Result<Vec<IndexEntry>, StoreError> {
        let k = shard_key(shard);
        match self.kv.get(&k)? {
            Some(v) => decode(&k, &v),
            None => Ok(Vec::new()),
        }
    }

    pub(crate) fn load_slot(
        &self,
        at: SlotRef,
        sources: &HashMap<u64, Arc<Source>>,
    ) -> Result<LedgerDocument, StoreError> {
        let path = segment_path(&self.segments, at.import);
        let k = path.to_string_lossy();
        let block = self.block(at.import, at.block)?;
        let creditor = block.creditor_id(k.as_bytes())?;
        let sd = block
            .docs
            .into_iter()
            .nth(at.slot as usize)
            .ok_or_else(|| segment_corrupt(&path, "slot out of range"))?;
        let source = sources
            .get(&sd.import_id)
            .cloned()
            .ok_or_else(|| segment_corrupt(&path, "names an import that is not recorded"))?;
        sd.into_ledger(k.as_bytes(), source, &creditor)
    }

    /// Every version of one document, oldest first (the last is the current one).
    pub fn document_history(&self, doc: &DocumentKey) -> Result<Vec<LedgerDocument>, StoreError> {
        let sources = self.sources()?;
        let dk = doc_key(doc);
        let shard = self.load_shard(shard_of(&dk))?;
        let Ok(pos) = shard.binary_search_by(|e| e.key.as_slice().cmp(&dk)) else {
            return Ok(Vec::new());
        };
        let mut prefix = key(P_VERSION, &dk);
        prefix.push(0);
        let mut earlier: Vec<(u32, SlotRef)> = Vec::new();
        for kv in self.kv.scan_prefix(&prefix) {
            let (k, v) = kv?;
            let version = k
                .get(prefix.len()..)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_be_bytes)
                .unwrap_or(0);
            earlier.push((version, decode(&k, &v)?));
        }
        let mut shard_prefix = vec![P_HISTORY];
        shard_prefix.extend_from_slice(&shard_of(&dk).to_be_bytes());
        for kv in self.kv.scan_prefix(&shard_prefix) {
            let (k, v) = kv?;
            let list: Vec<Earlier> = decode(&k, &v)?;
            earlier.extend(
                list.into_iter()
                    .filter(|e| e.key == dk)
                    .map(|e| (e.version, e.at)),
            );
        }
        earlier.sort_by_key(|(version, _)| *version);
        let mut out = Vec::new();
        for (_, at) in earlier {
            out.push(self.load_slot(at, &sources)?);
        }
        out.push(self.load_slot(shard[pos].at, &sources)?);
        Ok(out)
    }
}

/// One block to decode: its segment file, its bytes when kept inline in sled (else they are
/// read from the file), table entry, dead slots, import and source.
type Stored<'a> = (
    &'a PathBuf,
    Option<&'a [u8]>,
    &'a BlockMeta,
    DeadSlots,
    (u64, Arc<Source>),
);

/// Decodes `blocks` in order into `stretch`, counting in `written` the documents written so far
/// (so a caller can drop them when a later block fails).
fn decode_into(
    blocks: &[Stored<'_>],
    sources: &std::collections::BTreeMap<u64, Arc<Source>>,
    stretch: &mut [std::mem::MaybeUninit<LedgerDocument>],
    written: &mut usize,
) -> Result<(), StoreError> {
    // Each block is read from its file as it is decoded, into one buffer: reading the files
    // whole first held a ledger's segments (about 90 MB at a million documents) beside the
    // documents decoded from them.
    let mut open: Option<(&PathBuf, std::fs::File)> = None;
    let mut buf = Vec::new();
    for (path, data, meta, dead, source) in blocks {
        let data: &[u8] = match data {
            Some(data) => data,
            None => {
                let file = match &open {
                    Some((p, f)) if p == path => f,
                    _ => {
                        let f = std::fs::File::open(path).map_err(|source| StoreError::Io {
                            path: path.to_path_buf(),
                            source,
                        })?;
                        &open.insert((path, f)).1
                    }
                };
                buf.resize(meta.len as usize, 0);
                std::os::unix::fs::FileExt::read_exact_at(file, &mut buf, meta.offset).map_err(
                    |e| match e.kind() {
                        std::io::ErrorKind::UnexpectedEof => {
                            segment_corrupt(path, "block beyond the end of the file")
                        }
                        _ => StoreError::Io {
                            path: path.to_path_buf(),
                            source: e,
                        },
                    },
                )?;
                &buf
            }
        };
        verify(data, meta).map_err(|e| segment_corrupt(path, &e))?;
        let k = path.to_string_lossy();
        let block: Block = decode(k.as_bytes(), data)?;
        let creditor = block.creditor_id(k.as_bytes())?;
        if block.docs.len() > BLOCK_DOCS {
            return Err(segment_corrupt(
                path,
                "a block holds more documents than a block may",
            ));
        }
        for (slot, sd) in block.docs.into_iter().enumerate() {
            if dead.contains(slot as u32) {
                continue;
            }
            // A transaction may hold several sources: each document names its own.
            let src = if sd.import_id == source.0 {
                source.1.clone()
            } else {
                sources
                    .get(&sd.import_id)
                    .cloned()
                    .ok_or_else(|| segment_corrupt(path, "names an import that is not recorded"))?
            };
            let doc = sd.into_ledger(k.as_bytes(), src, &creditor)?;
            // Room for a full block per block: a block's live documents always fit.
            stretch[*written].write(doc);
            *written += 1;
        }
    }
    Ok(())
}
