//! Dependency order over one list of sibling steps: cycles, and "is A a transitive ancestor
//! of B" answered without computing all-pairs ancestry.
//!
//! Nodes are `0..n`; `deps[b]` lists the nodes `b` depends on. Kahn's algorithm gives each
//! node outside a cycle a *level* (1 + the highest level of its dependencies). An ancestor
//! always has a lower level than its descendant, which prunes most searches to nothing:
//! a query first looks at the direct dependencies, then searches backwards from the
//! descendant (never entering a node whose level is not above the candidate's) for a
//! bounded number of nodes. Past that bound the candidate's descendants are marked once,
//! in one forward walk, and kept: a far ancestor read by many steps (`steps.start` in
//! every step of a long chain) costs one walk in total, not one per reader.

use std::cell::RefCell;
use std::collections::HashMap;

/// How many nodes a backward search may visit before the forward walk takes over.
const SEARCH_BUDGET: usize = 64;

/// The dependency structure of one list of siblings.
pub(crate) struct Ancestry {
    deps: Vec<Vec<usize>>,
    dependants: Vec<Vec<usize>>,
    /// `None` for nodes on a cycle or downstream of one.
    level: Vec<Option<u32>>,
    /// Descendant marks of the candidates whose search went over budget.
    descendants: RefCell<HashMap<usize, Vec<bool>>>,
}

impl Ancestry {
    pub fn new(deps: Vec<Vec<usize>>) -> Self {
        let n = deps.len();
        let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut waiting: Vec<usize> = vec![0; n];
        for (node, ds) in deps.iter().enumerate() {
            for &d in ds {
                dependants[d].push(node);
                waiting[node] += 1;
            }
        }
        let mut level: Vec<Option<u32>> = vec![None; n];
        let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
        for &i in &ready {
            level[i] = Some(0);
        }
        while let Some(node) = ready.pop() {
            let next_level = level[node].unwrap_or(0) + 1;
            for &dependant in &dependants[node] {
                let l = level[dependant].get_or_insert(0);
                *l = (*l).max(next_level);
                waiting[dependant] -= 1;
                if waiting[dependant] == 0 {
                    ready.push(dependant);
                }
            }
        }
        // A node reached by some but not all of its dependencies got a partial level.
        for i in 0..n {
            if waiting[i] > 0 {
                level[i] = None;
            }
        }
        Ancestry {
            deps,
            dependants,
            level,
            descendants: RefCell::new(HashMap::new()),
        }
    }

    /// Is `ancestor` reached by following `depends_on` from `node`? `None` when `node` sits
    /// on or below a cycle, where the question has no useful answer.
    pub fn is_ancestor(&self, ancestor: usize, node: usize) -> Option<bool> {
        let node_level = self.level[node]?;
        let Some(ancestor_level) = self.level[ancestor] else {
            return Some(false);
        };
        if ancestor == node || ancestor_level >= node_level {
            return Some(false);
        }
        if self.deps[node].contains(&ancestor) {
            return Some(true);
        }
        if let Some(marks) = self.descendants.borrow().get(&ancestor) {
            return Some(marks[node]);
        }
        let mut seen: Vec<usize> = Vec::new();
        let mut pending = vec![node];
        while let Some(current) = pending.pop() {
            for &d in &self.deps[current] {
                if d == ancestor {
                    return Some(true);
                }
                let above = self.level[d].is_some_and(|l| l > ancestor_level);
                if above && !seen.contains(&d) {
                    if seen.len() == SEARCH_BUDGET {
                        let marks = self.mark_descendants(ancestor);
                        let answer = marks[node];
                        self.descendants.borrow_mut().insert(ancestor, marks);
                        return Some(answer);
                    }
                    seen.push(d);
                    pending.push(d);
                }
            }
        }
        Some(false)
    }

    /// Every node reached by following dependants from `ancestor`.
    fn mark_descendants(&self, ancestor: usize) -> Vec<bool> {
        let mut marks = vec![false; self.deps.len()];
        let mut pending = vec![ancestor];
        while let Some(current) = pending.pop() {
            for &d in &self.dependants[current] {
                if !marks[d] {
                    marks[d] = true;
                    pending.push(d);
                }
            }
        }
        marks
    }

    /// One cycle per group of nodes that wait on each other, each in dependency order
    /// (`[a, b, c]`: a depends on b, b on c, c on a). Iterative depth-first search.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnPath,
            Done,
        }
        let n = self.deps.len();
        let mut mark = vec![Mark::New; n];
        let mut cycles = Vec::new();
        for start in (0..n).filter(|&i| self.level[i].is_none()) {
            if mark[start] != Mark::New {
                continue;
            }
            // (node, next dependency to look at)
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = Mark::OnPath;
            while let Some(top) = path.last_mut() {
                let node = top.0;
                let Some(&dep) = self.deps[node].get(top.1) else {
                    mark[node] = Mark::Done;
                    path.pop();
                    continue;
                };
                top.1 += 1;
                match mark[dep] {
                    Mark::New => {
                        mark[dep] = Mark::OnPath;
                        path.push((dep, 0));
                    }
                    Mark::OnPath => {
                        let from = path.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        cycles.push(path[from..].iter().map(|&(n, _)| n).collect());
                    }
                    Mark::Done => {}
                }
            }
        }
        cycles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ancestry_is_transitive_and_one_way() {
        let a = Ancestry::new(vec![vec![], vec![0], vec![1], vec![2]]);
        assert_eq!(a.is_ancestor(0, 3), Some(true));
        assert_eq!(a.is_ancestor(2, 3), Some(true));
        assert_eq!(a.is_ancestor(3, 0), Some(false));
        assert_eq!(a.is_ancestor(1, 1), Some(false));
        assert!(a.cycles().is_empty());
    }

    #[test]
    fn parallel_branches_are_not_ancestors_of_each_other() {
        // 0 → {1, 2} → 3
        let a = Ancestry::new(vec![vec![], vec![0], vec![0], vec![1, 2]]);
        assert_eq!(a.is_ancestor(1, 2), Some(false));
        assert_eq!(a.is_ancestor(0, 3), Some(true));
    }

    #[test]
    fn cycles_are_listed_in_dependency_order() {
        // 0 depends on 1, 1 on 2, 2 on 0; 3 depends on 0 (downstream of the cycle).
        let a = Ancestry::new(vec![vec![1], vec![2], vec![0], vec![0]]);
        assert_eq!(a.cycles(), vec![vec![0, 1, 2]]);
        assert_eq!(a.is_ancestor(0, 3), None);
    }

    #[test]
    fn self_dependency_is_a_cycle_of_one() {
        let a = Ancestry::new(vec![vec![0]]);
        assert_eq!(a.cycles(), vec![vec![0]]);
    }
}
