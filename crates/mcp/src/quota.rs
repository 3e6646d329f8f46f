//! How many stdio server processes the pool runs, overall and per workspace, against its
//! caps. A place is taken before a child is spawned and given back when the connection
//! is dropped, so children being started count too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Caps on stdio server processes (each is a process on the host, with its memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildLimits {
    /// Processes of the whole pool.
    pub total: usize,
    /// Processes of one workspace (the pool's runs and discovery together).
    pub per_workspace: usize,
}

impl Default for ChildLimits {
    fn default() -> Self {
        Self {
            total: 64,
            per_workspace: 8,
        }
    }
}

/// Which cap a new child would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    Workspace,
    Server,
}

/// The count of running (and starting) children.
pub(crate) struct ChildQuota {
    limits: ChildLimits,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    /// Only workspaces with children (an entry goes when its count reaches zero).
    by_workspace: HashMap<Option<String>, usize>,
}

impl ChildQuota {
    pub(crate) fn new(limits: ChildLimits) -> Arc<ChildQuota> {
        Arc::new(ChildQuota {
            limits,
            counts: Mutex::new(Counts::default()),
        })
    }

    pub(crate) fn limits(&self) -> ChildLimits {
        self.limits
    }

    /// Takes a place for one more child of `workspace`, or says which cap is full.
    pub(crate) fn try_reserve(
        self: &Arc<Self>,
        workspace: Option<&str>,
    ) -> Result<ChildPermit, Full> {
        let mut counts = self.counts();
        let of_workspace = counts
            .by_workspace
            .get(&workspace.map(str::to_owned))
            .copied()
            .unwrap_or(0);
        if of_workspace >= self.limits.per_workspace {
            return Err(Full::Workspace);
        }
        if counts.total >= self.limits.total {
            return Err(Full::Server);
        }
        counts.total += 1;
        *counts
            .by_workspace
            .entry(workspace.map(str::to_owned))
            .or_default() += 1;
        Ok(ChildPermit {
            quota: Arc::clone(self),
            workspace: workspace.map(str::to_owned),
        })
    }

    /// Children running or starting now.
    pub(crate) fn running(&self) -> usize {
        self.counts().total
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        // Each update is a few integer operations that cannot panic half-way.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One child's place under the caps, given back on drop.
pub(crate) struct ChildPermit {
    quota: Arc<ChildQuota>,
    workspace: Option<String>,
}

impl Drop for ChildPermit {
    fn drop(&mut self) {
        let mut counts = self.quota.counts();
        counts.total = counts.total.saturating_sub(1);
        if let Some(count) = counts.by_workspace.get_mut(&self.workspace) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.by_workspace.remove(&self.workspace);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_capped_per_workspace_and_overall_and_given_back() {
        let quota = ChildQuota::new(ChildLimits {
            total: 3,
            per_workspace: 2,
        });
        let a1 = quota.try_reserve(Some("a")).expect("a's first");
        let _a2 = quota.try_reserve(Some("a")).expect("a's second");
        assert_eq!(quota.try_reserve(Some("a")).err(), Some(Full::Workspace));
        let _b1 = quota.try_reserve(Some("b")).expect("b's first");
        assert_eq!(quota.try_reserve(Some("b")).err(), Some(Full::Server));
        assert_eq!(quota.try_reserve(None).err(), Some(Full::Server));
        assert_eq!(quota.running(), 3);
        drop(a1);
        assert_eq!(quota.running(), 2);
        let _a3 = quota.try_reserve(Some("a")).expect("a's place came back");
        assert_eq!(quota.try_reserve(Some("c")).err(), Some(Full::Server));
    }
}
