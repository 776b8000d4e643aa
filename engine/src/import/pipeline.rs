//! The one import pipeline every record kind goes through: a reader parses on the calling thread
//! and hands records over in chunks to a writer thread that checks them against the store and
//! adds them to the import's transaction. Two cores, two stages; on any error the transaction is
//! dropped and nothing is visible.

use std::sync::mpsc::SyncSender;

use anyhow::Result;
use incasso_store::ImportTx;

/// Records handed from the reader to the writer at a time.
const CHUNK: usize = 4096;

/// The reader's end of the pipeline.
pub struct Handoff<T> {
    buf: Vec<T>,
    send: SyncSender<Vec<T>>,
    stopped: bool,
}

impl<T> Handoff<T> {
    /// Hands one record over; false once the writer has stopped (its error is the one to tell).
    pub fn push(&mut self, item: T) -> bool {
        self.buf.push(item);
        if self.buf.len() == CHUNK && !self.stopped {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
            self.stopped = self.send.send(full).is_err();
        }
        !self.stopped
    }
}

/// Runs `read` with a [`Handoff`] while `write` adds each record to the transaction on another
/// thread; the reader's result, and the transaction back for commit (or the writer's error).
pub fn read_into<'s, T, S, E>(
    mut tx: ImportTx<'s>,
    mut write: impl FnMut(&mut ImportTx<'s>, T) -> Result<()> + Send,
    read: impl FnOnce(&mut Handoff<T>) -> Result<S, E>,
) -> (Result<S, E>, Result<ImportTx<'s>>)
where
    T: Send,
{
    let (send, recv) = std::sync::mpsc::sync_channel::<Vec<T>>(8);
    std::thread::scope(|scope| {
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn_scoped(scope, move || -> Result<ImportTx<'s>> {
                for chunk in recv {
                    for item in chunk {
                        write(&mut tx, item)?;
                    }
                }
                Ok(tx)
            })
            .expect("a thread can be started");
        let mut handoff = Handoff {
            buf: Vec::with_capacity(CHUNK),
            send,
            stopped: false,
        };
        let result = read(&mut handoff);
        let Handoff { buf, send, stopped } = handoff;
        if result.is_ok() && !stopped {
            let _ = send.send(buf);
        }
        drop(send);
        let tx = writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the store writer panicked")));
        (result, tx)
    })
}
