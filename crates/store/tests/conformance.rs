//! One conformance suite for the `Store` trait, run against SQLite in memory, SQLite on a
//! file and Postgres (each test in its own schema, dropped afterwards). Postgres must be
//! reachable: these tests fail, not skip, without it.

use std::sync::Arc;
use std::time::Duration;

use ar_store::*;
use serde_json::json;

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Clone, Copy)]
enum Kind {
    Memory,
    File,
    Postgres,
}

struct Db {
    store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl Db {
    async fn open(kind: Kind) -> Db {
        match kind {
            Kind::Memory => Db {
                store: Arc::new(
                    SqliteStore::open(SqliteConfig::in_memory())
                        .await
                        .expect("memory"),
                ),
                _dir: None,
                schema: None,
            },
            Kind::File => {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = SqliteStore::open(SqliteConfig::file(dir.path().join("s.db")))
                    .await
                    .expect("file");
                Db {
                    store: Arc::new(store),
                    _dir: Some(dir),
                    schema: None,
                }
            }
            Kind::Postgres => {
                let schema = format!("c_{}", uuid::Uuid::now_v7().simple());
                let store = PgStore::open(PgConfig::new(PG_URL).with_schema(&schema))
                    .await
                    .expect("Postgres must be reachable at 127.0.0.1:5432 (database test)");
                Db {
                    store: Arc::new(store),
                    _dir: None,
                    schema: Some(schema),
                }
            }
        }
    }
    async fn close(self) {
        self.store.close().await;
        if let Some(schema) = self.schema {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(PG_URL).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&mut c)
                .await
                .expect("drop");
        }
    }
}

fn pending(key: &str, deps: i64) -> StepRecord {
    StepRecord {
        step_key: key.into(),
        status: Some(StepStatus::Pending),
        deps_remaining: deps,
        ..Default::default()
    }
}

fn ready(key: &str) -> NewWork {
    NewWork {
        step_key: key.into(),
        kind: WorkKind::Step,
        attempt: 1,
        available_at: now_ms(),
    }
}

/// A run with steps a → b (and a lone root c when `with_c`).
fn new_run(id: &str, client: Option<&str>) -> NewRun {
    NewRun {
        id: id.into(),
        workflow_id: "wf".into(),
        version: Some(1),
        project_id: None,
        client_run_id: client.map(str::to_string),
        graph_hash: "h1".into(),
        graph: json!({"steps": []}),
        input: json!({"x": 1}),
        params: json!({}),
        resumed_from_run_id: None,
        steps: vec![pending("a", 0), pending("b", 1)],
        work: vec![ready("a")],
        events: vec![NewEvent::new("run_started", None, json!({}))],
        take: None,
    }
}

fn completed(key: &str) -> StepRecord {
    StepRecord {
        step_key: key.into(),
        status: Some(StepStatus::Completed),
        attempt: 1,
        result: Some(json!({"k": key})),
        ..Default::default()
    }
}

const LEASE: Duration = Duration::from_secs(30);

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite_memory { $( #[tokio::test] async fn $name() { super::$name(super::Kind::Memory).await } )* }
        mod sqlite_file { $( #[tokio::test] async fn $name() { super::$name(super::Kind::File).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(super::Kind::Postgres).await } )* }
    };
}

conformance!(
    create_run_writes_run_steps_events_and_ready_work,
    repeated_client_run_id_returns_existing_run,
    claim_leases_each_row_once_and_bumps_fencing_token,
    commit_with_stale_fence_is_refused_and_writes_nothing,
    commit_decrements_dependants_and_takes_ready_work,
    last_step_completion_completes_the_run,
    paused_run_work_is_not_claimable,
    requeue_with_backoff_delays_the_retry,
    human_task_completes_once,
    termination_cancels_running_and_blocks_pending,
    item_progress_queues_next_item_then_finalize,
    expired_lease_is_reclaimed_as_next_attempt,
    a_stale_fence_never_touches_another_runs_work,
    claim_takes_recovered_work_before_older_new_work,
    a_committer_takes_recovered_work_before_its_own_next_step,
    hand_back_returns_work_at_once_and_fences_out_the_old_holder,
    queue_stats_count_ready_leased_expired_and_scheduled_work,
);

async fn create_run_writes_run_steps_events_and_ready_work(k: Kind) {
    let db = Db::open(k).await;
    let created = db
        .store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    assert!(created.created);
    assert_eq!(created.run.status, RunStatus::Running);
    assert_eq!(created.run.open_steps, 2);
    assert_eq!(
        created.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1]
    );
    let steps = db.store.step_states("r1", None).await.expect("steps");
    assert_eq!(steps.len(), 2);
    assert_eq!(
        db.store.get_graph("h1").await.expect("graph"),
        Some(json!({"steps": []}))
    );
    let claimed = db.store.claim("n1", 10, LEASE).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].step_key, "a");
    assert_eq!(claimed[0].attempt, 1);
    db.close().await;
}

