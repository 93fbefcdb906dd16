//! Runs a child process under a time limit and an address-space limit, collecting its output:
//! the one bounded-process runner that both the pdf-extract worker ([`isolate`](super::isolate))
//! and the `pdftotext` fallback use, so neither depends on the other.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Time and memory granted to one extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub timeout: Duration,
    /// Address-space limit of the child process, in MiB.
    pub memory_mb: u64,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            timeout: Duration::from_secs(60),
            memory_mb: 4096,
        }
    }
}

/// A child process's result.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug)]
pub enum RunError {
    Spawn(String),
    TimedOut(Duration),
}

/// Runs a command with no stdin, collecting stdout and stderr, killing it when it outlives
/// `bounds.timeout`; its address space is capped at `bounds.memory_mb`.
pub fn run_bounded(mut command: Command, bounds: &Bounds) -> Result<Output, RunError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_memory(&mut command, bounds.memory_mb);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| RunError::Spawn(e.to_string()))?;
    let (done_tx, done_rx) = mpsc::channel();
    let stdout = child.stdout.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stdout {
            let _ = s.read_to_end(&mut buf);
        }
        let _ = done_tx.send(());
        buf
    });
    let stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stderr {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let kill = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    // stdout closes when the child exits; then wait for its status, still within the limit
    if done_rx.recv_timeout(bounds.timeout).is_err() {
        kill(&mut child);
        return Err(RunError::TimedOut(bounds.timeout));
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < bounds.timeout => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Ok(None) => {
                kill(&mut child);
                return Err(RunError::TimedOut(bounds.timeout));
            }
            Err(e) => return Err(RunError::Spawn(e.to_string())),
        }
    };
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

#[cfg(unix)]
fn limit_memory(command: &mut Command, memory_mb: u64) {
    use std::os::unix::process::CommandExt;
    let bytes = memory_mb.saturating_mul(1024 * 1024) as libc::rlim_t;
    // SAFETY: between fork and exec only async-signal-safe calls are allowed; setrlimit is one,
    // and the closure allocates nothing.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn limit_memory(_command: &mut Command, _memory_mb: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_children_are_killed_at_the_limit() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30"]);
        let bounds = Bounds {
            timeout: Duration::from_millis(200),
            memory_mb: 512,
        };
        let started = Instant::now();
        assert!(matches!(
            run_bounded(command, &bounds),
            Err(RunError::TimedOut(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn output_and_status_come_back() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let output = run_bounded(command, &Bounds::default()).expect("runs");
        assert_eq!(output.stdout, b"out\n");
        assert_eq!(output.stderr, b"err\n");
        assert_eq!(output.status.code(), Some(3));
    }
}
