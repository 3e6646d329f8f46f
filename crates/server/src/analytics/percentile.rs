//! Percentiles of a sample, by the nearest-rank method: the smallest value such that at
//! least p % of the sample is at or below it. Always a value that was observed (no
//! interpolation), and the same on SQLite and PostgreSQL because it is computed here.

/// The `p`-th percentile (0 < p <= 100) of `sorted` (ascending); `None` when empty.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    // rank = ceil(p / 100 * n), in 1..=n
    let rank = (u64::from(p.clamp(1, 100)) * n).div_ceil(100).max(1);
    sorted.get(rank as usize - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sample_has_no_percentile() {
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn single_value_is_every_percentile() {
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 95), Some(7));
    }

    #[test]
    fn nearest_rank_on_one_to_hundred() {
        let sample: Vec<i64> = (1..=100).collect();
        assert_eq!(nearest_rank(&sample, 50), Some(50));
        assert_eq!(nearest_rank(&sample, 95), Some(95));
        assert_eq!(nearest_rank(&sample, 100), Some(100));
    }

    #[test]
    fn small_samples_round_the_rank_up() {
        // ceil(0.5 * 3) = 2, ceil(0.95 * 3) = 3
        assert_eq!(nearest_rank(&[10, 20, 30], 50), Some(20));
        assert_eq!(nearest_rank(&[10, 20, 30], 95), Some(30));
        // ceil(0.5 * 4) = 2
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
    }
}