async fn repeated_client_run_id_returns_existing_run(k: Kind) {
    let db = Db::open(k).await;
    let first = db
        .store
        .create_run(new_run("r1", Some("c1")))
        .await
        .expect("create");
    let second = db
        .store
        .create_run(new_run("r2", Some("c1")))
        .await
        .expect("create again");
    assert!(first.created);
    assert!(!second.created);
    assert_eq!(second.run.id, "r1");
    assert!(db.store.get_run("r2").await.expect("read").is_none());
    db.close().await;
}

async fn claim_leases_each_row_once_and_bumps_fencing_token(k: Kind) {
    let db = Db::open(k).await;
    let mut run = new_run("r1", None);
    run.steps = (0..20).map(|i| pending(&format!("s{i}"), 0)).collect();
    run.work = (0..20).map(|i| ready(&format!("s{i}"))).collect();
    db.store.create_run(run).await.expect("create");
    let (a, b) = tokio::join!(
        db.store.claim("n1", 15, LEASE),
        db.store.claim("n2", 15, LEASE)
    );
    let (a, b) = (a.expect("claim a"), b.expect("claim b"));
    assert_eq!(a.len() + b.len(), 20, "every row leased exactly once");
    let mut keys: Vec<String> = a
        .iter()
        .chain(b.iter())
        .map(|w| w.step_key.clone())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 20);
    assert!(a.iter().chain(b.iter()).all(|w| w.fencing_token == 1));
    assert!(
        db.store
            .claim("n3", 10, LEASE)
            .await
            .expect("claim")
            .is_empty()
    );
    db.close().await;
}

async fn commit_with_stale_fence_is_refused_and_writes_nothing(k: Kind) {
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    let w = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    let stale = WorkFence {
        work_id: w.id,
        token: w.fencing_token + 7,
    };
    let err = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![stale],
            steps: vec![completed("a")],
            events: vec![NewEvent::new("step_completed", Some("a"), json!({}))],
            ..Default::default()
        })
        .await
        .expect_err("stale fence refused");
    assert!(err.is_stale_lease(), "{err}");
    let a = db
        .store
        .step_state("r1", "a")
        .await
        .expect("read")
        .expect("a");
    assert_eq!(
        a.status(),
        StepStatus::Pending,
        "nothing of the refused commit was written"
    );
    assert_eq!(db.store.events("r1", 0, 10).await.expect("events").len(), 1);
    db.close().await;
}

async fn commit_decrements_dependants_and_takes_ready_work(k: Kind) {
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    let w = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    let out = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![w.fence()],
            steps: vec![completed("a")],
            done: vec![StepDone {
                step_key: "a".into(),
                dependants: vec!["b".into()],
            }],
            events: vec![
                NewEvent::new("step_completed", Some("a"), json!({})),
                NewEvent::new("x", None, json!({})),
            ],
            take: Some(TakeLease {
                owner: "n1".into(),
                lease_ms: 30_000,
                max: 1,
            }),
            ..Default::default()
        })
        .await
        .expect("commit");
    assert_eq!(
        out.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![2, 3],
        "consecutive per-run seqs"
    );
    assert_eq!(out.taken.len(), 1);
    assert_eq!(out.taken[0].step_key, "b");
    assert!(
        db.store
            .claim("n2", 10, LEASE)
            .await
            .expect("claim")
            .is_empty(),
        "taken work is leased"
    );
    db.close().await;
}

