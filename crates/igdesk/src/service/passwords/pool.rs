//! The password-hashing pool: one thread of its own per core, started on first use,
//! running at the lowest CPU priority (nice 19, on Linux) below the rest of igdesk.
//!
//! Why threads of its own rather than tokio's blocking pool: a flood of sign-ins
//! keeps every hashing thread busy, and at the same priority as the async workers
//! those threads still take half of every core from them (measured on 2 cores, debug
//! build: webhook acknowledgement p99 from 35 ms alone to over 400 ms; release
//! build: p50 from 5 ms to 30–40 ms). The nice value is per thread only on Linux, so
//! the pool needs threads that run nothing else. At nice 19 the kernel gives a
//! runnable request-serving thread some 68 times a hashing thread's share (release
//! p50 under the flood as alone), and hashes still use every idle cycle.
//! At most one hash per core runs at once (more would only queue in the kernel); a
//! few more wait their turn, and beyond that a request is refused at once (`busy`)
//! rather than queued without end.

use crate::service::error::ServiceError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{oneshot, Semaphore};

/// Hashes waiting for a turn per hashing thread, beyond those running, before more
/// are refused: a second or so of work, so a person signing in during a flood waits
/// briefly or is told to try again, and waiting requests hold no memory without bound.
pub(super) const WAITING_PER_THREAD: usize = 16;

/// The hashing threads' nice value (0 to 19; 19 is the lowest priority).
const NICENESS: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

pub(super) struct Pool {
    pub(super) size: usize,
    turns: Arc<Semaphore>,
    /// Hashes running or waiting.
    in_line: AtomicUsize,
    jobs: mpsc::Sender<Job>,
}

pub(super) fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let size = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..size {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("igdesk-hash-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while waiting for the next job.
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match next {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("starting a password-hashing thread");
        }
        Pool {
            size,
            turns: Arc::new(Semaphore::new(size)),
            in_line: AtomicUsize::new(0),
            jobs,
        }
    })
}

/// This thread runs at [`NICENESS`]: on Linux the nice value belongs to the thread.
/// Elsewhere (where it would belong to the whole process) it is left alone.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICENESS) {
        tracing::warn!(error = %e, "cannot lower the password-hashing threads' priority");
    }
}

/// Leaves the line when the request is done with it (answered or dropped).
struct InLine(&'static Pool);

impl Drop for InLine {
    fn drop(&mut self) {
        self.0.in_line.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `work` on the pool. Refused with `busy` (unavailable, `retry_after` 1 s)
/// when too many are already waiting.
pub(super) async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    let pool = pool();
    let ahead = pool.in_line.fetch_add(1, Ordering::AcqRel);
    let _in_line = InLine(pool);
    if ahead >= pool.size * (1 + WAITING_PER_THREAD) {
        return Err(ServiceError {
            retry_after: Some(1),
            ..ServiceError::unavailable("busy", "too many sign-ins at once: try again in a moment")
        });
    }
    let turn = pool
        .turns
        .clone()
        .acquire_owned()
        .await
        .map_err(ServiceError::internal)?;
    let (done, answer) = oneshot::channel();
    // The turn goes with the work: a request dropped mid-hash does not free it before
    // the hash ends, so no more than `size` jobs are ever queued or running.
    let job: Job = Box::new(move || {
        let _turn = turn;
        if let Ok(result) = catch_unwind(AssertUnwindSafe(work)) {
            let _ = done.send(result);
        }
    });
    pool.jobs.send(job).map_err(ServiceError::internal)?;
    answer
        .await
        .map_err(|_| ServiceError::internal("a password hash failed"))
}
