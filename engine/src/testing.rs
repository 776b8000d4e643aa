//! Helpers the engine's tests share.

use std::path::Path;

use crate::import::{import_paths, ImportOptions};
use crate::reporter::Collect;
use crate::Workspace;

/// Imports one file (or folder) into `ws`, asserting nothing in it failed.
pub(crate) fn import(ws: &Workspace, file: &Path) {
    let t = import_paths(
        ws,
        &[file.to_path_buf()],
        &ImportOptions::default(),
        &Collect::default(),
    )
    .unwrap();
    assert_eq!(t.failed, 0, "{}", file.display());
}