async fn last_step_completion_completes_the_run(k: Kind) {
    let db = Db::open(k).await;
    let mut run = new_run("r1", None);
    run.steps = vec![pending("a", 0)];
    db.store.create_run(run).await.expect("create");
    let w = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    let out = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![w.fence()],
            steps: vec![completed("a")],
            ..Default::default()
        })
        .await
        .expect("commit");
    assert_eq!(out.run_status, Some(RunStatus::Completed));
    assert_eq!(
        out.events.last().map(|e| e.kind.as_str()),
        Some("run_completed")
    );
    let run = db.store.get_run("r1").await.expect("read").expect("run");
    assert_eq!(run.status, RunStatus::Completed);
    assert!(run.finished_at.is_some());
    db.close().await;
}

async fn paused_run_work_is_not_claimable(k: Kind) {
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    let pause = Commit {
        run_id: "r1".into(),
        expect_status: Some(vec![RunStatus::Running]),
        run: Some(RunUpdate {
            status: Some(RunStatus::Paused),
            ..Default::default()
        }),
        ..Default::default()
    };
    db.store.commit(pause.clone()).await.expect("pause");
    assert!(
        db.store
            .claim("n1", 10, LEASE)
            .await
            .expect("claim")
            .is_empty()
    );
    let again = db
        .store
        .commit(pause)
        .await
        .expect_err("pausing a paused run conflicts");
    assert!(again.is_conflict());
    db.store
        .commit(Commit {
            run_id: "r1".into(),
            run: Some(RunUpdate {
                status: Some(RunStatus::Running),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("resume");
    assert_eq!(
        db.store.claim("n1", 10, LEASE).await.expect("claim").len(),
        1
    );
    db.close().await;
}

async fn requeue_with_backoff_delays_the_retry(k: Kind) {
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    let w = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    let at = now_ms() + 300;
    db.store
        .commit(Commit {
            run_id: "r1".into(),
            requeue: vec![Requeue {
                fence: w.fence(),
                attempt: 2,
                available_at: at,
            }],
            ..Default::default()
        })
        .await
        .expect("requeue");
    assert!(
        db.store
            .claim("n1", 1, LEASE)
            .await
            .expect("claim")
            .is_empty(),
        "not before the backoff"
    );
    let next = db
        .store
        .next_wakeup()
        .await
        .expect("next")
        .expect("a wake-up time");
    assert_eq!(next, at);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let again = db.store.claim("n1", 1, LEASE).await.expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 2);
    db.close().await;
}

async fn human_task_completes_once(k: Kind) {
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    let task = HumanTaskRecord {
        run_id: "r1".into(),
        step_id: "a".into(),
        task_type: "approval".into(),
        payload: json!({"t": 1}),
        status: "pending".into(),
        approved: None,
        result: None,
        completed_by: None,
        created_at: now_ms(),
        expires_at: None,
        completed_at: None,
    };
    db.store
        .commit(Commit {
            run_id: "r1".into(),
            tasks: vec![TaskWrite {
                task: task.clone(),
                expect_pending: false,
            }],
            ..Default::default()
        })
        .await
        .expect("park");
    assert_eq!(
        db.store.pending_human_tasks(10).await.expect("list").len(),
        1
    );
    let done = HumanTaskRecord {
        status: "completed".into(),
        approved: Some(true),
        ..task
    };
    let complete = Commit {
        run_id: "r1".into(),
        tasks: vec![TaskWrite {
            task: done,
            expect_pending: true,
        }],
        ..Default::default()
    };
    db.store
        .commit(complete.clone())
        .await
        .expect("first completion");
    let second = db
        .store
        .commit(complete)
        .await
        .expect_err("second completion");
    assert!(second.is_conflict(), "{second}");
    let stored = db
        .store
        .human_task("r1", "a")
        .await
        .expect("read")
        .expect("task");
    assert_eq!(stored.approved, Some(true));
    assert!(
        db.store
            .pending_human_tasks(10)
            .await
            .expect("list")
            .is_empty()
    );
    db.close().await;
}

async fn termination_cancels_running_and_blocks_pending(k: Kind) {
    let db = Db::open(k).await;
    let mut run = new_run("r1", None);
    run.steps = vec![pending("a", 0), pending("b", 0), pending("c", 1)];
    run.work = vec![ready("a"), ready("b")];
    db.store.create_run(run).await.expect("create");
    let claimed = db.store.claim("n1", 2, LEASE).await.expect("claim");
    let running = StepRecord {
        step_key: "b".into(),
        status: Some(StepStatus::Running),
        attempt: 1,
        ..Default::default()
    };
    let failed = StepRecord {
        step_key: "a".into(),
        status: Some(StepStatus::Failed),
        attempt: 1,
        ..Default::default()
    };
    db.store
        .commit(Commit {
            run_id: "r1".into(),
            steps: vec![running],
            ..Default::default()
        })
        .await
        .expect("mark");
    let a = claimed
        .iter()
        .find(|w| w.step_key == "a")
        .expect("a claimed");
    let out = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![a.fence()],
            steps: vec![failed],
            terminate: Some(Termination {
                status: RunStatus::Failed,
                failure_code: Some("X".into()),
                error: Some("boom".into()),
                cancel_reason: "run_failed".into(),
                skip_reason: "blocked".into(),
                caused_by_step_id: Some("a".into()),
            }),
            ..Default::default()
        })
        .await
        .expect("fail");
    assert_eq!(out.run_status, Some(RunStatus::Failed));
    let b = db
        .store
        .step_state("r1", "b")
        .await
        .expect("read")
        .expect("b");
    assert_eq!(
        (
            b.status(),
            b.reason.as_deref(),
            b.caused_by_step_id.as_deref()
        ),
        (StepStatus::Cancelled, Some("run_failed"), Some("a"))
    );
    let c = db
        .store
        .step_state("r1", "c")
        .await
        .expect("read")
        .expect("c");
    assert_eq!(
        (c.status(), c.skipped, c.reason.as_deref()),
        (StepStatus::Completed, true, Some("blocked"))
    );
    let b_work = claimed
        .iter()
        .find(|w| w.step_key == "b")
        .expect("b claimed");
    let late = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![b_work.fence()],
            ..Default::default()
        })
        .await;
    assert!(
        late.expect_err("work of a failed run is gone")
            .is_stale_lease()
    );
    let run = db.store.get_run("r1").await.expect("read").expect("run");
    assert_eq!(
        (run.status, run.failure_code.as_deref()),
        (RunStatus::Failed, Some("X"))
    );
    db.close().await;
}

