//! Output files. What an output path names decides how it is written
//! ([`resolve_output`]):
//!
//! - `-` is standard output;
//! - a character device, FIFO or socket (`/dev/null`, a named pipe,
//!   `/dev/stdout`) is written straight through and never replaced;
//! - a regular file, or nothing yet, is written atomically: a temporary file
//!   beside it is filled, synced and renamed over it, so that an interrupted
//!   run never leaves a partial file or replaces a good one with a broken one.
//!
//! A symbolic link is followed to the path it names (which need not exist
//! yet), so the link stays a link and the file it points to gets the content.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the bytes for an output path go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `-`, `/dev/stdout` or this process's `/proc/PID/fd/1`: the process's standard output.
    Stdout,
    /// A character device, FIFO or socket (or another open file named through
    /// procfs): opened and written in place.
    Direct(PathBuf),
    /// A regular file or a path that does not exist yet, after symbolic links:
    /// replaced atomically.
    Atomic(PathBuf),
}

/// Symbolic links followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Decides where the output `path` goes; see [`Target`]. A directory, a block
/// device, a loop of links or a trailing `/` is the user's error; a directory
/// above the file that does not exist is an I/O error naming it.
pub fn resolve_output(path: &Path) -> Result<Target> {
    if path.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let s = path.to_string_lossy();
    if s.is_empty() {
        return Err(Error::input(
            "an empty output path; name a file (or - for standard output)",
        ));
    }
    if s.ends_with('/') || s.ends_with("/.") || s.ends_with("/..") || s == "." || s == ".." {
        return Err(is_a_directory(path));
    }
    let p = follow_links(path)?;
    let dir = p.parent().unwrap_or(Path::new("/"));
    if dir.starts_with("/proc") {
        // procfs's fd links (what /dev/stdout points to) name open files, not paths:
        // `pipe:[1234]` is no file to write beside. Open them in place.
        if dir == Path::new(&format!("/proc/{}/fd", std::process::id()))
            && p.file_name().is_some_and(|n| n == "1")
        {
            return Ok(Target::Stdout);
        }
        let m = std::fs::metadata(&p).map_err(|e| Error::io(path, e))?;
        if m.is_dir() {
            return Err(is_a_directory(path));
        }
        return Ok(Target::Direct(p));
    }
    let m = match std::fs::symlink_metadata(&p) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::Atomic(p)),
        Err(e) => return Err(Error::io(path, e)),
    };
    let t = m.file_type();
    if t.is_file() {
        return Ok(Target::Atomic(p));
    }
    if t.is_dir() {
        return Err(is_a_directory(path));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_fifo() || t.is_socket() {
            return Ok(Target::Direct(p));
        }
    }
    Err(Error::input(format!(
        "{}: is neither a regular file nor a character device, FIFO or socket \
         (a block device?); name a file to write",
        path.display()
    )))
}

fn is_a_directory(path: &Path) -> Error {
    Error::input(format!(
        "{}: is a directory; name a file to write (or - for standard output)",
        path.display()
    ))
}

/// Follows `path` through symbolic links to the path they end at, which need
/// not exist, with its directory made canonical. Stops at links under `/proc`
/// (procfs's fd links name open files, not paths). The directory must exist:
/// otherwise an I/O error that names it.
pub fn follow_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Some(name) = p.file_name().map(|n| n.to_os_string()) else {
            // "/", "..": a directory, never a link to follow.
            return std::fs::canonicalize(&p).map_err(|e| Error::io(path, e));
        };
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let dir = canonical_dir(path, dir)?;
        let here = dir.join(&name);
        if dir.starts_with("/proc") {
            return Ok(here);
        }
        match std::fs::symlink_metadata(&here) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&here).map_err(|e| Error::io(path, e))?;
                // A relative target is relative to the link's directory; an absolute one replaces it.
                p = dir.join(to);
            }
            _ => return Ok(here),
        }
    }
    Err(Error::input(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

/// `dir` made canonical; it must exist and be a directory.
fn canonical_dir(path: &Path, dir: &Path) -> Result<PathBuf> {
    let missing = |what: &str| {
        Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory {} {what}", dir.display()),
            ),
        )
    };
    match std::fs::canonicalize(dir) {
        Ok(d) if d.is_dir() => Ok(d),
        Ok(_) => Err(missing("is not a directory")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing("does not exist")),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// A fresh directory beside `path` to build a directory output in before it
/// is renamed into place: `.NAME.RANDOM.partial`, created exclusively by
/// `tempfile` with the mode a plain `mkdir` would give (0777 less the umask).
/// The caller renames or removes it.
pub fn temp_dir_beside(path: &Path) -> Result<PathBuf> {
    let (prefix, parent) = partial_name(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o777));
    }
    let dir = builder.tempdir_in(parent).map_err(|e| Error::io(path, e))?;
    Ok(dir.keep())
}

