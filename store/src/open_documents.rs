//! The documents left open by a kept reconciliation, with their open amounts: a section of the
//! kept file, so that a listing of open items (`incasso ageing`, `receivables`, the report) reads
//! the third of the ledger that is open instead of every document. Each document is kept in its
//! segment form, naming its source and creditor by their place in the section's own lists.

use std::collections::HashMap;
use std::sync::Arc;

use incasso_core::ageing::open_amount;
use incasso_core::ids::CreditorId;
use incasso_core::model::{LedgerDocument, Source};
use rust_decimal::Decimal;
use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codec::{corrupt, Amount, StoredDoc};
use crate::StoreError;

/// The documents a reconciliation left open (an open amount that is not zero), in the ledger's
/// order, with those amounts: all a listing of open items reads.
#[derive(Debug, Default)]
pub struct OpenDocuments {
    /// The open documents, in the order of the ledger they were taken from.
    pub docs: Vec<LedgerDocument>,
    /// The open amount of each (always `Some`), as `open_items` takes them.
    pub open: Vec<Option<Decimal>>,
}

/// One open document as kept: its source and creditor by their place in the section's lists.
#[derive(Serialize, Deserialize)]
struct OpenDoc {
    source: u32,
    creditor: u32,
    doc: StoredDoc,
    open: Amount,
}

/// The section as written, from the ledger and its open amounts, one document at a time.
#[derive(Serialize)]
pub(crate) struct Writing<'a> {
    sources: Vec<&'a Source>,
    creditors: Vec<&'a str>,
    docs: Open<'a>,
}

/// The open documents of a ledger, encoded as they are met.
struct Open<'a> {
    docs: &'a [LedgerDocument],
    open: &'a [Option<Decimal>],
    count: usize,
    sources: HashMap<&'a Source, u32>,
    creditors: HashMap<&'a str, u32>,
}

impl OpenDocuments {
    /// The documents of a ledger whose open amount (one per document) makes them open items,
    /// with it: what the kept section holds, for when none is kept.
    pub fn of(docs: Vec<LedgerDocument>, open: Vec<Option<Decimal>>) -> OpenDocuments {
        let (docs, open) = docs
            .into_iter()
            .zip(open)
            .filter_map(|(d, o)| open_amount(o).map(|o| (d, Some(o))))
            .unzip();
        OpenDocuments { docs, open }
    }
}

impl<'a> Writing<'a> {
    /// The section for `docs` and their open amounts `open` (one per document).
    pub(crate) fn new(docs: &'a [LedgerDocument], open: &'a [Option<Decimal>]) -> Writing<'a> {
        let (mut sources, mut creditors) = (Vec::new(), Vec::new());
        let mut source_at = HashMap::new();
        let mut creditor_at = HashMap::new();
        let mut count = 0;
        for (d, o) in docs.iter().zip(open) {
            if open_amount(*o).is_none() {
                continue;
            }
            count += 1;
            // Sources equal in kind, name and content hash are one and the same provenance.
            let source = &*d.provenance.source;
            source_at.entry(source).or_insert_with(|| {
                sources.push(source);
                sources.len() as u32 - 1
            });
            let creditor = d.document.creditor.as_str();
            creditor_at.entry(creditor).or_insert_with(|| {
                creditors.push(creditor);
                creditors.len() as u32 - 1
            });
        }
        Writing {
            sources,
            creditors,
            docs: Open {
                docs,
                open,
                count,
                sources: source_at,
                creditors: creditor_at,
            },
        }
    }
}

impl Serialize for Open<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.count))?;
        for (d, o) in self.docs.iter().zip(self.open) {
            let Some(open) = open_amount(*o) else {
                continue;
            };
            seq.serialize_element(&OpenDoc {
                source: self.sources[&*d.provenance.source],
                creditor: self.creditors[d.document.creditor.as_str()],
                doc: StoredDoc::from_document(
                    &d.document,
                    d.version,
                    0,
                    d.provenance.location.clone(),
                ),
                open: Amount::from(open),
            })?;
        }
        seq.end()
    }
}

/// Decodes the section's body; an error names `key` (the kept file). Each document becomes a
/// ledger document as it is read, so the section is never held twice.
pub(crate) fn decode(key: &[u8], body: &[u8]) -> Result<OpenDocuments, StoreError> {
    let mut de = postcard::Deserializer::from_bytes(body);
    Section {
        key,
        len: body.len(),
    }
    .deserialize(&mut de)
    .map_err(|e| corrupt(key, &format!("open documents: {e}")))
}

/// Reads the section (`len` bytes): its lists of sources and creditors, then the documents
/// naming them.
struct Section<'k> {
    key: &'k [u8],
    len: usize,
}

impl<'de> DeserializeSeed<'de> for Section<'_> {
    type Value = OpenDocuments;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<OpenDocuments, D::Error> {
        d.deserialize_tuple(3, self)
    }
}

impl<'de> Visitor<'de> for Section<'_> {
    type Value = OpenDocuments;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("sources, creditors and open documents")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OpenDocuments, A::Error> {
        let missing = || A::Error::custom("the section is cut short");
        let sources: Vec<Source> = seq.next_element()?.ok_or_else(missing)?;
        let creditors: Vec<String> = seq.next_element()?.ok_or_else(missing)?;
        let docs = Docs {
            key: self.key,
            len: self.len,
            sources: sources.into_iter().map(Arc::new).collect(),
            creditors: creditors
                .iter()
                .map(|c| CreditorId::new(c).map_err(A::Error::custom))
                .collect::<Result<_, _>>()?,
        };
        seq.next_element_seed(docs)?.ok_or_else(missing)
    }
}

/// Reads the documents, each made a ledger document of its source and creditor as it comes.
struct Docs<'k> {
    key: &'k [u8],
    len: usize,
    sources: Vec<Arc<Source>>,
    creditors: Vec<CreditorId>,
}

impl<'de> DeserializeSeed<'de> for Docs<'_> {
    type Value = OpenDocuments;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<OpenDocuments, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Docs<'_> {
    type Value = OpenDocuments;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of open documents")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OpenDocuments, A::Error> {
        // Room asked for no more documents than the section's bytes could hold (each takes
        // more than 24), whatever its count says.
        let room = seq.size_hint().unwrap_or(0).min(self.len / 24);
        let mut out = OpenDocuments {
            docs: Vec::with_capacity(room),
            open: Vec::with_capacity(room),
        };
        let bad = |e: StoreError| A::Error::custom(e.to_string());
        while let Some(k) = seq.next_element::<OpenDoc>()? {
            let (Some(source), Some(creditor)) = (
                self.sources.get(k.source as usize),
                self.creditors.get(k.creditor as usize),
            ) else {
                return Err(A::Error::custom(
                    "an open document names no source or creditor kept",
                ));
            };
            out.open
                .push(Some(k.open.to_decimal(self.key).map_err(bad)?));
            out.docs.push(
                k.doc
                    .into_ledger(self.key, source.clone(), creditor)
                    .map_err(bad)?,
            );
        }
        Ok(out)
    }
}
