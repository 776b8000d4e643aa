//! The storage seam: the store keeps its records in a small ordered key-value space (get, scan
//! by prefix, last of a prefix, atomic batch, flush) and knows nothing else of what holds them.
//! [`SledKv`] is the embedded default; another backend implements [`Kv`].

use std::ops::Deref;
use std::path::Path;

use crate::StoreError;

/// A stored value (or key), shared without copying where the backend allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value(sled::IVec);

impl Deref for Value {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Value {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value(v.into())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value(v.into())
    }
}

/// Writes applied together or not at all.
#[derive(Debug, Default)]
pub struct Batch {
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Batch {
    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: impl AsRef<[u8]>, value: impl Into<Vec<u8>>) {
        self.ops.push((key.as_ref().to_vec(), Some(value.into())));
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.ops.push((key.as_ref().to_vec(), None));
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Key-value pairs of a prefix, in key order.
pub type Scan<'a> = Box<dyn Iterator<Item = Result<(Value, Value), StoreError>> + 'a>;

/// An ordered key-value space that survives a crash once flushed.
pub trait Kv: Send + Sync {
    /// The value of a key.
    fn get(&self, key: &[u8]) -> Result<Option<Value>, StoreError>;
    /// Every pair whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Scan<'_>;
    /// The pair with the greatest key that starts with `prefix`.
    fn last(&self, prefix: &[u8]) -> Result<Option<(Value, Value)>, StoreError>;
    /// Applies every write of a batch, atomically.
    fn apply(&self, batch: Batch) -> Result<(), StoreError>;
    /// Makes everything applied so far durable.
    fn flush(&self) -> Result<(), StoreError>;
    /// Sets one key (a batch of one).
    fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.insert(key, value);
        self.apply(b)
    }
}

fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The embedded default: one sled tree in `DATA_DIR/ledger.sled`.
pub struct SledKv {
    db: sled::Db,
    tree: sled::Tree,
}

impl SledKv {
    /// Opens (creating) the tree. The caller holds the data directory's lock, so a sled lock
    /// still taken can only be this process's previous handle, whose background writer has not
    /// let go yet: that is waited for briefly.
    pub fn open(path: &Path) -> Result<SledKv, StoreError> {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(128 * 1024 * 1024)
            .mode(sled::Mode::HighThroughput)
            .flush_every_ms(None);
        let mut waited = 0;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(e))
                    if waited < 100
                        && (e.kind() == std::io::ErrorKind::WouldBlock
                            || e.to_string().contains("lock")) =>
                {
                    waited += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.map_err(backend)?,
            }
        };
        let tree = db.open_tree("ledger").map_err(backend)?;
        Ok(SledKv { db, tree })
    }
}

impl Kv for SledKv {
    fn get(&self, key: &[u8]) -> Result<Option<Value>, StoreError> {
        Ok(self.tree.get(key).map_err(backend)?.map(Value))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Scan<'_> {
        Box::new(
            self.tree
                .scan_prefix(prefix)
                .map(|kv| kv.map(|(k, v)| (Value(k), Value(v))).map_err(backend)),
        )
    }

    fn last(&self, prefix: &[u8]) -> Result<Option<(Value, Value)>, StoreError> {
        match self.tree.scan_prefix(prefix).next_back() {
            Some(kv) => Ok(Some(
                kv.map(|(k, v)| (Value(k), Value(v))).map_err(backend)?,
            )),
            None => Ok(None),
        }
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        for (k, v) in batch.ops {
            match v {
                Some(v) => b.insert(k, v),
                None => b.remove(k),
            }
        }
        self.tree.apply_batch(b).map_err(backend)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(backend)
    }
}
