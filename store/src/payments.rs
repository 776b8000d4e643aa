//! Bank lines in the store: written in blocks by the import transaction (a `.pay` file beside
//! the import's segment, or inline in sled when small), each stored once however many
//! statements repeat it, and the decisions people make about them.
//!
//! A line is a repeat when its id (the bank's own reference, or its wording in its format) is
//! already stored: the same statement read twice, a later download of the same format. It is
//! another format's copy (the same day in a camt and in a CSV export) when its group of lines
//! alike holds more lines than its format has seen there ([`KnownLines`]); which lines of a group
//! those are is told by their texts once the file is read whole ([`PaymentWriter::settle`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use incasso_core::matching::ManualDecision;
use incasso_core::model::{
    LineGroup, LineKeys, Location, Payment, PaymentKind, Provenance, Source,
};
use incasso_core::money::{Currency, Money};
use serde::{Deserialize, Serialize};

use crate::codec::{corrupt, decode, encode, Amount};
use crate::kv::Batch;
use crate::segments::{checksum, read_block, verify, BlockMeta, SegmentWriter};
use crate::{
    json_decode, json_encode, key, segment_corrupt, AuditEntry, Store, StoreError, P_AUDIT,
};

pub(crate) const P_PAYMENT_BLOCKS: u8 = b'y';
pub(crate) const P_PAYMENT_INLINE: u8 = b'Y';
pub(crate) const P_MANUAL: u8 = b'd';
/// Where an import's line keys were kept before lines were grouped (a block of its `.pay` file,
/// or inline): the id key and the per-file fingerprint of each line it stored, 16 bytes each.
/// Imports written before that have none; their lines are decoded.
pub(crate) const P_PAYMENT_KEYS: u8 = b'z';
/// A small import's line keys of that kind, kept in sled itself.
pub(crate) const P_PAYMENT_KEYS_INLINE: u8 = b'Z';
/// Where an import's line records are ([`KnownLines`]): blocks of its `.pay` file, or one inline.
/// Every import of bank lines has them, also one that stored no line but recognised another
/// format's copies (whose `.pay` file then holds the records alone).
pub(crate) const P_LINE_RECORDS: u8 = b'l';
/// A small import's line records, kept in sled itself.
pub(crate) const P_LINE_RECORDS_INLINE: u8 = b'L';
/// Where an import's loose keys are ([`LineGroup::loose`]): one per line it stored, in the order
/// of its records, 16 bytes each (0 for a line no group holds), in blocks of its `.pay` file or
/// inline. An import written before they were kept has its lines decoded once and the keys
/// added inline.
pub(crate) const P_LINE_LOOSE: u8 = b'j';
/// A block of loose keys kept in sled itself, by import and the block's place.
pub(crate) const P_LINE_LOOSE_INLINE: u8 = b'J';
/// Lines per block: big enough for few sled writes, small enough to stream.
const BLOCK_LINES: usize = 65_536;
/// Line records per block (3 MB): an import of fewer lines keeps its one block in sled beside
/// its lines when they are there too.
const RECORD_BLOCK: usize = 65_536;
/// A commit's records up to this many bytes are added to what the store knows of its lines;
/// past it, that is loaded again when next asked.
const REMEMBER_RECORDS: usize = 1 << 20;
/// The bytes of one line record: its id key, its group of lines alike, and that group in its
/// format (zero where the line has none).
const RECORD: usize = 48;

/// What the repeat check knows of the stored lines.
///
/// A line is a repeat when its id key is known (the bank's reference, or its wording in its
/// format and occurrence), or a fingerprint of a line stored before groups were kept. Otherwise
/// it is another format's copy of a stored line when its group of lines alike holds more lines
/// than its own format has seen in that group (stored, or recognised as such a copy): a camt.053
/// day read again as a CSV export counts once, while a second camt.054 notification of a
/// transfer alike, or the afternoon's line of a day whose midday export is stored, is new.
#[derive(Debug, Default)]
pub(crate) struct KnownLines {
    /// Id keys, and the fingerprints of lines stored before groups were kept: BLAKE3 digests,
    /// uniform already, so the quickest hash does.
    keys: rustc_hash::FxHashSet<u128>,
    /// Lines stored per group of lines alike.
    alike: rustc_hash::FxHashMap<u128, u32>,
    /// Lines each format has seen per group, with [`STORED_HERE`] set once the format stored
    /// one of them as its own (not only recognised another format's).
    in_format: rustc_hash::FxHashMap<u128, u32>,
    /// The groups with stored lines per loose group ([`LineGroup::loose`]): the first, and any
    /// more.
    loose: rustc_hash::FxHashMap<u128, u128>,
    loose_more: rustc_hash::FxHashMap<u128, Vec<u128>>,
    /// Whether it holds lines stored before groups were kept, whose days it does not know.
    legacy: bool,
}

impl KnownLines {
    /// Takes one record: a line stored, or another format's copy recognised (no `alike`).
    fn add(&mut self, id: u128, alike: u128, in_format: u128) {
        self.insert(id, in_format);
        self.count(alike, in_format);
    }

    /// Knows the id, and that the format of the group `in_format` has seen it
    /// ([`seen_key`]).
    fn insert(&mut self, id: u128, in_format: u128) {
        self.keys.insert(id);
        if in_format != 0 {
            self.keys.insert(seen_key(id, in_format));
        }
    }

    /// Takes the records of one import's block.
    fn add_records(&mut self, bytes: &[u8]) {
        // Its id and the key that its format has seen it (`seen_key`).
        self.keys.reserve(bytes.len() / RECORD * 2);
        for (id, alike, in_format) in records(bytes) {
            self.add(id, alike, in_format);
        }
    }

    /// Counts the groups of records whose ids it holds already (not the keys that their
    /// formats have seen them).
    fn count_records(&mut self, bytes: &[u8]) {
        for (_, alike, in_format) in records(bytes) {
            self.count(alike, in_format);
        }
    }

    fn count(&mut self, alike: u128, in_format: u128) {
        if alike != 0 {
            *self.alike.entry(alike).or_insert(0) += 1;
        }
        if in_format != 0 {
            let n = self.in_format.entry(in_format).or_insert(0);
            *n += 1;
            if alike != 0 {
                *n |= STORED_HERE;
            }
        }
    }

    /// Takes the records of an import's stored lines with their loose keys, block by block:
    /// the loose groups of the groups they are in.
    fn add_loose_of(&mut self, records: &[impl AsRef<[u8]>], loose: &[impl AsRef<[u8]>]) {
        let alikes = records.iter().flat_map(|b| stored_alikes(b.as_ref()));
        let keys = loose.iter().flat_map(|b| keys16(b.as_ref()));
        for (alike, loose) in alikes.zip(keys) {
            self.add_loose(loose, alike);
        }
    }

    /// Takes a stored line's loose group.
    fn add_loose(&mut self, loose: u128, alike: u128) {
        if loose == 0 || alike == 0 {
            return;
        }
        match self.loose.entry(loose) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(alike);
            }
            std::collections::hash_map::Entry::Occupied(o) if *o.get() == alike => {}
            std::collections::hash_map::Entry::Occupied(_) => {
                let more = self.loose_more.entry(loose).or_default();
                if !more.contains(&alike) {
                    more.push(alike);
                }
            }
        }
    }

    /// The groups with stored lines in a loose group, each with whether its lines lack a
    /// counterparty account.
    fn groups_in(&self, loose: u128) -> impl Iterator<Item = (u128, bool)> + '_ {
        [loose & !1, loose | 1].into_iter().flat_map(move |k| {
            self.loose
                .get(&k)
                .into_iter()
                .chain(self.loose_more.get(&k).into_iter().flatten())
                .map(move |&a| (a, k & 1 == 1))
        })
    }

    /// Takes the keys of lines stored before groups were kept.
    fn add_legacy(&mut self, keys: impl IntoIterator<Item = u128>) {
        self.legacy = true;
        self.keys.extend(keys);
    }

    fn knows(&self, key: u128) -> bool {
        self.keys.contains(&key)
    }

    /// Whether a format stored a line of a group as its own (`in_format`, as
    /// [`LineGroup::in_format`]).
    fn format_stored(&self, in_format: u128) -> bool {
        self.in_format
            .get(&in_format)
            .is_some_and(|&n| n & STORED_HERE != 0)
    }

    fn lines_alike(&self, group: &LineGroup) -> (u32, u32) {
        (
            self.alike.get(&group.alike).copied().unwrap_or(0),
            self.in_format
                .get(&group.in_format)
                .map_or(0, |&n| n & !STORED_HERE),
        )
    }

    /// The id keys (and fingerprints of lines stored before groups were kept) it holds.
    #[cfg(test)]
    pub fn ids(&self) -> &rustc_hash::FxHashSet<u128> {
        &self.keys
    }
}

