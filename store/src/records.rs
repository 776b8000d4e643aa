//! The administration's other records: debtors, the letters sent, payment plans, and the
//! attachments of documents.

#[allow(unused_imports)]
use super::*;

impl Store {
    /// Every debtor, by id.
    pub fn debtors(&self) -> Result<Vec<Debtor>, StoreError> {
        let mut all = Vec::new();
        for kv in self.kv.scan_prefix(&[P_DEBTOR]) {
            let (k, v) = kv?;
            let shard: Vec<Debtor> = decode(&k, &v)?;
            all.extend(shard);
        }
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    /// Records letters sent; one identical to a stored one is skipped. Returns how many were new.
    pub fn add_reminders(
        &self,
        reminders: &[Reminder],
        at: DateTime<Utc>,
        origin: &str,
    ) -> Result<u64, StoreError> {
        let known = self.reminders()?;
        let mut seq = self.last_seq(P_REMINDER)?;
        let mut batch = Batch::default();
        let mut added = 0;
        let mut new: Vec<&Reminder> = Vec::new();
        for r in reminders {
            if !known.contains(r) && !new.contains(&r) {
                new.push(r);
            }
        }
        let mut audit_seq = self.audit_seqs(new.len() as u64)? - 1;
        for r in new {
            seq += 1;
            added += 1;
            batch.insert(key(P_REMINDER, &seq.to_be_bytes()), json_encode(r));
            audit_seq += 1;
            let e = AuditEntry {
                seq: audit_seq,
                at,
                import_id: None,
                action: "reminder-recorded".into(),
                subject: format!("debtor {}", r.debtor),
                detail: format!("{:?} sent {} ({origin})", r.kind, r.sent).to_lowercase(),
            };
            batch.insert(key(P_AUDIT, &audit_seq.to_be_bytes()), json_encode(&e));
        }
        self.kv.apply(batch)?;
        self.kv.flush()?;
        Ok(added)
    }

    /// Every letter recorded, oldest first.
    pub fn reminders(&self) -> Result<Vec<Reminder>, StoreError> {
        self.scan_json(P_REMINDER)
    }

    /// Records a payment plan; the same id again must have the same content.
    pub fn add_plan(&self, plan: &PaymentPlan, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let k = key(P_PLAN, plan.id.as_bytes());
        if let Some(v) = self.kv.get(&k)? {
            let stored: PaymentPlan = json_decode(&k, &v)?;
            if &stored == plan {
                return Ok(false);
            }
            return Err(StoreError::Conflict(format!(
                "payment plan {} exists with other terms; give the new plan another id",
                plan.id
            )));
        }
        let mut batch = Batch::default();
        batch.insert(k, json_encode(plan));
        let seq = self.audit_seqs(1)?;
        let detail = match plan.settle_for {
            Some(s) => format!(
                "compromise: settles {} open for {s}; {} written off",
                plan.open_at_agreement,
                plan.write_off()
            ),
            None => format!(
                "{} instalments totalling {}",
                plan.instalments.len(),
                plan.agreed_total()
            ),
        };
        let e = AuditEntry {
            seq,
            at,
            import_id: None,
            action: "payment-plan-recorded".into(),
            subject: format!("debtor {} plan {}", plan.debtor, plan.id),
            detail,
        };
        batch.insert(key(P_AUDIT, &seq.to_be_bytes()), json_encode(&e));
        self.kv.apply(batch)?;
        self.kv.flush()?;
        Ok(true)
    }

    /// Where attachments are kept, one file per content hash.
    pub fn attachments_dir(&self) -> PathBuf {
        self.dir.join("attachments")
    }

    /// The attachments of a document.
    pub fn attachments_of(&self, doc: &DocumentKey) -> Result<Vec<AttachmentRef>, StoreError> {
        let k = key(P_ATTACH, &doc_key(doc));
        match self.kv.get(&k)? {
            Some(v) => json_decode(&k, &v),
            None => Ok(Vec::new()),
        }
    }

    /// Every document's attachments (only documents that have any).
    pub fn all_attachments(&self) -> Result<HashMap<DocumentKey, Vec<AttachmentRef>>, StoreError> {
        let mut out = HashMap::new();
        for kv in self.kv.scan_prefix(&[P_ATTACH]) {
            let (k, v) = kv?;
            let list: Vec<AttachmentRef> = json_decode(&k, &v)?;
            if let Some(key) = parse_doc_key(&k[1..]) {
                out.insert(key, list);
            }
        }
        Ok(out)
    }

    /// Every payment plan, by id.
    pub fn plans(&self) -> Result<Vec<PaymentPlan>, StoreError> {
        self.scan_json(P_PLAN)
    }
}