/// The prefix (`.NAME.`) and the folder of the temporary `.NAME.RANDOM.partial`
/// made beside `path`.
fn partial_name(path: &Path) -> (String, &Path) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    (format!(".{name}."), dir)
}

/// A temporary file created beside an output, to be renamed over it.
pub struct TempFile {
    /// The path the output is renamed to: the user's path after symbolic links.
    pub target: PathBuf,
    /// The temporary file's path, beside `target`.
    pub path: PathBuf,
    pub file: File,
}

/// Creates a fresh temporary file beside `target` (an [`Target::Atomic`]
/// path) with `tempfile` (a random name, created exclusively, so never
/// through a link or file already there; removed when dropped), named
/// `.NAME.RANDOM.partial`, with the permissions of the file it replaces, or
/// those a plain create would give (0666 less the umask). Errors name `user_path`.
fn create_temp(user_path: &Path, target: &Path) -> Result<tempfile::NamedTempFile> {
    let (prefix, dir) = partial_name(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    #[cfg(unix)]
    let replaced = {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.permissions().mode() & 0o777);
        // Passed to open(2), so the umask applies, as to any new file.
        builder.permissions(std::fs::Permissions::from_mode(mode.unwrap_or(0o666)));
        mode
    };
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io(user_path, e))?;
    #[cfg(unix)]
    if let Some(mode) = replaced {
        // The replaced file's mode exactly, whatever the umask.
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode));
    }
    log::debug!(
        "writing {} through {}",
        target.display(),
        tmp.path().display()
    );
    Ok(tmp)
}

/// A temporary file beside the regular file (or new path) `path` names, for
/// writers that rename it into place themselves (the GIF and video encoders).
/// Standard output, devices, FIFOs and sockets are refused: those outputs
/// need a seekable or replaceable file.
pub fn temp_beside(path: &Path) -> Result<TempFile> {
    match resolve_output(path)? {
        Target::Atomic(target) => {
            // The caller renames (or removes) it itself: kept past this function.
            let (file, tmp) = create_temp(path, &target)?
                .keep()
                .map_err(|e| Error::io(path, e.error))?;
            Ok(TempFile {
                target,
                path: tmp,
                file,
            })
        }
        Target::Stdout | Target::Direct(_) => Err(Error::input(format!(
            "{}: is not a regular file; this output must be written to a file",
            path.display()
        ))),
    }
}

/// Writes the output `path` (see [`resolve_output`]): `write` fills a
/// temporary file beside a regular file, which is synced and renamed over it
/// only when `write` succeeds (on error it is removed and `path` is
/// untouched); standard output, devices, FIFOs and sockets get the bytes
/// directly. Standard output closed early (`| head`) is no error.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match resolve_output(path)? {
        Target::Stdout => {
            let mut out = std::io::stdout().lock();
            let r = write(&mut out).and_then(|_| out.flush().map_err(|e| Error::io(path, e)));
            match r {
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(())
                }
                r => r,
            }
        }
        Target::Direct(p) => {
            let mut w = std::io::BufWriter::new(open_direct(&p).map_err(|e| Error::io(path, e))?);
            write(&mut w)?;
            w.flush().map_err(|e| Error::io(path, e))
        }
        Target::Atomic(target) => {
            // Removed on every path that does not persist it (tempfile's drop).
            let mut tmp = create_temp(path, &target)?;
            let mut w = std::io::BufWriter::new(tmp.as_file_mut());
            write(&mut w)?;
            w.flush().map_err(|e| Error::io(path, e))?;
            drop(w);
            tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
            tmp.persist(&target).map_err(|e| Error::io(path, e.error))?;
            Ok(())
        }
    }
}

/// Opens a device, FIFO or socket for writing. Appending: through procfs a
/// redirected standard error may be a regular file, whose content stays.
fn open_direct(p: &Path) -> std::io::Result<Box<dyn Write>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(p)?.file_type().is_socket() {
            return Ok(Box::new(std::os::unix::net::UnixStream::connect(p)?));
        }
    }
    Ok(Box::new(std::fs::OpenOptions::new().append(true).open(p)?))
}

/// Writes bytes to the output `path` (see [`write_atomic`]).
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| w.write_all(bytes).map_err(|e| Error::io(path, e)))
}