/// The bit of a format's count in a group ([`KnownLines::in_format`]) that says it stored one of
/// the group's lines as its own; the count is below it.
const STORED_HERE: u32 = 1 << 31;

/// The key that says a format has seen a line of its group with this id: a bank reference is
/// one id in every format (a camt.054 notification and the day's camt.053, a Rabobank CSV's
/// transaction number), so a line another format stored is a repeat by its id yet still one of
/// the group's lines this format has now seen.
fn seen_key(id: u128, in_format: u128) -> u128 {
    id ^ in_format.rotate_left(64)
}

/// What is done with an import's block of line records.
type RecordBlockFn<'f> = dyn FnMut(u64, &[u8]) -> Result<(), StoreError> + 'f;

/// A stored line of a group a batch asks for: its place among its import's stored lines, its
/// group, its format, and the batch.
#[derive(Clone, Copy)]
struct Hit {
    place: usize,
    alike: u128,
    format: u128,
    batch: u32,
}

/// One import's stored lines that batches of waiting lines ask for.
struct HitsIn {
    owner: u64,
    blocks: Vec<BlockMeta>,
    /// The lines each block holds, once read.
    lines: Vec<Option<usize>>,
    hits: Vec<Hit>,
}

/// Where the stored lines batches of waiting lines are compared with are
/// ([`Store::stored_lines`]).
pub(crate) struct StoredLines {
    imports: Vec<HitsIn>,
}

impl StoredLines {
    /// The stored lines batch `b` asks for, by group, each with its format: only the blocks that
    /// hold them are decoded (a block's count of lines is read from its first bytes).
    fn batch(
        &mut self,
        store: &Store,
        b: usize,
    ) -> Result<rustc_hash::FxHashMap<u128, Vec<(u128, StoredPayment)>>, StoreError> {
        let mut out: rustc_hash::FxHashMap<u128, Vec<(u128, StoredPayment)>> = Default::default();
        for import in &mut self.imports {
            // The hits are in batch order, then in place order (`Store::stored_lines`).
            let from = import.hits.partition_point(|h| (h.batch as usize) < b);
            let to = import.hits.partition_point(|h| (h.batch as usize) <= b);
            let wanted = &import.hits[from..to];
            let Some(last) = wanted.last().map(|h| h.place) else {
                continue;
            };
            let path = payments_path(&store.segments, import.owner);
            let name = path.to_string_lossy();
            let (mut at, mut next) = (0usize, 0usize);
            for (i, meta) in import.blocks.iter().enumerate() {
                if at > last {
                    break;
                }
                let bytes = match import.lines[i] {
                    Some(n) if wanted[next].place >= at + n => {
                        at += n;
                        continue;
                    }
                    _ => store.payment_block(import.owner, meta, inline_key(import.owner))?,
                };
                let n = postcard::take_from_bytes::<usize>(&bytes)
                    .map_err(|e| corrupt(name.as_bytes(), &e.to_string()))?
                    .0;
                import.lines[i] = Some(n);
                let end = at + n;
                if wanted[next].place < end {
                    let block: Vec<StoredPayment> = decode(name.as_bytes(), &bytes)?;
                    let mut lines: Vec<Option<StoredPayment>> =
                        block.into_iter().map(Some).collect();
                    while next < wanted.len() && wanted[next].place < end {
                        let h = wanted[next];
                        if let Some(line) = lines.get_mut(h.place - at).and_then(Option::take) {
                            out.entry(h.alike).or_default().push((h.format, line));
                        }
                        next += 1;
                    }
                    if next == wanted.len() {
                        break;
                    }
                }
                at = end;
            }
        }
        Ok(out)
    }
}

/// The records of a block: id key, group of lines alike, that group in its format.
fn records(bytes: &[u8]) -> impl Iterator<Item = (u128, u128, u128)> + '_ {
    bytes.chunks_exact(RECORD).map(|r| {
        let mut parts = keys16(r);
        let mut part = || parts.next().expect("three parts");
        (part(), part(), part())
    })
}

/// The 16-byte keys a block holds one after another (ids, fingerprints, loose keys).
fn keys16(bytes: &[u8]) -> impl Iterator<Item = u128> + '_ {
    bytes
        .chunks_exact(16)
        .map(|k| u128::from_le_bytes(k.try_into().expect("16 bytes")))
}

/// The group of each line a block of records stands for ([`stands_for_a_line`]), in order: what
/// an import's loose keys, one per stored line, go with.
fn stored_alikes(bytes: &[u8]) -> impl Iterator<Item = u128> + '_ {
    records(bytes).filter(stands_for_a_line).map(|r| r.1)
}

/// Appends `bytes` to the last of a list of blocks of `block_len` bytes, starting another when
/// it is full (one growing list would hold its old and new room at once).
fn push_in_blocks(blocks: &mut Vec<Vec<u8>>, block_len: usize, bytes: &[u8]) {
    if blocks.last().is_none_or(|b| b.len() == block_len) {
        blocks.push(Vec::with_capacity(block_len));
    }
    blocks
        .last_mut()
        .expect("just made")
        .extend_from_slice(bytes);
}

/// How many of a group's stored lines its format has not seen yet, counting what this
/// transaction recorded (`ours`): the most of its lines that can be copies of them.
fn copies_left(stored: &KnownLines, ours: &KnownLines, g: &LineGroup) -> u32 {
    let (a, b) = (stored.lines_alike(g), ours.lines_alike(g));
    (a.0 + b.0).saturating_sub(a.1 + b.1)
}

/// Whether a record stands for a stored line: every record but a copy's (no group, a format),
/// also one of a line no group holds (an accounting API's payment).
fn stands_for_a_line(r: &(u128, u128, u128)) -> bool {
    r.1 != 0 || r.2 == 0
}

/// The groups of a line's loose group whose stored lines it may be another format's copy of:
/// other than its own, where it or they give no counterparty account, each with how many of
/// their lines its format has not seen.
fn loose_candidates(stored: &KnownLines, ours: &KnownLines, g: &LineGroup) -> Vec<(u128, u32)> {
    let mut out: Vec<(u128, u32)> = Vec::new();
    if g.loose == 0 {
        return out;
    }
    let format = g.alike ^ g.in_format;
    let none = g.loose & 1 == 1;
    for (alike, theirs_none) in stored.groups_in(g.loose).chain(ours.groups_in(g.loose)) {
        if alike == g.alike || !(none || theirs_none) || out.iter().any(|o| o.0 == alike) {
            continue;
        }
        let group = LineGroup {
            alike,
            in_format: alike ^ format,
            loose: g.loose,
        };
        let left = copies_left(stored, ours, &group);
        if left > 0 {
            out.push((alike, left));
        }
    }
    out
}

/// Runs of waiting lines in batches of about a block's lines each, as ranges of `runs`: the
/// stored lines they may be are read batch by batch, not all at once (a year's CSV export read
/// again as camt.053 waits entire).
fn batches_of(runs: &[(u128, Vec<usize>)]) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let mut start = 0;
    while start < runs.len() {
        let mut lines = 0;
        let n = runs[start..]
            .iter()
            .take_while(|(_, run)| {
                lines += run.len();
                lines <= BLOCK_LINES
            })
            .count()
            .max(1);
        batches.push(start..start + n);
        start += n;
    }
    batches
}

