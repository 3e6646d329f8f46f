//! Where dry-run validations run (issue 13 item 4): a `workflow:read` token could make the
//! server run 200 endless Lua fixtures, each to its 1 s limit, on a blocking thread that
//! kept going after the client left. Now:
//!
//! - at most `[dry_run] workers` validations (one per core by default) run at once on a
//!   node; one more waits up to `queue_wait_ms` for a free worker, then gets 503 with
//!   `Retry-After`;
//! - one validation's Lua fixtures share `lua_budget_ms` (2 s by default): the fixtures it
//!   leaves are reported as `lua_fixture_not_run` warnings, never passed in silence
//!   (`ar_lua::BudgetedLuaChecker`);
//! - when the request goes away (the client disconnects, the handler's future is
//!   dropped), a cancel flag is raised that the Lua interrupt sees: the running fixture
//!   stops at once and no other starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};
use crate::settings::DryRunSettings;

/// What a job gets to run with: its Lua budget and the flag that cancels it.
pub struct JobLimits {
    pub lua_budget: Duration,
    pub cancel: Arc<AtomicBool>,
}

/// The bounded pool. Cheap to clone.
#[derive(Clone)]
pub struct ValidationPool {
    workers: Arc<Semaphore>,
    queue_wait: Duration,
    lua_budget: Duration,
}

/// Raises the job's cancel flag when the request's future ends, however it ends (raising
/// it after the job finished changes nothing).
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl ValidationPool {
    pub fn new(settings: &DryRunSettings) -> ValidationPool {
        ValidationPool {
            workers: Arc::new(Semaphore::new(settings.worker_count())),
            queue_wait: Duration::from_millis(settings.queue_wait_ms),
            lua_budget: Duration::from_millis(settings.lua_budget_ms),
        }
    }

    /// Runs `job` on a blocking thread once a worker is free. The worker stays taken until
    /// the job really ends, even if the request was dropped meanwhile, so the bound holds.
    pub async fn run<T, F>(&self, job: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(JobLimits) -> T + Send + 'static,
    {
        let permit = tokio::time::timeout(self.queue_wait, self.workers.clone().acquire_owned())
            .await
            .map_err(|_| busy(self.queue_wait))?
            .map_err(ApiError::internal)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let _cancel_on_drop = CancelOnDrop(cancel.clone());
        let limits = JobLimits {
            lua_budget: self.lua_budget,
            cancel,
        };
        tokio::task::spawn_blocking(move || {
            let _worker = permit;
            job(limits)
        })
        .await
        .map_err(ApiError::internal)
    }
}

/// 503 for a validation that found no free worker in time.
fn busy(waited: Duration) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the server is busy validating other graphs (waited {} ms for a free worker); retry in a moment",
            waited.as_millis()
        ),
    );
    error.retry_after = Some(1);
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn pool(workers: usize, queue_wait_ms: u64) -> ValidationPool {
        ValidationPool::new(&DryRunSettings {
            lua_budget_ms: 2_000,
            workers,
            queue_wait_ms,
        })
    }

    // Multi-threaded: the tests wait for their jobs with blocking receives.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_validation_beyond_the_workers_waits_briefly_then_gets_503() {
        let pool = pool(1, 100);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |_| {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
            })
        };
        started_rx.recv().expect("the first job started");
        let refused = pool.run(|_| ()).await.expect_err("no free worker");
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.retry_after, Some(1));
        release_tx.send(()).expect("release");
        holder.await.expect("join").expect("the first job ran");
        pool.run(|_| ()).await.expect("a worker is free again");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_request_raises_the_cancel_flag_of_its_job() {
        let pool = pool(1, 100);
        let (flag_tx, flag_rx) = std::sync::mpsc::channel();
        let request = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |limits| {
                    let _ = flag_tx.send(limits.cancel.clone());
                    let started = Instant::now();
                    while !limits.cancel.load(Ordering::Relaxed) {
                        assert!(
                            started.elapsed() < Duration::from_secs(10),
                            "never cancelled"
                        );
                        std::thread::sleep(Duration::from_millis(5));
                    }
                })
                .await
            })
        };
        let flag = flag_rx.recv().expect("the job started");
        assert!(!flag.load(Ordering::Relaxed));
        request.abort();
        let _ = request.await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while !flag.load(Ordering::Relaxed) {
            assert!(Instant::now() < deadline, "the flag was not raised");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The worker is released once the job has really ended.
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                if pool.run(|_| ()).await.is_ok() {
                    break;
                }
            }
        })
        .await
        .expect("the worker came back");
    }
}