async fn item_progress_queues_next_item_then_finalize(k: Kind) {
    let db = Db::open(k).await;
    let mut run = new_run("r1", None);
    run.steps = vec![StepRecord {
        step_key: "loop".into(),
        status: Some(StepStatus::Running),
        loop_total: Some(3),
        loop_next: Some(2),
        loop_done: Some(0),
        ..Default::default()
    }];
    run.work = vec![
        NewWork {
            step_key: "loop#0".into(),
            kind: WorkKind::Item,
            attempt: 1,
            available_at: now_ms(),
        },
        NewWork {
            step_key: "loop#1".into(),
            kind: WorkKind::Item,
            attempt: 1,
            available_at: now_ms(),
        },
    ];
    db.store.create_run(run).await.expect("create");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let w = db
            .store
            .claim("n1", 1, LEASE)
            .await
            .expect("claim")
            .remove(0);
        seen.push(w.step_key.clone());
        db.store
            .commit(Commit {
                run_id: "r1".into(),
                finish: vec![w.fence()],
                items_done: vec![ItemDone {
                    parent_key: "loop".into(),
                }],
                ..Default::default()
            })
            .await
            .expect("item done");
    }
    seen.sort();
    assert_eq!(seen, vec!["loop#0", "loop#1", "loop#2"]);
    let fin = db.store.claim("n1", 5, LEASE).await.expect("claim");
    assert_eq!(fin.len(), 1);
    assert_eq!(
        (fin[0].kind, fin[0].step_key.as_str()),
        (WorkKind::Finalize, "loop")
    );
    db.close().await;
}