/// A line that may be another format's copy of a stored one, until its file is read whole.
struct Waiting {
    /// The line as it would be stored, encoded.
    line: Box<[u8]>,
    id: u128,
    group: LineGroup,
    /// It waits on its loose group, its own holding no line of another format's it could be.
    loose: bool,
}

/// The waiting lines by a key of their group, each group a run of their places in file order (a
/// whole statement read again in another format waits entire: a sorted list, not a map of
/// lists).
fn runs_by(waiting: &[Waiting], key: impl Fn(&Waiting) -> u128) -> Vec<(u128, Vec<usize>)> {
    let mut keyed: Vec<(u128, u32)> = waiting
        .iter()
        .enumerate()
        .map(|(i, w)| (key(w), i as u32))
        .collect();
    keyed.sort_unstable();
    keyed
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0, run.iter().map(|&(_, i)| i as usize).collect()))
        .collect()
}

/// The runs of three or more digits in a line's texts (invoice numbers, references, end-to-end
/// ids): formats word one line differently around the same numbers.
fn numbers_of(line: &StoredPayment) -> Vec<String> {
    incasso_core::matching::numbers::numbers_in(
        [
            &line.remittance,
            &line.structured_reference,
            &line.end_to_end_id,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str),
    )
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// How alike a waiting line's numbers are to a stored line's: the digits they share, less those
/// of the waiting line's own numbers the stored line lacks (another format wraps a line in more
/// numbers of its own, an account and a date, alike for every line of a group).
fn likeness(ours: &[String], stored: &[String]) -> i64 {
    ours.iter()
        .map(|n| {
            let len = n.len() as i64;
            if stored.binary_search(n).is_ok() {
                len
            } else {
                -len
            }
        })
        .sum()
}

/// Whether two lines' numbers name different things: each has one the other lacks, of the same
/// length (F2026-101 against F2026-102; a format's own reference of another length is no sign).
fn conflicts(ours: &[String], theirs: &[String]) -> bool {
    let lacks = |list: &[String], n: &String| list.binary_search(n).is_err();
    ours.iter()
        .filter(|n| lacks(theirs, n))
        .any(|n| theirs.iter().any(|m| m.len() == n.len() && lacks(ours, m)))
}

/// What tells a line from another of its loose group: the numbers in its texts, the words of
/// its payer's name, and the words of its name and texts together (a free-text MT940 `:86:`
/// writes the name in the text).
struct Texts {
    numbers: Vec<String>,
    names: Vec<String>,
    words: Vec<String>,
    /// Every run of letters or digits in its name and text, lower case, sorted: what tells
    /// "termijn 1" from "termijn 2" where the rest is alike.
    tokens: Vec<String>,
}

/// Words too common in names to tell payers apart (particles, legal forms).
const COMMON_WORDS: [&str; 12] = [
    "van", "der", "den", "het", "ter", "ten", "vof", "the", "and", "und", "des", "les",
];

/// The runs of letters or digits in texts that `keep` takes, lower case, sorted, each once.
fn runs_in<'t>(
    texts: impl IntoIterator<Item = &'t str>,
    keep: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out: Vec<String> = texts
        .into_iter()
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| keep(w))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The words of three letters or more in a text, lower case, sorted, without the common ones.
fn words_of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<String> {
    runs_in(texts, |w| {
        w.chars().count() >= 3
            && !w.chars().all(|c| c.is_ascii_digit())
            && !COMMON_WORDS.contains(&w)
    })
}

impl Texts {
    fn of(line: &StoredPayment) -> Texts {
        let name = line.counterparty_name.as_deref();
        let all = || name.into_iter().chain(line.remittance.as_deref());
        Texts {
            numbers: numbers_of(line),
            names: words_of(name),
            words: words_of(all()),
            tokens: runs_in(all(), |_| true),
        }
    }

    /// How many runs of letters or digits two lines' names and texts share.
    fn shared_tokens(&self, theirs: &Texts) -> i64 {
        self.tokens
            .iter()
            .filter(|t| theirs.tokens.binary_search(t).is_ok())
            .count() as i64
    }

    /// Whether two lines of a loose group are one transfer by their texts: `Some` of how sure
    /// (the numbers they share, [`likeness`]; where one has none, the words of a payer's name
    /// found in the other's name or text, less those not found; 0 where nothing tells), `None`
    /// where they are not (numbers naming different things, [`conflicts`], or none shared; two
    /// names without a word in common).
    fn likeness(&self, theirs: &Texts) -> Option<i64> {
        if conflicts(&self.numbers, &theirs.numbers) {
            return None;
        }
        if !self.numbers.is_empty() && !theirs.numbers.is_empty() {
            return Some(likeness(&self.numbers, &theirs.numbers)).filter(|&s| s > 0);
        }
        // 2 for each word of `name` in `other`, less 1 for each not: "P. Jansen" is nearer
        // "J. JANSEN" than "Jansen Bouw B.V." is.
        let found = |name: &[String], other: &[String]| {
            let shared = name
                .iter()
                .filter(|w| other.binary_search(w).is_ok())
                .count() as i64;
            (shared, 2 * shared - (name.len() as i64 - shared))
        };
        match (self.names.is_empty(), theirs.names.is_empty()) {
            (false, false) => {
                let (shared, ours) = found(&self.names, &theirs.names);
                let (_, mine) = found(&theirs.names, &self.names);
                (shared > 0).then_some(ours.min(mine).max(0))
            }
            (false, true) => Some(found(&self.names, &theirs.words).1.max(0)),
            (true, false) => Some(found(&theirs.names, &self.words).1.max(0)),
            (true, true) => Some(0),
        }
    }
}

fn currency_code(c: Currency) -> [u8; 3] {
    let mut out = *b"EUR";
    out.copy_from_slice(&c.as_str().as_bytes()[..3]);
    out
}

/// A bank line as stored.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredPayment {
    id: String,
    fingerprint: u128,
    import_id: u64,
    location: Location,
    date: i32,
    amount: Amount,
    currency: [u8; 3],
    kind: PaymentKind,
    account: Option<String>,
    counterparty_name: Option<String>,
    counterparty_account: Option<String>,
    remittance: Option<String>,
    structured_reference: Option<String>,
    end_to_end_id: Option<String>,
}

impl StoredPayment {
    /// A bank line of an import, as stored; `fingerprint` as stores written before kept it.
    fn of(p: Payment, fingerprint: Option<u128>, import_id: u64) -> StoredPayment {
        StoredPayment {
            fingerprint: fingerprint.unwrap_or(0),
            import_id,
            date: p.date.to_epoch_days(),
            amount: p.amount.amount().into(),
            currency: currency_code(p.amount.currency()),
            kind: p.kind,
            id: p.id,
            location: p.provenance.location,
            account: p.account,
            counterparty_name: p.counterparty_name,
            counterparty_account: p.counterparty_account,
            remittance: p.remittance,
            structured_reference: p.structured_reference,
            end_to_end_id: p.end_to_end_id,
        }
    }

    /// Its loose key ([`LineGroup::loose_key`]), as its connector gave it.
    fn loose_key(&self) -> u128 {
        let currency = std::str::from_utf8(&self.currency).unwrap_or("");
        match (
            NaiveDate::from_epoch_days(self.date),
            self.amount.to_decimal(b"stored line"),
        ) {
            (Some(date), Ok(amount)) => LineGroup::loose_key(
                self.account.as_deref().unwrap_or(""),
                date,
                amount,
                currency,
                self.counterparty_account.is_none(),
            ),
            _ => 0,
        }
    }

    /// Its id key and fingerprint: what the repeat check knows it by.
    pub(crate) fn keys(&self) -> [u128; 2] {
        [LineKeys::id_key(&self.id), self.fingerprint]
    }

