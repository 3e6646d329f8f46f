//! The pool keeps owners apart and caps stdio children (issue 13 item 6): against the
//! Python fixture server over stdio.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ar_mcp::{
    CallOptions, ChildLimits, McpClientPool, McpError, McpTarget, Owner, PoolConfig,
    ProtocolPreference,
};
use serde_json::json;

fn pool(limits: ChildLimits) -> Arc<McpClientPool> {
    McpClientPool::new(PoolConfig {
        connect: common::loopback_options(ProtocolPreference::Auto),
        idle_timeout: Duration::from_secs(600),
        children: limits,
    })
}

/// The fixture server with its own command line per `n` (a distinct target).
fn fixture(n: u32) -> McpTarget {
    common::python_stdio().with_credential("FIXTURE_TOKEN", format!("token-{n}"))
}

async fn pid(pool: &McpClientPool, owner: &Owner, target: &McpTarget) -> u32 {
    let client = pool.client(owner, target).await.expect("client");
    client.pid().expect("a stdio child has a pid")
}

/// Keeps one call on `target` busy for `seconds` in the background.
fn busy(
    pool: &Arc<McpClientPool>,
    owner: &Owner,
    target: &McpTarget,
    seconds: f64,
) -> tokio::task::JoinHandle<Result<serde_json::Value, McpError>> {
    let (pool, owner, target) = (Arc::clone(pool), owner.clone(), target.clone());
    tokio::spawn(async move {
        pool.call_tool(
            &owner,
            &target,
            "sleep",
            json!({"seconds": seconds}),
            &CallOptions::with_timeout(Duration::from_secs(60)),
        )
        .await
    })
}

/// Waits until `count` children are running or starting.
async fn wait_for_children(pool: &McpClientPool, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while pool.stdio_children() < count {
        assert!(
            Instant::now() < deadline,
            "{} children",
            pool.stdio_children()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_owner_gets_its_own_child_for_the_same_target() {
    let pool = pool(ChildLimits::default());
    let target = fixture(1);
    let a = Owner::workspace("a");
    let b = Owner::workspace("b");
    let first = pid(&pool, &a, &target).await;
    assert_eq!(
        pid(&pool, &a, &target).await,
        first,
        "reused within an owner"
    );
    let of_b = pid(&pool, &b, &target).await;
    let of_a_discovery = pid(&pool, &a.clone().for_discovery(), &target).await;
    assert_ne!(of_b, first, "another workspace got the same child");
    assert_ne!(
        of_a_discovery, first,
        "discovery shares no connection with runs"
    );
    assert_ne!(of_a_discovery, of_b);
    assert_eq!(pool.stdio_children(), 3);
    pool.evict(&a.clone().for_discovery(), &target).await;
    assert_eq!(pool.stdio_children(), 2);
    assert_eq!(pid(&pool, &a, &target).await, first, "runs kept theirs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_leaves_a_connection_with_a_call_running() {
    let pool = pool(ChildLimits::default());
    let owner = Owner::workspace("a").for_discovery();
    let target = fixture(1);
    let running = busy(&pool, &owner, &target, 2.0);
    wait_for_children(&pool, 1).await;
    // Connected and calling (the child counts from before its spawn, so wait for it).
    let started = pid(&pool, &owner, &target).await;
    pool.release(&owner, &target).await;
    assert!(
        running.await.expect("task").is_ok(),
        "the running call was cut"
    );
    assert_eq!(pid(&pool, &owner, &target).await, started);
    pool.release(&owner, &target).await;
    assert_eq!(pool.stdio_children(), 0, "released once idle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_cap_the_least_recently_used_idle_child_makes_room() {
    let pool = pool(ChildLimits {
        total: 3,
        per_workspace: 2,
    });
    let a = Owner::workspace("a");
    let b = Owner::workspace("b");
    let a1 = pid(&pool, &a, &fixture(1)).await;
    let a2 = pid(&pool, &a, &fixture(2)).await;
    // Used again: now fixture(1) is the more recently used.
    assert_eq!(pid(&pool, &a, &fixture(1)).await, a1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    pid(&pool, &a, &fixture(3)).await;
    assert_eq!(pool.stdio_children(), 2, "the workspace stays at its cap");
    assert_eq!(
        pid(&pool, &a, &fixture(1)).await,
        a1,
        "the recent one stayed"
    );
    assert_eq!(pool.live_connections().await, 2);
    // fixture(2), the least recently used, was closed: using it starts a new child
    // (closing the next least recently used, fixture(3)).
    assert_ne!(pid(&pool, &a, &fixture(2)).await, a2);

    // The overall cap: b's child fits (3), c's closes the least recently used idle one.
    pid(&pool, &b, &fixture(1)).await;
    assert_eq!(pool.stdio_children(), 3);
    pid(&pool, &Owner::workspace("c"), &fixture(1)).await;
    assert_eq!(pool.stdio_children(), 3, "never over the overall cap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_child_is_busy_a_new_one_is_refused_and_others_still_work() {
    let pool = pool(ChildLimits {
        total: 2,
        per_workspace: 1,
    });
    let a = Owner::workspace("a");
    let b = Owner::workspace("b");
    let a_busy = busy(&pool, &a, &fixture(1), 8.0);
    wait_for_children(&pool, 1).await;
    let refused = pool
        .call_tool(
            &a,
            &fixture(2),
            "add",
            json!({"a": 1, "b": 2}),
            &CallOptions::with_timeout(Duration::from_secs(30)),
        )
        .await;
    assert_eq!(
        refused,
        Err(McpError::AtCapacity {
            workspace: true,
            limit: 1
        })
    );
    // The busy connection itself still takes calls, and so does another workspace.
    let options = CallOptions::with_timeout(Duration::from_secs(30));
    let add = json!({"a": 1, "b": 2});
    assert!(
        pool.call_tool(&a, &fixture(1), "add", add.clone(), &options)
            .await
            .is_ok()
    );
    let b_busy = busy(&pool, &b, &fixture(1), 8.0);
    wait_for_children(&pool, 2).await;
    let refused = pool
        .call_tool(
            &Owner::workspace("c"),
            &fixture(1),
            "add",
            add.clone(),
            &options,
        )
        .await;
    assert_eq!(
        refused,
        Err(McpError::AtCapacity {
            workspace: false,
            limit: 2
        })
    );
    assert!(a_busy.await.expect("task").is_ok());
    assert!(b_busy.await.expect("task").is_ok());
    // Once idle, a's child gives way to c's.
    assert!(
        pool.call_tool(&Owner::workspace("c"), &fixture(1), "add", add, &options)
            .await
            .is_ok()
    );
    assert_eq!(pool.stdio_children(), 2);
}