async fn expired_lease_is_reclaimed_as_next_attempt(k: Kind) {
    // Long enough that the second claim below comes before it expires even on a loaded
    // machine (at 100 ms it did not always, on Postgres beside a build).
    const SHORT: Duration = Duration::from_millis(1_000);
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create");
    let first = db
        .store
        .claim("n1", 1, SHORT)
        .await
        .expect("claim")
        .remove(0);
    assert!(
        db.store
            .claim("n2", 1, LEASE)
            .await
            .expect("claim")
            .is_empty(),
        "a live lease is not taken over"
    );
    tokio::time::sleep(SHORT + Duration::from_millis(50)).await;
    let second = db
        .store
        .claim("n2", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    assert_eq!(second.id, first.id);
    assert_eq!(second.attempt, 2);
    assert!(second.fencing_token > first.fencing_token);
    let late = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![first.fence()],
            ..Default::default()
        })
        .await;
    assert!(
        late.expect_err("the first holder's commit is refused")
            .is_stale_lease()
    );
    db.close().await;
}

/// Regression: SQLite reused the id of a deleted work row for the next insert, so a worker
/// still holding a stopped run's fence (same id, same first token) deleted the new run's
/// ready step, and that run never advanced.
async fn a_stale_fence_never_touches_another_runs_work(k: Kind) {
    let db = Db::open(k).await;
    db.store
        .create_run(new_run("r1", None))
        .await
        .expect("create r1");
    let old = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    // The run is stopped while its step is in flight: its work rows are deleted.
    db.store
        .commit(Commit {
            run_id: "r1".into(),
            terminate: Some(Termination {
                status: RunStatus::Stopped,
                failure_code: None,
                error: None,
                cancel_reason: "run_stopped".into(),
                skip_reason: "blocked".into(),
                caused_by_step_id: None,
            }),
            ..Default::default()
        })
        .await
        .expect("stop r1");
    db.store
        .create_run(new_run("r2", None))
        .await
        .expect("create r2");
    let new = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    assert_eq!(new.run_id, "r2");
    assert_ne!(
        new.id, old.id,
        "a deleted work row's id is never given to a new row"
    );
    // The stopped run's worker finishes its (gone) work: refused, and r2's work is intact.
    let err = db
        .store
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![old.fence()],
            ..Default::default()
        })
        .await
        .expect_err("the stopped run's fence is stale");
    assert!(err.is_stale_lease(), "{err}");
    // A fence of another run's live row is refused too, whatever its id and token.
    db.store
        .create_run(new_run("r3", None))
        .await
        .expect("create r3");
    let other = db
        .store
        .claim("n1", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    assert_eq!(other.run_id, "r3");
    let err = db
        .store
        .commit(Commit {
            run_id: "r2".into(),
            finish: vec![other.fence()],
            ..Default::default()
        })
        .await
        .expect_err("a fence of another run's row");
    assert!(err.is_stale_lease(), "{err}");
    for w in [&new, &other] {
        db.store
            .commit(Commit {
                run_id: w.run_id.clone(),
                finish: vec![w.fence()],
                steps: vec![completed("a")],
                done: vec![StepDone {
                    step_key: "a".into(),
                    dependants: vec!["b".into()],
                }],
                ..Default::default()
            })
            .await
            .expect("the live work is still held and finishes");
    }
    db.close().await;
}

/// A run of one ready step `a` whose queue row became available at `available_at`.
fn one_step_run(id: &str, available_at: i64) -> NewRun {
    let mut run = new_run(id, None);
    run.steps = vec![pending("a", 0)];
    run.work = vec![NewWork {
        available_at,
        ..ready("a")
    }];
    run
}