    fn into_payment(self, k: &[u8], source: Arc<Source>) -> Result<Payment, StoreError> {
        let currency = Currency::parse(std::str::from_utf8(&self.currency).unwrap_or(""))
            .map_err(|e| corrupt(k, &e.to_string()))?;
        Ok(Payment {
            id: self.id,
            date: NaiveDate::from_epoch_days(self.date)
                .ok_or_else(|| corrupt(k, "date out of range"))?,
            amount: Money::new(self.amount.to_decimal(k)?, currency),
            kind: self.kind,
            account: self.account,
            counterparty_name: self.counterparty_name,
            counterparty_account: self.counterparty_account,
            remittance: self.remittance,
            structured_reference: self.structured_reference,
            end_to_end_id: self.end_to_end_id,
            provenance: Provenance {
                source,
                location: self.location,
            },
        })
    }
}

/// The payment side of an import transaction.
pub(crate) struct PaymentWriter {
    file: SegmentWriter,
    block: Vec<StoredPayment>,
    /// The ids of the lines this transaction recorded, and their groups counted: while its lines
    /// are of one format only the copies it recognised (a new line of its own format adds to its
    /// group and to its format's share of it alike, which changes no answer).
    known: KnownLines,
    /// The format of its lines (`alike ^ in_format`), and whether another one came too.
    format: Option<u128>,
    mixed: bool,
    /// Lines that may be another format's copies of stored lines, until the file is read whole,
    /// and their groups.
    waiting: Vec<Waiting>,
    waiting_groups: rustc_hash::FxHashSet<u128>,
    /// The loose groups of the lines waiting on theirs (lowest bit cleared).
    waiting_loose: rustc_hash::FxHashSet<u128>,
    /// What it recorded, in order, as [`P_LINE_RECORDS`] keeps them, in blocks of
    /// [`RECORD_BLOCK`] records (one growing list would hold its old and new room at once).
    pub records: Vec<Vec<u8>>,
    /// The loose key of each line it stored, as [`P_LINE_LOOSE`] keeps them, in blocks alike.
    pub loose: Vec<Vec<u8>>,
    pub new: u64,
    pub repeated: u64,
    /// The days of the lines it read ([`LineGroup::loose`], lowest bit cleared, first 64 bits),
    /// each with the line's group as [`packed`] gives it ([`SEVERAL`] for more than one): a line
    /// whose id it has seen is a repeat only when a line of its day may be the same line.
    days: rustc_hash::FxHashMap<u64, u64>,
}

/// The day of a line as [`PaymentWriter::days`] keeps it.
fn day_of(g: &LineGroup) -> u64 {
    (g.loose & !1) as u64
}

/// A line's group of lines alike (first 64 bits) with, as its lowest bit, whether it lacks the
/// payer's account.
fn packed(alike: u128, no_account: bool) -> u64 {
    (alike as u64 & !1) | u64::from(no_account)
}

/// Lines of more than one group read on a day.
const SEVERAL: u64 = u64::MAX;

/// Whether a line stored before (`seen`, as [`packed`] gives it) may be the line `line` is
/// again: the same group of lines alike, or either without the payer's account (a format that
/// leaves it out, or words such a line otherwise: an MT940's interest against the CSV's). Two
/// lines with other payers' accounts are two lines.
fn may_be_same(seen: u64, line: u64) -> bool {
    seen == SEVERAL || seen == line || (seen & 1) == 1 || (line & 1) == 1
}

/// The same for a line read before in this file, of its format: both without the payer's
/// account and worded otherwise, they are two lines too (two statements of a day, each numbering
/// its lines from `//00001`).
fn may_be_same_in_file(seen: u64, line: u64) -> bool {
    seen == SEVERAL || seen == line || (seen & 1) != (line & 1)
}

/// The `.pay` file of an import.
pub(crate) fn payments_path(dir: &Path, import: u64) -> PathBuf {
    dir.join(format!("{import:020}.pay"))
}

fn blocks_key(import: u64) -> Vec<u8> {
    key(P_PAYMENT_BLOCKS, &import.to_be_bytes())
}

fn inline_key(import: u64) -> Vec<u8> {
    key(P_PAYMENT_INLINE, &import.to_be_bytes())
}

impl PaymentWriter {
    pub fn new(dir: &Path, import: u64) -> PaymentWriter {
        PaymentWriter {
            file: SegmentWriter::new(payments_path(dir, import)),
            block: Vec::new(),
            known: KnownLines::default(),
            format: None,
            mixed: false,
            waiting: Vec::new(),
            waiting_groups: Default::default(),
            waiting_loose: Default::default(),
            records: Vec::new(),
            loose: Vec::new(),
            new: 0,
            repeated: 0,
            days: Default::default(),
        }
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Adds a line unless it is stored already, earlier in this transaction, or another format's
    /// copy of a stored line ([`KnownLines`]); true when it is stored now. A line that may be a
    /// copy waits until [`PaymentWriter::settle`]: which lines of a group are the copies is told
    /// by their texts once the file is read whole (a later download lists the afternoon's line
    /// first as readily as the morning's).
    pub fn add(
        &mut self,
        store: &Store,
        import_id: u64,
        p: Payment,
        keys: LineKeys,
    ) -> Result<bool, StoreError> {
        let id_key = LineKeys::id_key(&p.id);
        if let Some(g) = keys.group {
            let format = g.alike ^ g.in_format;
            match self.format {
                None => self.format = Some(format),
                Some(f) if f != format && !self.mixed => {
                    // Lines of several formats (never one file's): each is decided as it comes,
                    // by the counts alone.
                    self.settle(store)?;
                    self.mixed = true;
                    self.known.alike.clear();
                    self.known.in_format.clear();
                    for block in &self.records {
                        self.known.count_records(block);
                        for (id, _, in_format) in records(block) {
                            self.known.insert(id, in_format);
                        }
                    }
                    self.known.add_loose_of(&self.records, &self.loose);
                }
                Some(_) => {}
            }
        }
        let legacy = keys.legacy.iter().flatten().copied();
        let ours = &self.known;
        let waiting = &self.waiting_groups;
        let waiting_loose = &self.waiting_loose;
        let mixed = self.mixed;
        let days = &self.days;
        // This line's day and group, as `days` keeps them.
        let day = keys
            .group
            .map(|g| (day_of(&g), packed(g.alike, g.loose & 1 == 1)));
        let (repeat, reused, unseen, may_be_copy, loose) = store.known_lines(|stored| {
            let by_id = ours.knows(id_key) || stored.knows(id_key);
            let by_legacy = legacy.clone().any(|k| stored.knows(k));
            // An id known, yet no line of this account, day, amount and currency stored or read
            // that may be this one: a reference the bank gave another line too, not this line
            // again (a repeat always finds its first reading there). Stores with lines from
            // before their days were kept cannot tell.
            let reused = by_id
                && !by_legacy
                && !stored.legacy
                && keys.group.zip(day).is_some_and(|(g, (day, line))| {
                    let same = |(alike, no_account): (u128, bool)| {
                        may_be_same(packed(alike, no_account), line)
                    };
                    // A stored group of this line's format is to it as a line read before in its
                    // file: a format words one line alike each time (two statements of a day, a
                    // file each, both numbering their lines from `//00001`).
                    let format = g.alike ^ g.in_format;
                    let same_stored = |(alike, no_account): (u128, bool)| {
                        let seen = packed(alike, no_account);
                        if stored.format_stored(alike ^ format) {
                            may_be_same_in_file(seen, line)
                        } else {
                            may_be_same(seen, line)
                        }
                    };
                    let in_file = if mixed {
                        may_be_same
                    } else {
                        may_be_same_in_file
                    };
                    g.loose != 0
                        && !days.get(&day).is_some_and(|&s| in_file(s, line))
                        && !stored.groups_in(g.loose).any(same_stored)
                        && !ours.groups_in(g.loose).any(same)
                });
            let repeat = (by_id || by_legacy) && !reused;
            // Another format's line with this id: one of its group's lines this format has not
            // seen, to be counted as its copy so that it is not taken for another line of the
            // group. (An id this transaction has seen is of its own format, unless lines of
            // several formats came, whose ids are kept with the key that says so.)
            let unseen = keys.group.filter(|g| {
                let seen = seen_key(id_key, g.in_format);
                repeat
                    && (mixed || !ours.knows(id_key))
                    && !ours.knows(seen)
                    && !stored.knows(seen)
                    && copies_left(stored, ours, g) > 0
            });
            let may_be_copy = !repeat
                && keys.group.is_some_and(|g| {
                    waiting.contains(&g.alike) || copies_left(stored, ours, &g) > 0
                });
            // Else it may be the copy of a line its format words without the payer's account,
            // or which it gives without one (in another group, the same loose one).
            let loose = match keys.group {
                Some(g) if !repeat && !may_be_copy && g.loose != 0 => {
                    let candidates = loose_candidates(stored, ours, &g);
                    (waiting_loose.contains(&(g.loose & !1)) || !candidates.is_empty())
                        .then(|| candidates.first().map(|c| c.0))
                }
                _ => None,
            };
            (repeat, reused, unseen, may_be_copy, loose)
        })?;
        if reused {
            let mut p = p;
            p.id = LineKeys::reused_id(&p.id, p.date, p.amount.amount());
            return self.add(store, import_id, p, keys);
        }
        if let Some((day, line)) = day {
            self.days
                .entry(day)
                .and_modify(|s| {
                    if *s != line {
                        *s = SEVERAL;
                    }
                })
                .or_insert(line);
        }
        if repeat {
            if let Some(g) = unseen {
                self.record(seen_key(id_key, g.in_format), 0, g.in_format);
            }
            self.repeated += 1;
            return Ok(false);
        }
        if may_be_copy && self.mixed {
            let group = keys.group.expect("a copy has a group");
            self.record(id_key, 0, group.in_format);
            self.repeated += 1;
            return Ok(false);
        }
        if let (Some(Some(alike)), true) = (loose, self.mixed) {
            let group = keys.group.expect("a copy has a group");
            self.record(id_key, 0, alike ^ group.alike ^ group.in_format);
            self.repeated += 1;
            return Ok(false);
        }
        let line = StoredPayment::of(p, keys.legacy[0], import_id);
        if may_be_copy || (loose.is_some() && !self.mixed) {
            let group = keys.group.expect("a copy has a group");
            // A later line with this id in this transaction is a repeat of this one.
            self.known.keys.insert(id_key);
            if may_be_copy {
                self.waiting_groups.insert(group.alike);
            } else {
                self.waiting_loose.insert(group.loose & !1);
            }
            // Encoded: a whole statement read again in another format waits entire.
            self.waiting.push(Waiting {
                line: encode(&line).into_boxed_slice(),
                id: id_key,
                group,
                loose: !may_be_copy,
            });
            return Ok(false);
        }
        let group = keys.group.unwrap_or(LineGroup {
            alike: 0,
            in_format: 0,
            loose: 0,
        });
        self.store_line(line, id_key, group)?;
        Ok(true)
    }

    fn store_line(
        &mut self,
        line: StoredPayment,
        id_key: u128,
        group: LineGroup,
    ) -> Result<(), StoreError> {
        self.record(id_key, group.alike, group.in_format);
        if self.mixed {
            self.known.add_loose(group.loose, group.alike);
        }
        push_in_blocks(
            &mut self.loose,
            RECORD_BLOCK * 16,
            &group.loose.to_le_bytes(),
        );
        self.new += 1;
        self.block.push(line);
        if self.block.len() == BLOCK_LINES {
            self.write_block()?;
        }
        Ok(())
    }

    /// Decides the lines that waited: those that waited on their group first
    /// ([`PaymentWriter::settle_alike`]), then those on their loose group
    /// ([`PaymentWriter::settle_loose`]). The new ones are stored after the lines decided at
    /// once.
    pub fn settle(&mut self, store: &Store) -> Result<(), StoreError> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        let (loose, alike): (Vec<Waiting>, Vec<Waiting>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.loose);
        self.waiting_groups.clear();
        self.waiting_loose.clear();
        self.settle_alike(store, alike)?;
        self.settle_loose(store, loose)
    }

