//! Resident memory of this process, from `/proc/self/status` (Linux).

/// `VmRSS` (now) and `VmHWM` (peak so far), in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rss {
    pub current_kb: u64,
    pub peak_kb: u64,
}

/// Reads this process's resident set; `None` where `/proc` is unavailable.
pub fn read() -> Option<Rss> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status(&status)
}

/// Extracts `VmRSS` and `VmHWM` (lines like `VmHWM:   123456 kB`).
pub fn parse_status(status: &str) -> Option<Rss> {
    let field = |name: &str| {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
    };
    Some(Rss {
        current_kb: field("VmRSS")?,
        peak_kb: field("VmHWM")?,
    })
}

/// KiB as MiB with one decimal: `52.3 MiB`.
pub fn format_kb(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_parsed_in_kib() {
        let status =
            "Name:\tar-bench\nVmPeak:\t  999999 kB\nVmHWM:\t   53556 kB\nVmRSS:\t   41000 kB\n";
        assert_eq!(
            parse_status(status),
            Some(Rss {
                current_kb: 41_000,
                peak_kb: 53_556
            })
        );
    }

    #[test]
    fn missing_or_garbled_fields_give_none() {
        assert_eq!(parse_status("VmRSS:\t 10 kB\n"), None);
        assert_eq!(parse_status("VmRSS:\t x kB\nVmHWM:\t 10 kB\n"), None);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        let rss = read().expect("/proc/self/status on Linux");
        assert!(rss.current_kb > 0 && rss.peak_kb >= rss.current_kb);
    }
}
