//! Files incasso writes beside the user's (`NAME.rejected.csv`, `NAME.error.txt` in the inbox):
//! created without following a link someone planted at that name, so a write never lands outside
//! the folder it is meant for.

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates (or truncates) a regular file at `path`, refusing when `path` is a symbolic link.
pub fn create_no_follow(path: &Path) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other(format!(
            "{} is a link; refusing to write through it",
            path.display()
        )));
    }
    o.open(path).map_err(|e| {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::other(format!(
                "{} is a link; refusing to write through it",
                path.display()
            ))
        } else {
            e
        }
    })
}

/// Creates (or truncates) a file only its owner can read (mode 0600, also when it existed with a
/// wider mode), refusing a link at `path`: for summaries that may quote an upstream's answer.
pub fn create_private(path: &Path) -> io::Result<File> {
    let file = create_no_follow(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "keep me").unwrap();
        let link = dir.path().join("x.rejected.csv");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let e = super::create_no_follow(&link).unwrap_err();
        assert!(e.to_string().contains("is a link"), "{e}");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
        let plain = dir.path().join("y.rejected.csv");
        assert!(super::create_no_follow(&plain).is_ok());
    }
}