    /// Decides lines that waited on their group: at most as many as the group's stored lines of
    /// other formats leave unmatched are copies, each paired with one of those stored lines:
    /// the pairs whose numbers share most first ([`likeness`]), then in file order with a
    /// stored line left whose numbers name nothing else ([`conflicts`]). A line whose numbers
    /// name something else than every stored line left is new, as are the rest.
    fn settle_alike(&mut self, store: &Store, waiting: Vec<Waiting>) -> Result<(), StoreError> {
        if waiting.is_empty() {
            return Ok(());
        }
        // In file order, so that a batch of runs finds its stored lines in a few blocks.
        let mut runs = runs_by(&waiting, |w| w.group.alike);
        runs.sort_unstable_by_key(|(_, run)| run[0]);
        let ours = &self.known;
        let left: Vec<usize> = store.known_lines(|stored| {
            runs.iter()
                .map(|(_, run)| copies_left(stored, ours, &waiting[run[0]].group) as usize)
                .collect()
        })?;
        let mut copy = vec![false; waiting.len()];
        let (batches, mut lines) =
            store.stored_lines_in_batches(&runs, |i| (left[i] > 0).then_some(runs[i].0))?;
        for (b, r) in batches.into_iter().enumerate() {
            let stored = lines.batch(store, b)?;
            for ((group, list), &k) in runs[r.clone()].iter().zip(&left[r]) {
                if k == 0 {
                    continue;
                }
                let format = waiting[list[0]].group.alike ^ waiting[list[0]].group.in_format;
                let none = Vec::new();
                let others: Vec<&StoredPayment> = stored
                    .get(group)
                    .unwrap_or(&none)
                    .iter()
                    .filter(|(f, _)| *f != format)
                    .map(|(_, p)| p)
                    .collect();
                let numbers: Vec<Vec<String>> = list
                    .iter()
                    .map(|&i| {
                        decode::<StoredPayment>(b"waiting line", &waiting[i].line)
                            .map(|l| numbers_of(&l))
                    })
                    .collect::<Result<_, _>>()?;
                let theirs: Vec<Vec<String>> = others.iter().map(|o| numbers_of(o)).collect();
                // Each stored line is the copy of one line at most: the pairs that share the
                // most first, then in file order; never a pair whose numbers name different
                // things, whatever else they share (a customer number, end-to-end ids of a day).
                let mut pairs: Vec<(i64, usize, usize)> = Vec::new();
                for (c, ours) in numbers.iter().enumerate() {
                    for (o, stored) in theirs.iter().enumerate() {
                        let score = likeness(ours, stored);
                        if score > 0 && !conflicts(ours, stored) {
                            pairs.push((score, c, o));
                        }
                    }
                }
                pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
                let (mut taken, mut used) = (vec![false; list.len()], vec![false; theirs.len()]);
                let mut copies = 0;
                for (_, c, o) in pairs {
                    if copies < k && !taken[c] && !used[o] {
                        (taken[c], used[o]) = (true, true);
                        copies += 1;
                    }
                }
                // The count says more are copies than their texts tell: the first in file
                // order, each with a stored line left whose numbers do not name something else
                // (a camt.054 notification of the afternoon's transfer and a midday export of
                // the morning's, one payer and amount: two transfers). A line with no stored
                // line left to weigh it against is taken by the count.
                for (c, t) in taken.iter_mut().enumerate() {
                    if copies >= k || *t {
                        continue;
                    }
                    let partner = (0..theirs.len())
                        .find(|&o| !used[o] && !conflicts(&numbers[c], &theirs[o]));
                    match partner {
                        Some(o) => used[o] = true,
                        None if used.iter().any(|u| !u) => continue,
                        None => {}
                    }
                    *t = true;
                    copies += 1;
                }
                for (c, &i) in list.iter().enumerate() {
                    copy[i] = taken[c];
                }
            }
        }
        for (w, is_copy) in waiting.into_iter().zip(copy) {
            if is_copy {
                self.record(w.id, 0, w.group.in_format);
                self.repeated += 1;
            } else {
                let line: StoredPayment = decode(b"waiting line", &w.line)?;
                self.store_line(line, w.id, w.group)?;
            }
        }
        Ok(())
    }

