//! One writer per index folder: an ingest holds an exclusive `flock` on `index/LOCK` for its
//! whole run, so a second ingest on the same folder refuses at once with a clear error instead
//! of racing the first. The kernel drops the lock when the holder exits, even on `kill -9`, so
//! a crashed ingest never leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const LOCK: &str = "LOCK";

/// Held while an ingest writes; dropping it releases the lock.
#[derive(Debug)]
pub struct IndexLock {
    _file: File,
    path: PathBuf,
}

impl IndexLock {
    /// Takes the lock on `index_dir` (created if missing), or fails with [`Error::Locked`]
    /// naming the process that holds it.
    pub fn acquire(index_dir: &Path) -> Result<IndexLock> {
        std::fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
        let path = index_dir.join(LOCK);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        if !try_lock(&file) {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            return Err(Error::Locked {
                path: index_dir.to_path_buf(),
                holder: holder.trim().to_string(),
            });
        }
        // who holds it, for the error message of the next one
        let _ = file.set_len(0);
        let _ = writeln!(file, "pid {}", std::process::id());
        Ok(IndexLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(unix)]
fn try_lock(file: &File) -> bool {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this `File` owns for its whole life.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = IndexLock::acquire(dir.path()).expect("first lock");
        let second = IndexLock::acquire(dir.path());
        match second {
            Err(Error::Locked { holder, .. }) => assert!(holder.starts_with("pid "), "{holder}"),
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(first);
        assert!(IndexLock::acquire(dir.path()).is_ok());
    }
}
