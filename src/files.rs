//! Reading and writing the person's files, safely.
//!
//! - Reads are bounded: a file is checked to be a regular file (not
//!   `/dev/zero`, a FIFO or a directory) no bigger than what its kind can
//!   be, then read with that bound, and text that is not UTF-8 is reported
//!   with its line and column.
//! - Writes are atomic and go through symlinks: a dotfiles link such as
//!   `~/.aws/config -> ~/dotfiles/aws-config` stays a link and its target
//!   gets the new text (written beside the target, then renamed over it),
//!   with the mode the file had (a new file gets the mode given: 0600 for
//!   what holds secrets).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a file could not be read; `Display` is a full sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    Missing,
    NotAFile(&'static str),
    TooBig { bytes: u64, max: u64 },
    NotUtf8 { line: usize, column: usize },
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("there is no such file"),
            ReadError::NotAFile(kind) => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooBig { bytes, max } => {
                write!(f, "it has {bytes} bytes; at most {max} are read")
            }
            ReadError::NotUtf8 { line, column } => write!(
                f,
                "it is not UTF-8 text (an invalid byte at line {line}, column {column})"
            ),
            ReadError::Io(e) => f.write_str(e),
        }
    }
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a pipe"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The text of `path`: a regular file (symlinks followed) of at most `max`
/// bytes, in UTF-8.
pub(crate) fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ => ReadError::Io(e.to_string()),
    })?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind_of(&meta)));
    }
    if meta.len() > max {
        return Err(ReadError::TooBig {
            bytes: meta.len(),
            max,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > max {
        // It grew while it was read.
        return Err(ReadError::TooBig {
            bytes: bytes.len() as u64,
            max,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        ReadError::NotUtf8 { line, column }
    })
}

/// The file a write to `path` really changes: the final target when `path`
/// is a symlink (relative links resolved against the link's directory),
/// else `path` itself.
pub(crate) fn write_target(path: &Path) -> std::io::Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&target)?;
                target = match target.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(std::io::Error::other(format!(
        "{} is a loop of symbolic links",
        path.display()
    )))
}

/// Writes `bytes` to `path` atomically (a temporary file beside the real
/// target, synced, then renamed over it), through a symlink, with the
/// target's existing mode, or `new_mode` for a new file. Missing parent
/// directories are made (0700). Returns the file written.
pub(crate) fn write_atomically(
    path: &Path,
    bytes: &[u8],
    new_mode: u32,
) -> std::io::Result<PathBuf> {
    write_with_mode(path, bytes, |existing| existing.unwrap_or(new_mode))
}

/// Writes a token file: atomically, mode 0600, and never through a link.
/// A symlink where the token goes could send it anywhere (a file someone
/// else reads, a file it would overwrite): it is refused, naming the path,
/// and nothing is written. Unlike the person's own config files, whose
/// dotfiles links are kept by design ([`write_atomically`]).
pub(crate) fn write_token(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(std::io::Error::other(format!(
                "{} is a symbolic link: a token is never written through one (remove the link, then sign in again)",
                path.display()
            )))
        }
        Ok(m) if !m.is_file() => {
            return Err(std::io::Error::other(format!(
                "{} is {}, not a token file",
                path.display(),
                kind_of(&m)
            )))
        }
        _ => {}
    }
    write_with_mode(path, bytes, |_| 0o600)
}

/// Whether a secret's file can be read by others than its owner; if so it
/// is made 0600 (and `true` says it was). Pure of content: only the mode.
pub(crate) fn restrict_to_owner(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
    Ok(true)
}

fn write_with_mode(
    path: &Path,
    bytes: &[u8],
    mode_of: impl FnOnce(Option<u32>) -> u32,
) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let target = write_target(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
    }
    let mode = mode_of(match std::fs::metadata(&target) {
        Ok(m) => Some(m.permissions().mode() & 0o7777),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    });
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(target)
}

/// Copies `path` (through a symlink) to a timestamped file beside its
/// target, mode 0600 whatever the original's (it may hold secrets).
pub(crate) fn backup_copy(path: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let target = write_target(path)?;
    let stamp = humantime::format_rfc3339_millis(std::time::SystemTime::now())
        .to_string()
        .replace([':', '.'], "");
    let name = format!(
        "{}.ssosetup-backup-{stamp}",
        target.file_name().unwrap_or_default().to_string_lossy()
    );
    let backup = target.with_file_name(name);
    let mut from = std::fs::File::open(&target)?;
    let mut to = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&backup)?;
    std::io::copy(&mut from, &mut to)?;
    to.sync_all()?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_symlink_stays_a_link_and_its_target_gets_the_text_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        std::fs::create_dir(&dotfiles).unwrap();
        let target = dotfiles.join("aws-config");
        std::fs::write(&target, "[default]\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("dotfiles/aws-config", &link).unwrap();

        let backup = backup_copy(&link).unwrap();
        assert_eq!(backup.parent().unwrap(), dotfiles);
        assert_eq!(mode(&backup), 0o600);
        let written = write_atomically(&link, b"[default]\nregion = x\n", 0o600).unwrap();

        assert_eq!(written, dotfiles.join("aws-config"));
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "[default]\nregion = x\n"
        );
        assert_eq!(mode(&target), 0o640);
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "[default]\n");
    }

    #[test]
    fn a_token_is_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep me").unwrap();
        let link = dir.path().join("token.json");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let e = write_token(&link, b"{\"accessToken\":\"secret\"}").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
        std::fs::remove_file(&link).unwrap();
        let written = write_token(&link, b"{}").unwrap();
        assert_eq!(written, link);
        assert_eq!(mode(&link), 0o600);
        std::fs::set_permissions(&link, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(restrict_to_owner(&link).unwrap());
        assert_eq!(mode(&link), 0o600);
        assert!(!restrict_to_owner(&link).unwrap());
    }

    #[test]
    fn a_new_file_gets_the_given_mode_and_its_directories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/token.json");
        write_atomically(&path, b"{}", 0o600).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    }

    #[test]
    fn reads_refuse_devices_directories_big_files_and_say_where_utf8_breaks() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_text(Path::new("/dev/zero"), 1024),
            Err(ReadError::NotAFile("a device"))
        );
        assert_eq!(
            read_text(dir.path(), 1024),
            Err(ReadError::NotAFile("a directory"))
        );
        assert_eq!(
            read_text(&dir.path().join("none"), 1024),
            Err(ReadError::Missing)
        );
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 2048]).unwrap();
        assert_eq!(
            read_text(&big, 1024),
            Err(ReadError::TooBig {
                bytes: 2048,
                max: 1024
            })
        );
        let latin1 = dir.path().join("latin1");
        std::fs::write(&latin1, b"a = 1\nname = \"Jos\xe9\"\n").unwrap();
        assert_eq!(
            read_text(&latin1, 1024),
            Err(ReadError::NotUtf8 {
                line: 2,
                column: 12
            })
        );
        std::fs::write(&big, "ok").unwrap();
        assert_eq!(read_text(&big, 1024).unwrap(), "ok");
    }
}