    /// Decides lines that waited on their loose group: each is the copy of a stored line of
    /// another format in a group it may stand in ([`loose_candidates`]) that its texts say is
    /// the same transfer ([`Texts::likeness`]), pairs most alike first, as many per group as
    /// its format has not seen. Where the waiting lines are no more than the lines they may be,
    /// lines nothing tells apart are paired too, never lines whose numbers or payers' names
    /// differ (a notification holds one transfer, a midday export the morning's: one amount on
    /// one day is no reason to take one for the other). The rest are new.
    fn settle_loose(&mut self, store: &Store, waiting: Vec<Waiting>) -> Result<(), StoreError> {
        if waiting.is_empty() {
            return Ok(());
        }
        // In file order, so that a batch of runs finds its stored lines in a few blocks.
        let mut runs = runs_by(&waiting, |w| w.group.loose & !1);
        runs.sort_unstable_by_key(|(_, run)| run[0]);
        // Per waiting line, the groups it may stand in and how many of their lines are left.
        let ours = &self.known;
        let candidates: Vec<Vec<(u128, u32)>> = store.known_lines(|stored| {
            waiting
                .iter()
                .map(|w| loose_candidates(stored, ours, &w.group))
                .collect()
        })?;
        let mut copy_of: Vec<Option<u128>> = vec![None; waiting.len()];
        let (runs_ref, candidates_ref) = (&runs, &candidates);
        let (batches, mut lines) = store.stored_lines_in_batches(&runs, move |r| {
            runs_ref[r]
                .1
                .iter()
                .flat_map(move |&i| candidates_ref[i].iter().map(|c| c.0))
        })?;
        for (b, r) in batches.into_iter().enumerate() {
            let stored = lines.batch(store, b)?;
            for (_, run) in &runs[r] {
                let format = waiting[run[0]].group.alike ^ waiting[run[0]].group.in_format;
                let mut left: rustc_hash::FxHashMap<u128, u32> = run
                    .iter()
                    .flat_map(|&i| candidates[i].iter().copied())
                    .collect();
                // The stored lines of other formats in those groups, with their numbers and names.
                let none = Vec::new();
                let others: Vec<(u128, Texts)> = left
                    .keys()
                    .flat_map(|g| {
                        stored
                            .get(g)
                            .unwrap_or(&none)
                            .iter()
                            .filter(|(f, _)| *f != format)
                            .map(move |(_, p)| (*g, Texts::of(p)))
                    })
                    .collect();
                let texts: Vec<Texts> = run
                    .iter()
                    .map(|&i| {
                        decode::<StoredPayment>(b"waiting line", &waiting[i].line)
                            .map(|l| Texts::of(&l))
                    })
                    .collect::<Result<_, _>>()?;
                // Pairs their texts say are one transfer, most alike first; where the waiting lines
                // are no more than the lines they may be, also those nothing tells apart.
                let total: u32 = left.values().sum();
                let least = if run.len() as u32 <= total { 0 } else { 1 };
                // Each pair scored by its likeness, then by the words and digits the lines share.
                let mut pairs: Vec<((i64, i64), usize, usize)> = Vec::new();
                for (c, ours) in texts.iter().enumerate() {
                    let may = &candidates[run[c]];
                    for (o, (g, theirs)) in others.iter().enumerate() {
                        match ours.likeness(theirs) {
                            Some(score) if score >= least && may.iter().any(|m| m.0 == *g) => {
                                pairs.push(((score, ours.shared_tokens(theirs)), c, o))
                            }
                            _ => {}
                        }
                    }
                }
                pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
                // The waiting lines alike to a group's lines at each score.
                let mut rivals: rustc_hash::FxHashMap<((i64, i64), u128), Vec<usize>> =
                    Default::default();
                for &(score, d, o) in &pairs {
                    rivals.entry((score, others[o].0)).or_default().push(d);
                }
                // Whether a score's lines may be taken for a group's copies: no more of them are
                // waiting than the group has left, or they are one payer's (one group of their
                // own). Else none is (one transfer counted twice costs less than a payment lost).
                let mut allowed: rustc_hash::FxHashMap<((i64, i64), u128), bool> =
                    Default::default();
                let mut used = vec![false; others.len()];
                for &(score, c, o) in &pairs {
                    let g = others[o].0;
                    let i = run[c];
                    if copy_of[i].is_some() || used[o] || left[&g] == 0 {
                        continue;
                    }
                    let ok = *allowed.entry((score, g)).or_insert_with(|| {
                        let mut lines: Vec<usize> = rivals[&(score, g)]
                            .iter()
                            .copied()
                            .filter(|&d| copy_of[run[d]].is_none())
                            .collect();
                        lines.sort_unstable();
                        lines.dedup();
                        lines.len() as u32 <= left[&g]
                            || lines
                                .iter()
                                .all(|&d| waiting[run[d]].group.alike == waiting[i].group.alike)
                    });
                    used[o] = true;
                    if ok {
                        *left.get_mut(&g).expect("a candidate") -= 1;
                        copy_of[i] = Some(g);
                    }
                }
            }
        }
        for (w, of) in waiting.into_iter().zip(copy_of) {
            match of {
                Some(alike) => {
                    self.record(w.id, 0, alike ^ w.group.alike ^ w.group.in_format);
                    self.repeated += 1;
                }
                None => {
                    let line: StoredPayment = decode(b"waiting line", &w.line)?;
                    self.store_line(line, w.id, w.group)?;
                }
            }
        }
        Ok(())
    }

    fn record(&mut self, id: u128, alike: u128, in_format: u128) {
        if self.mixed {
            self.known.add(id, alike, in_format);
        } else {
            // One format: its new lines add to a group's lines and to its format's alike, which
            // cancel; what it took for copies adds to its format's only. Its ids are its format's
            // (the key that says so is added when they are loaded again).
            self.known.keys.insert(id);
            if alike == 0 {
                self.known.count(0, in_format);
            }
        }
        let mut record = [0u8; RECORD];
        for (part, k) in record.chunks_exact_mut(16).zip([id, alike, in_format]) {
            part.copy_from_slice(&k.to_le_bytes());
        }
        push_in_blocks(&mut self.records, RECORD_BLOCK * RECORD, &record);
    }

    /// Whether it recorded anything: a line, or another format's copy of one.
    pub fn is_empty(&self) -> bool {
        // Every line stored has its record.
        self.records.is_empty() && self.waiting.is_empty()
    }

    fn write_block(&mut self) -> Result<(), StoreError> {
        if self.block.is_empty() {
            return Ok(());
        }
        let bytes = encode(&std::mem::take(&mut self.block));
        self.file.append(&bytes).map_err(|source| StoreError::Io {
            path: self.file.path().to_path_buf(),
            source,
        })
    }

    /// Writes what is left and adds the block table (and a small import's only block) to the batch.
    pub fn finish(&mut self, owner: u64, batch: &mut Batch) -> Result<(), StoreError> {
        if self.file.blocks.is_empty() && !self.block.is_empty() {
            let bytes = encode(&std::mem::take(&mut self.block));
            batch.insert(inline_key(owner), bytes.as_slice());
            self.file.blocks.push(BlockMeta {
                offset: 0,
                len: bytes.len() as u32,
                checksum: checksum(&bytes),
                inline: true,
            });
        }
        self.write_block()?;
        let small = self.file.blocks.iter().all(|b| b.inline);
        let o = owner.to_be_bytes();
        let streams = [
            (
                &self.records,
                key(P_LINE_RECORDS, &o),
                key(P_LINE_RECORDS_INLINE, &o),
            ),
            (
                &self.loose,
                key(P_LINE_LOOSE, &o),
                loose_inline_key(owner, 0),
            ),
        ];
        for (blocks, table, inline) in streams {
            write_stream(&mut self.file, blocks, small, table, inline, batch)?;
        }
        self.file.finish().map_err(|source| StoreError::Io {
            path: self.file.path().to_path_buf(),
            source,
        })?;
        if !self.file.blocks.is_empty() {
            batch.insert(blocks_key(owner), encode(&self.file.blocks));
        }
        Ok(())
    }
}

