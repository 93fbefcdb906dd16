//! The reading threads' pacing: files are indexed in file order, and a thread does not run
//! too far ahead of the file the indexing thread waits for.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How much passage text, in bytes, may wait for a slow file before the reading threads wait
/// too (see [`Turns`]).
pub(super) const READ_AHEAD_BYTES: usize = 32 * 1024 * 1024;

/// How far the indexing thread is, shared with the reading threads.
///
/// Passages are indexed in file order, so that the same corpus always makes the same index:
/// the same tantivy documents in the same order (documents of equal score rank in that order)
/// and the same figures file. Indexing files as they finish would never leave a core waiting
/// behind a slow file, but would make both depend on thread timing. Instead, files finished
/// ahead of their turn wait in a reorder buffer, and a reading thread does not start a file
/// while more than [`READ_AHEAD_BYTES`] of passage text waits there, unless it is the file
/// the indexing thread waits for (so every wait ends). With the bounded channel and one file
/// per reading thread, memory is bounded whatever the corpus size, and a slow file (a big PDF)
/// still leaves the other threads that much work to do meanwhile.
#[derive(Default)]
pub(super) struct Turns {
    state: Mutex<TurnState>,
    moved: Condvar,
}

#[derive(Default)]
pub(super) struct TurnState {
    /// The file the indexing thread waits for.
    next: usize,
    /// Passage text of files read ahead of their turn.
    waiting_bytes: usize,
    stop: bool,
}

impl Turns {
    pub(super) fn lock(&self) -> MutexGuard<'_, TurnState> {
        // the lock is never held across code that can panic; a poisoned state is still whole
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until file `i` may be read. `false`: the ingest is stopping.
    pub(super) fn wait_for(&self, i: usize) -> bool {
        let state = self
            .moved
            .wait_while(self.lock(), |s| {
                !s.stop && i != s.next && s.waiting_bytes > READ_AHEAD_BYTES
            })
            .unwrap_or_else(PoisonError::into_inner);
        !state.stop
    }

    pub(super) fn update(&self, next: usize, waiting_bytes: usize) {
        let mut state = self.lock();
        state.next = next;
        state.waiting_bytes = waiting_bytes;
        drop(state);
        self.moved.notify_all();
    }

    pub(super) fn stop(&self) {
        self.lock().stop = true;
        self.moved.notify_all();
    }
}

/// Lowers the calling reading thread's scheduling priority a little. The index writer's thread
/// is the ingest's critical path (it analyses every passage for each of its fields): with more
/// busy threads than cores, the reading threads then fill the time it leaves instead of taking
/// turns with it. PDF child processes started from the thread inherit its priority.
#[cfg(target_os = "linux")]
pub(super) fn lower_priority() {
    // SAFETY: `nice` only changes a scheduling attribute; on Linux it is the calling thread's.
    unsafe {
        libc::nice(5);
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn lower_priority() {}

/// Stops the ingest if its thread panics, so that no other thread waits for a file that
/// will never come.
pub(super) struct StopOnPanic<'a>(pub(super) &'a Turns);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_reader_waits_only_when_too_much_is_read_ahead_and_not_for_the_next_file() {
        let turns = Turns::default();
        turns.update(3, READ_AHEAD_BYTES + 1);
        // the file the indexing thread waits for never waits
        assert!(turns.wait_for(3));
        std::thread::scope(|scope| {
            let later = scope.spawn(|| turns.wait_for(5));
            std::thread::sleep(Duration::from_millis(50));
            assert!(!later.is_finished(), "read ahead over the limit");
            turns.update(4, READ_AHEAD_BYTES);
            assert!(later.join().unwrap_or(false));
            let stopped = scope.spawn(|| {
                turns.update(4, READ_AHEAD_BYTES + 1);
                turns.wait_for(6)
            });
            std::thread::sleep(Duration::from_millis(50));
            turns.stop();
            assert!(
                !stopped.join().unwrap_or(true),
                "stopping releases the readers"
            );
        });
    }
}