/// Regression (issue 12, finding 2): recovered work waited behind newer work. Work whose
/// lease expired, or that was handed back, is claimed before rows that merely became
/// ready earlier.
async fn claim_takes_recovered_work_before_older_new_work(k: Kind) {
    let db = Db::open(k).await;
    let s = &db.store;
    s.create_run(one_step_run("expired", now_ms()))
        .await
        .expect("create");
    let dead = s
        .claim("dead", 1, Duration::from_millis(100))
        .await
        .expect("claim")
        .remove(0);
    s.create_run(one_step_run("handed", now_ms()))
        .await
        .expect("create");
    let stopping = s
        .claim("stopping", 1, LEASE)
        .await
        .expect("claim")
        .remove(0);
    assert_eq!(stopping.run_id, "handed");
    let handed = HandBack {
        fence: stopping.fence(),
        attempt: 2,
    };
    assert_eq!(
        s.hand_back("stopping", &[handed]).await.expect("hand back"),
        1
    );
    // Two runs whose rows have waited longer than either recovered row.
    s.create_run(one_step_run("old1", 1)).await.expect("create");
    s.create_run(one_step_run("old2", 2)).await.expect("create");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let first = s.claim("n", 2, LEASE).await.expect("claim");
    let mut runs: Vec<&str> = first.iter().map(|w| w.run_id.as_str()).collect();
    runs.sort();
    assert_eq!(runs, ["expired", "handed"], "recovered work first");
    let expired = first
        .iter()
        .find(|w| w.run_id == "expired")
        .expect("expired");
    assert_eq!(
        (expired.id, expired.attempt),
        (dead.id, 2),
        "an expired lease is retaken as the next attempt"
    );
    let handed = first.iter().find(|w| w.run_id == "handed").expect("handed");
    assert_eq!(
        handed.attempt, 2,
        "a handed-back row runs as the attempt it was handed back with"
    );
    let rest: Vec<String> = s
        .claim("n", 5, LEASE)
        .await
        .expect("claim")
        .into_iter()
        .map(|w| w.run_id)
        .collect();
    assert_eq!(rest, ["old1", "old2"], "then the rest, oldest first");
    db.close().await;
}

/// Regression (issue 12, finding 2): a worker that commits a step took its own run's next
/// step straight away, so recovered work waited until a run ended. The committer now takes
/// the recovered work, and its own next step goes to the queue for someone else.
async fn a_committer_takes_recovered_work_before_its_own_next_step(k: Kind) {
    let db = Db::open(k).await;
    let s = &db.store;
    s.create_run(one_step_run("other", now_ms()))
        .await
        .expect("create");
    s.claim("dead", 1, Duration::from_millis(100))
        .await
        .expect("claim");
    s.create_run(new_run("chain", None)).await.expect("create");
    let a = s.claim("n1", 1, LEASE).await.expect("claim").remove(0);
    assert_eq!(a.run_id, "chain");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let out = s
        .commit(Commit {
            run_id: "chain".into(),
            finish: vec![a.fence()],
            steps: vec![completed("a")],
            done: vec![StepDone {
                step_key: "a".into(),
                dependants: vec!["b".into()],
            }],
            take: Some(TakeLease {
                owner: "n1".into(),
                lease_ms: 30_000,
                max: 1,
            }),
            ..Default::default()
        })
        .await
        .expect("commit");
    let taken: Vec<(&str, &str, i64)> = out
        .taken
        .iter()
        .map(|w| (w.run_id.as_str(), w.step_key.as_str(), w.attempt))
        .collect();
    assert_eq!(
        taken,
        [("other", "a", 2)],
        "the recovered work, not the chain's next step"
    );
    assert!(
        out.created_work,
        "the chain's next step is left for others to claim"
    );
    let b = s.claim("n2", 5, LEASE).await.expect("claim");
    assert_eq!(
        b.iter()
            .map(|w| (w.run_id.as_str(), w.step_key.as_str()))
            .collect::<Vec<_>>(),
        [("chain", "b")]
    );
    db.close().await;
}

