//! Documents two kinds of source describe differently: the conflicts recorded on import, the
//! other sources of a document, and a person's resolution.

#[allow(unused_imports)]
use super::*;

impl Store {
    /// Every conflict between sources, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        self.scan_json(P_CONFLICT)
    }

    /// The other sources that described a document alike (besides the one that wrote it).
    pub fn other_sources_of(
        &self,
        doc: &DocumentKey,
    ) -> Result<Vec<incasso_core::model::Provenance>, StoreError> {
        let k = key(P_ALSO, &doc_key(doc));
        let list: Vec<(u64, Location)> = match self.kv.get(&k)? {
            Some(v) => json_decode(&k, &v)?,
            None => return Ok(Vec::new()),
        };
        let sources = self.sources()?;
        Ok(list
            .into_iter()
            .filter_map(|(import, location)| {
                sources
                    .get(&import)
                    .map(|s| incasso_core::model::Provenance {
                        source: s.clone(),
                        location,
                    })
            })
            .collect())
    }

    /// Resolves a conflict: keep the stored version, or make the incoming one current (a new
    /// version, the old one kept in the history). Both are recorded in the audit log.
    pub fn resolve_conflict(
        &self,
        id: u64,
        take_incoming: bool,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<Conflict, StoreError> {
        let ck = key(P_CONFLICT, &id.to_be_bytes());
        let mut c: Conflict = match self.kv.get(&ck)? {
            Some(v) => json_decode(&ck, &v)?,
            None => return Err(StoreError::Conflict(format!("there is no conflict {id}"))),
        };
        if c.status != ConflictStatus::Open {
            return Err(StoreError::Conflict(format!(
                "conflict {id} is already resolved: {}",
                match c.status {
                    ConflictStatus::TookIncoming => "the incoming version was taken",
                    _ => "the stored version was kept",
                }
            )));
        }
        let mut batch = Batch::default();
        let subject = format!("{} {}", c.document.kind.code(), c.number);
        let detail;
        if take_incoming {
            let dk = doc_key(&c.document);
            let shard_no = shard_of(&dk);
            let mut shard = self.load_shard(shard_no)?;
            let pos = shard
                .binary_search_by(|e| e.key.as_slice().cmp(&dk))
                .map_err(|_| corrupt(&dk, "conflict names a document that is not in the index"))?;
            let old = shard[pos].clone();
            let block = self.block(c.incoming_at.import, c.incoming_at.block)?;
            let path = segment_path(&self.segments, c.incoming_at.import);
            let creditor = block.creditor_id(path.to_string_lossy().as_bytes())?;
            let incoming = block
                .docs
                .get(c.incoming_at.slot as usize)
                .ok_or_else(|| segment_corrupt(&path, "slot out of range"))?
                .to_document(path.to_string_lossy().as_bytes(), &creditor)?;
            shard[pos] = IndexEntry {
                key: dk.clone(),
                at: c.incoming_at,
                version: old.version + 1,
                fingerprint: StoredDoc::fingerprint(&incoming),
            };
            batch.insert(shard_key(shard_no), encode(&shard));
            let mut vk = key(P_VERSION, &dk);
            vk.push(0);
            vk.extend_from_slice(&old.version.to_be_bytes());
            batch.insert(vk, encode(&old.at));
            for (slot, dead) in [(old.at, true), (c.incoming_at, false)] {
                let k = dead_key(slot.import, slot.block);
                let mut bits: DeadSlots = match self.kv.get(&k)? {
                    Some(v) => decode(&k, &v)?,
                    None => DeadSlots::default(),
                };
                if dead {
                    bits.set(slot.slot);
                } else {
                    bits.clear(slot.slot);
                }
                batch.insert(k, encode(&bits));
            }
            c.status = ConflictStatus::TookIncoming;
            detail = format!(
                "conflict {id}: the version from {} is now current",
                c.incoming_source
            );
        } else {
            c.status = ConflictStatus::KeptStored;
            detail = format!(
                "conflict {id}: the stored version stays; {} set aside",
                c.incoming_source
            );
        }
        batch.insert(ck, json_encode(&c));
        // The same conflict recorded again by later exports (before they were told apart) is
        // decided with it: left open, it would hold the document for good.
        let mut twins = Vec::new();
        for mut t in self.conflicts()? {
            if t.id != c.id
                && t.status == ConflictStatus::Open
                && t.document == c.document
                && t.diffs == c.diffs
            {
                t.status = c.status.clone();
                twins.push(t.id.to_string());
                batch.insert(key(P_CONFLICT, &t.id.to_be_bytes()), json_encode(&t));
            }
        }
        let detail = if twins.is_empty() {
            detail
        } else {
            format!(
                "{detail} (and conflict(s) {}, which said the same)",
                twins.join(", ")
            )
        };
        let seq = self.audit_seqs(1)?;
        let e = AuditEntry {
            seq,
            at,
            import_id: None,
            action: "conflict-resolved".into(),
            subject,
            detail: format!("{detail}; by {by}"),
        };
        batch.insert(key(P_AUDIT, &seq.to_be_bytes()), json_encode(&e));
        self.kv.apply(batch)?;
        self.kv.flush()?;
        Ok(c)
    }
}
