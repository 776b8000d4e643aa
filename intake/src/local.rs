//! An intake server started inside the calling process on 127.0.0.1 (a port the system picks),
//! for the demo and for benchmarks: started, used, stopped.

use std::net::SocketAddr;

use crate::auth::Tokens;
use crate::server::{serve, ServerConfig};

/// A running in-process intake server.
pub struct LocalServer {
    /// Where it listens.
    pub addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), String>>,
}

impl LocalServer {
    /// Starts a server over the intake store in `data_dir` with these creditors.
    pub fn start(data_dir: std::path::PathBuf, tokens: Tokens) -> Result<LocalServer, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("starting the intake runtime: {e}"))?;
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let cfg = ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            store: crate::server::StoreConfig::Sled(data_dir),
            tokens,
            body_limit: 16 * 1024 * 1024,
            max_concurrent: 8,
            limits: Default::default(),
        };
        let server = runtime.spawn(serve(
            cfg,
            move |a| {
                let _ = addr_tx.send(a);
            },
            async move {
                let _ = stopped.await;
            },
        ));
        let addr = match addr_rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Ok(a) => a,
            Err(_) => {
                let why = runtime
                    .block_on(server)
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
                    .err()
                    .unwrap_or_else(|| "it did not say where it listens".into());
                return Err(format!("the intake server did not start: {why}"));
            }
        };
        Ok(LocalServer {
            addr,
            runtime,
            stop,
            server,
        })
    }

    /// Stops the server after the requests in flight.
    pub fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.runtime.block_on(self.server);
    }
}