/// Regression (issue 12, finding 3): a node stopping gracefully kept its leases, so the
/// others waited for them to expire. Handing work back makes it claimable at once, as the
/// attempt the holder names; the old holder's fence is dead from then on.
async fn hand_back_returns_work_at_once_and_fences_out_the_old_holder(k: Kind) {
    let db = Db::open(k).await;
    let s = &db.store;
    s.create_run(new_run("r1", None)).await.expect("create");
    let held = s.claim("n1", 1, LEASE).await.expect("claim").remove(0);
    let back = HandBack {
        fence: held.fence(),
        attempt: 2,
    };
    assert_eq!(
        s.hand_back("someone-else", &[back])
            .await
            .expect("hand back"),
        0,
        "only the holder hands back"
    );
    assert_eq!(s.hand_back("n1", &[back]).await.expect("hand back"), 1);
    assert_eq!(
        s.hand_back("n1", &[back]).await.expect("hand back"),
        0,
        "a second hand-back is a no-op"
    );
    let late = s
        .commit(Commit {
            run_id: "r1".into(),
            finish: vec![held.fence()],
            ..Default::default()
        })
        .await
        .expect_err("the old holder's commit");
    assert!(late.is_stale_lease(), "{late}");
    let again = s.claim("n2", 1, LEASE).await.expect("claim").remove(0);
    assert_eq!((again.id, again.attempt), (held.id, 2));
    assert!(
        again.fencing_token > held.fencing_token + 1,
        "the hand-back and the claim each moved the token"
    );
    // Work handed back without having started keeps its attempt.
    let kept = HandBack {
        fence: again.fence(),
        attempt: again.attempt,
    };
    assert_eq!(s.hand_back("n2", &[kept]).await.expect("hand back"), 1);
    assert_eq!(
        s.claim("n3", 1, LEASE)
            .await
            .expect("claim")
            .remove(0)
            .attempt,
        2
    );
    db.close().await;
}

/// SQLite releases a dead process's leases at start-up; that work is recovered work too,
/// claimed before rows that waited longer.
#[tokio::test]
async fn sqlite_released_leases_are_claimed_before_older_new_work() {
    let db = Db::open(Kind::File).await;
    let s = &db.store;
    s.create_run(one_step_run("in_flight", now_ms()))
        .await
        .expect("create");
    let held = s.claim("gone", 1, LEASE).await.expect("claim").remove(0);
    s.create_run(one_step_run("waiting", 1))
        .await
        .expect("create");
    assert_eq!(s.release_all_leases().await.expect("release"), 1);
    let first = s.claim("n", 1, LEASE).await.expect("claim").remove(0);
    assert_eq!((first.id, first.attempt), (held.id, 2));
    db.close().await;
}

/// `/metrics` reads the queue through `queue_stats`: each row is counted in exactly one
/// bucket, and the oldest ready row's age is when it became claimable.
async fn queue_stats_count_ready_leased_expired_and_scheduled_work(k: Kind) {
    let db = Db::open(k).await;
    let empty = db.store.queue_stats(now_ms()).await.expect("stats");
    assert_eq!(empty, QueueStats::default());
    // Three runs, one ready row each ("a").
    for id in ["r1", "r2", "r3"] {
        db.store
            .create_run(new_run(id, None))
            .await
            .expect("create");
    }
    let now = now_ms();
    let stats = db.store.queue_stats(now).await.expect("stats");
    assert_eq!(
        (
            stats.ready,
            stats.leased,
            stats.expired_leases,
            stats.scheduled
        ),
        (3, 0, 0, 0)
    );
    let oldest = stats.oldest_ready_since.expect("ready rows have an age");
    assert!(oldest <= now, "{oldest} <= {now}");

    // r1's row leased for long, r2's for 100 ms (it expires), r3's requeued for later.
    let mut claimed = db.store.claim("n1", 3, LEASE).await.expect("claim");
    assert_eq!(claimed.len(), 3);
    claimed.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    let r3 = claimed.pop().expect("r3");
    db.store
        .commit(Commit {
            run_id: "r3".into(),
            requeue: vec![Requeue {
                fence: r3.fence(),
                attempt: 2,
                available_at: now_ms() + 60_000,
            }],
            ..Default::default()
        })
        .await
        .expect("requeue");
    // r2's lease: give it back as a short one by letting a new claimer see it expire.
    let lost = db
        .store
        .extend_leases(&[claimed[1].fence()], Duration::from_millis(50))
        .await
        .expect("extend");
    assert!(lost.is_empty());
    tokio::time::sleep(Duration::from_millis(120)).await;
    let stats = db.store.queue_stats(now_ms()).await.expect("stats");
    assert_eq!(
        (
            stats.ready,
            stats.leased,
            stats.expired_leases,
            stats.scheduled
        ),
        (1, 1, 1, 1),
        "r2 is ready again through its expired lease: {stats:?}"
    );
    assert!(stats.oldest_ready_since.is_some());
    db.close().await;
}