/// Writes a stream of blocks kept beside an import's lines (their records, their loose keys):
/// a small import's one block inline in sled under `inline`, else appended to its `.pay` file;
/// the table of its blocks under `table`.
fn write_stream(
    file: &mut SegmentWriter,
    blocks: &[Vec<u8>],
    small: bool,
    table: Vec<u8>,
    inline: Vec<u8>,
    batch: &mut Batch,
) -> Result<(), StoreError> {
    let metas = match blocks {
        [] => return Ok(()),
        [only] if small => {
            batch.insert(inline, only.as_slice());
            vec![BlockMeta {
                offset: 0,
                len: only.len() as u32,
                checksum: checksum(only),
                inline: true,
            }]
        }
        blocks => {
            let mut metas = Vec::with_capacity(blocks.len());
            for block in blocks {
                file.append(block).map_err(|source| StoreError::Io {
                    path: file.path().to_path_buf(),
                    source,
                })?;
                metas.push(file.blocks.pop().expect("just appended"));
            }
            metas
        }
    };
    batch.insert(table, encode(&metas));
    Ok(())
}

/// Where block `n` of an import's loose keys is kept inline.
fn loose_inline_key(import: u64, n: u32) -> Vec<u8> {
    let mut k = key(P_LINE_LOOSE_INLINE, &import.to_be_bytes());
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// A manual decision as stored, with when it was made.
#[derive(Serialize, Deserialize)]
struct StoredDecision {
    at: DateTime<Utc>,
    decision: ManualDecision,
}

impl Store {
    /// Every stored block of bank lines, decoded one at a time, in import order.
    pub(crate) fn each_payment_block(
        &self,
        f: &mut dyn FnMut(u64, Vec<StoredPayment>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for owner in self.payment_owners() {
            let (owner, metas) = owner?;
            self.blocks_of(owner, &metas, f)?;
        }
        Ok(())
    }

    /// Each import that stored lines, with the table of its blocks.
    fn payment_owners(
        &self,
    ) -> impl Iterator<Item = Result<(u64, Vec<BlockMeta>), StoreError>> + '_ {
        self.kv.scan_prefix(&[P_PAYMENT_BLOCKS]).map(|kv| {
            let (k, v) = kv?;
            let owner = u64::from_be_bytes(
                k[1..]
                    .try_into()
                    .map_err(|_| corrupt(&k, "key is not 8 bytes"))?,
            );
            Ok((owner, decode(&k, &v)?))
        })
    }

    /// One import's blocks of lines, decoded one at a time.
    fn blocks_of(
        &self,
        owner: u64,
        metas: &[BlockMeta],
        f: &mut dyn FnMut(u64, Vec<StoredPayment>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let path = payments_path(&self.segments, owner);
        for meta in metas {
            let bytes = self.payment_block(owner, meta, inline_key(owner))?;
            f(owner, decode(path.to_string_lossy().as_bytes(), &bytes)?)?;
        }
        Ok(())
    }

    /// The bytes of one block of an import's `.pay` file, or kept inline under `inline`.
    fn payment_block(
        &self,
        owner: u64,
        meta: &BlockMeta,
        inline: Vec<u8>,
    ) -> Result<Vec<u8>, StoreError> {
        if meta.inline {
            let v = self
                .kv
                .get(&inline)?
                .ok_or_else(|| corrupt(&inline, "inline block is missing"))?;
            verify(&v, meta).map_err(|e| corrupt(&inline, &e))?;
            Ok(v.to_vec())
        } else {
            let path = payments_path(&self.segments, owner);
            read_block(&path, meta).map_err(|e| segment_corrupt(&path, &e))
        }
    }

    /// `f` of what the store knows of its lines; that is loaded once per open store and kept up
    /// to date by every commit, so many small imports stay cheap.
    pub(crate) fn known_lines<T>(&self, f: impl FnOnce(&KnownLines) -> T) -> Result<T, StoreError> {
        let mut guard = self.known_lines.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(self.load_known_lines()?);
        }
        Ok(f(guard.as_ref().expect("loaded")))
    }

    /// Adds what a commit recorded to what the store knows, when that is loaded: a few lines
    /// are added, many make it be loaded again when next asked (as cheap as adding them, and a
    /// command that imports one large file then asks nothing more).
    pub(crate) fn remember_lines(&self, records: &[Vec<u8>], loose: &[Vec<u8>]) {
        let mut guard = self.known_lines.lock().unwrap_or_else(|p| p.into_inner());
        if records.iter().map(Vec::len).sum::<usize>() > REMEMBER_RECORDS {
            *guard = None;
        } else if let Some(known) = guard.as_mut() {
            for block in records {
                known.add_records(block);
            }
            known.add_loose_of(records, loose);
        }
    }

    /// Every import's blocks of line records, in import order.
    fn each_record_block(&self, f: &mut RecordBlockFn<'_>) -> Result<(), StoreError> {
        for kv in self.kv.scan_prefix(&[P_LINE_RECORDS]) {
            let (k, v) = kv?;
            let owner = u64::from_be_bytes(
                k[1..]
                    .try_into()
                    .map_err(|_| corrupt(&k, "key is not 8 bytes"))?,
            );
            let metas: Vec<BlockMeta> = decode(&k, &v)?;
            for meta in &metas {
                let inline = key(P_LINE_RECORDS_INLINE, &owner.to_be_bytes());
                f(owner, &self.payment_block(owner, meta, inline)?)?;
            }
        }
        Ok(())
    }

    /// `runs` of waiting lines in batches ([`batches_of`]), and where the stored lines of the
    /// groups each run asks for (`groups(i)` for run `i`) are, each batch's read with
    /// [`StoredLines::batch`].
    fn stored_lines_in_batches<I: IntoIterator<Item = u128>>(
        &self,
        runs: &[(u128, Vec<usize>)],
        groups: impl Fn(usize) -> I,
    ) -> Result<(Vec<std::ops::Range<usize>>, StoredLines), StoreError> {
        let batches = batches_of(runs);
        let wanted: Vec<rustc_hash::FxHashSet<u128>> = batches
            .iter()
            .map(|r| r.clone().flat_map(&groups).collect())
            .collect();
        Ok((batches, self.stored_lines(&wanted)?))
    }

    /// Where the stored lines of the groups of several batches of waiting lines are, found
    /// through the imports' records in one pass; [`StoredLines::batch`] then reads one batch's
    /// lines. Imports written before records were kept have none.
    pub(crate) fn stored_lines(
        &self,
        batches: &[rustc_hash::FxHashSet<u128>],
    ) -> Result<StoredLines, StoreError> {
        // Each group with the batches that ask for it (nearly always one).
        let mut batch_of: rustc_hash::FxHashMap<u128, (u32, Vec<u32>)> = Default::default();
        for (b, groups) in batches.iter().enumerate() {
            for &g in groups {
                batch_of
                    .entry(g)
                    .and_modify(|(_, more)| more.push(b as u32))
                    .or_insert((b as u32, Vec::new()));
            }
        }
        // Per import: how many of its stored lines were read, and the hits among them.
        let mut found: BTreeMap<u64, (usize, Vec<Hit>)> = BTreeMap::new();
        if !batch_of.is_empty() {
            self.each_record_block(&mut |owner, bytes| {
                let (place, hits) = found.entry(owner).or_default();
                for (_, alike, in_format) in records(bytes).filter(stands_for_a_line) {
                    if let Some((first, more)) = batch_of.get(&alike).filter(|_| alike != 0) {
                        for &b in std::iter::once(first).chain(more) {
                            hits.push(Hit {
                                place: *place,
                                alike,
                                format: alike ^ in_format,
                                batch: b,
                            });
                        }
                    }
                    *place += 1;
                }
                Ok(())
            })?;
        }
        let mut imports = Vec::new();
        for (owner, (_, mut hits)) in found {
            if hits.is_empty() {
                continue;
            }
            hits.sort_unstable_by_key(|h| (h.batch, h.place));
            let bk = blocks_key(owner);
            let Some(v) = self.kv.get(&bk)? else {
                continue;
            };
            let blocks: Vec<BlockMeta> = decode(&bk, &v)?;
            let lines = vec![None; blocks.len()];
            imports.push(HitsIn {
                owner,
                blocks,
                lines,
                hits,
            });
        }
        Ok(StoredLines { imports })
    }

    /// What the repeat check knows of every stored line: each import's records; the keys of an
    /// import written before records were kept; the lines themselves, decoded, of one written
    /// before keys were kept.
    pub(crate) fn load_known_lines(&self) -> Result<KnownLines, StoreError> {
        let mut known = KnownLines::default();
        let mut recorded = std::collections::HashSet::new();
        // Per import, the group of each line it stored, for its loose keys.
        let mut alikes: BTreeMap<u64, Vec<u128>> = BTreeMap::new();
        self.each_record_block(&mut |owner, bytes| {
            known.add_records(bytes);
            recorded.insert(owner);
            alikes
                .entry(owner)
                .or_default()
                .extend(stored_alikes(bytes));
            Ok(())
        })?;
        known
            .loose
            .reserve(alikes.values().map(Vec::len).sum::<usize>());
        for (owner, alikes) in alikes {
            let loose = self.loose_keys(owner)?;
            for (alike, loose) in alikes.into_iter().zip(loose) {
                known.add_loose(loose, alike);
            }
        }
        for owner in self.payment_owners() {
            let (owner, metas) = owner?;
            if recorded.contains(&owner) {
                continue;
            }
            let at = key(P_PAYMENT_KEYS, &owner.to_be_bytes());
            match self.kv.get(&at)? {
                Some(meta) => {
                    let meta: BlockMeta = decode(&at, &meta)?;
                    let inline = key(P_PAYMENT_KEYS_INLINE, &owner.to_be_bytes());
                    let bytes = self.payment_block(owner, &meta, inline)?;
                    known.add_legacy(keys16(&bytes));
                }
                None => self.blocks_of(owner, &metas, &mut |_, block| {
                    known.add_legacy(block.iter().flat_map(StoredPayment::keys));
                    Ok(())
                })?,
            }
        }
        Ok(known)
    }

    /// The loose key of each line an import stored, in order: as kept, or worked out from the
    /// lines of an import written before they were kept, and kept from then on.
    fn loose_keys(&self, owner: u64) -> Result<Vec<u128>, StoreError> {
        let table = key(P_LINE_LOOSE, &owner.to_be_bytes());
        if let Some(v) = self.kv.get(&table)? {
            let metas: Vec<BlockMeta> = decode(&table, &v)?;
            let mut out = Vec::new();
            for (n, meta) in metas.iter().enumerate() {
                let bytes = self.payment_block(owner, meta, loose_inline_key(owner, n as u32))?;
                out.extend(keys16(&bytes));
            }
            return Ok(out);
        }
        let Some(v) = self.kv.get(&blocks_key(owner))? else {
            return Ok(Vec::new());
        };
        let metas: Vec<BlockMeta> = decode(&blocks_key(owner), &v)?;
        let mut out = Vec::new();
        self.blocks_of(owner, &metas, &mut |_, block| {
            out.extend(block.iter().map(StoredPayment::loose_key));
            Ok(())
        })?;
        let mut batch = Batch::default();
        let mut metas = Vec::new();
        for (n, chunk) in out.chunks(RECORD_BLOCK).enumerate() {
            let bytes: Vec<u8> = chunk.iter().flat_map(|k| k.to_le_bytes()).collect();
            metas.push(BlockMeta {
                offset: 0,
                len: bytes.len() as u32,
                checksum: checksum(&bytes),
                inline: true,
            });
            batch.insert(loose_inline_key(owner, n as u32), bytes);
        }
        batch.insert(table, encode(&metas));
        self.kv.apply(batch)?;
        Ok(out)
    }

    /// The amount of the stored bank line with this id, `None` when no line has it (a decision
    /// names one), without building every line.
    pub fn payment_amount(&self, id: &str) -> Result<Option<rust_decimal::Decimal>, StoreError> {
        let mut found = None;
        self.each_payment_block(&mut |_, block| {
            if found.is_none() {
                found = block.iter().find(|p| p.id == id).map(|p| p.amount);
            }
            Ok(())
        })?;
        found.map(|a| a.to_decimal(id.as_bytes())).transpose()
    }

    /// Every stored bank line with its provenance, in import and file order.
    pub fn payments(&self) -> Result<Vec<Payment>, StoreError> {
        self.payments_of(&[
            PaymentKind::Incoming,
            PaymentKind::Outgoing,
            PaymentKind::Reversal,
        ])
    }

    /// The stored bank lines of some kinds (matching needs money in and reversals, not the
    /// supplier payments a business account is full of), in import and file order.
    pub fn payments_of(&self, kinds: &[PaymentKind]) -> Result<Vec<Payment>, StoreError> {
        let imports = self.imports()?;
        // Room for every line stored, of any kind, at once: growing the list step by step
        // writes each line again into fresh memory, and room never written costs none.
        // A damaged count only costs the room: none is taken when it cannot be had.
        let stored = imports
            .iter()
            .fold(0u64, |n, r| n.saturating_add(r.payments_new));
        let mut out = Vec::new();
        let _ = out.try_reserve(usize::try_from(stored).unwrap_or(0));
        let sources: BTreeMap<u64, Arc<Source>> = imports
            .into_iter()
            .map(|r| (r.id, Arc::new(r.source)))
            .collect();
        self.each_payment_block(&mut |owner, block| {
            let k = payments_path(&self.segments, owner);
            let k = k.to_string_lossy();
            for p in block.into_iter().filter(|p| kinds.contains(&p.kind)) {
                let src = sources
                    .get(&p.import_id)
                    .cloned()
                    .ok_or_else(|| corrupt(k.as_bytes(), "line of an unknown import"))?;
                out.push(p.into_payment(k.as_bytes(), src)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Records a decision about a payment (audited with who made it, `by`); it applies on every
    /// later run.
    pub fn add_decision(
        &self,
        decision: &ManualDecision,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        let seq = self.last_seq(P_MANUAL)? + 1;
        let audit_seq = self.audit_seqs(1)?;
        let (action, subject, detail) = match decision {
            ManualDecision::Allocate {
                payment,
                document,
                amount,
            } => (
                "allocate",
                format!("payment {payment}"),
                format!(
                    "to {} {}{}",
                    document.kind.code(),
                    document.number,
                    amount.map(|a| format!(", amount {a}")).unwrap_or_default()
                ),
            ),
            ManualDecision::Unallocate { payment, document } => (
                "unallocate",
                format!("payment {payment}"),
                match document {
                    Some(d) => format!("not to {} {}", d.kind.code(), d.number),
                    None => "not to any document".to_string(),
                },
            ),
        };
        let mut batch = Batch::default();
        batch.insert(
            key(P_MANUAL, &seq.to_be_bytes()),
            json_encode(&StoredDecision {
                at,
                decision: decision.clone(),
            }),
        );
        batch.insert(
            key(P_AUDIT, &audit_seq.to_be_bytes()),
            json_encode(&AuditEntry {
                seq: audit_seq,
                at,
                import_id: None,
                action: action.into(),
                subject,
                detail: format!("{detail}; by {by}"),
            }),
        );
        self.kv.apply(batch)?;
        self.kv.flush()?;
        Ok(())
    }

    /// Every decision made by hand, oldest first.
    pub fn decisions(&self) -> Result<Vec<ManualDecision>, StoreError> {
        self.kv
            .scan_prefix(&[P_MANUAL])
            .map(|kv| {
                let (k, v) = kv?;
                json_decode::<StoredDecision>(&k, &v).map(|d| d.decision)
            })
            .collect()
    }
}
