//! The time limit, enforced through Luau's interrupt callback.
//!
//! Luau calls the interrupt at function calls and loop back-edges, so it stops
//! `while true do end` and recursive loops. A single long-running C call (a
//! pathological `string.find` pattern, say) is only stopped when it returns.
//!
//! An execution may also carry a cancel flag that another thread raises (the
//! server's dry run, when the client goes away): it stops the script like the
//! deadline does, at the next clock read.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mlua::{Lua, VmState};

/// Reading the clock costs far more than an interrupt, so it is read only
/// every this many interrupts (a few microseconds of script time).
const INTERRUPTS_PER_CLOCK_READ: u32 = 256;

/// Deadline that no execution reaches: the watchdog is idle.
const DISARMED: u64 = u64::MAX;

/// Shared between the runtime (which arms it) and the interrupt callback.
#[derive(Debug)]
pub(crate) struct Watchdog {
    origin: Instant,
    /// Deadline in nanoseconds since `origin`, or [`DISARMED`].
    deadline_nanos: AtomicU64,
    expired: AtomicBool,
    interrupts: AtomicU32,
    /// The current execution's cancel flag, if it has one.
    cancel: Mutex<Option<Arc<AtomicBool>>>,
}

impl Watchdog {
    /// Creates a watchdog and installs it as `lua`'s interrupt.
    pub(crate) fn install(lua: &Lua) -> Arc<Self> {
        let watchdog = Arc::new(Self {
            origin: Instant::now(),
            deadline_nanos: AtomicU64::new(DISARMED),
            expired: AtomicBool::new(false),
            interrupts: AtomicU32::new(0),
            cancel: Mutex::new(None),
        });
        let callback_view = Arc::clone(&watchdog);
        lua.set_interrupt(move |_| callback_view.on_interrupt());
        watchdog
    }

    /// Starts the clock for one execution, which `cancel` (when given) also stops.
    pub(crate) fn arm(&self, limit: Duration, cancel: Option<Arc<AtomicBool>>) {
        if let Ok(mut current) = self.cancel.lock() {
            *current = cancel;
        }
        let deadline = self.origin.elapsed().saturating_add(limit).as_nanos();
        self.deadline_nanos.store(
            u64::try_from(deadline).unwrap_or(DISARMED - 1),
            Ordering::Relaxed,
        );
        self.expired.store(false, Ordering::Relaxed);
        self.interrupts.store(0, Ordering::Relaxed);
    }

    /// Stops the clock; returns whether the deadline passed during the execution.
    pub(crate) fn disarm(&self) -> bool {
        self.deadline_nanos.store(DISARMED, Ordering::Relaxed);
        if let Ok(mut current) = self.cancel.lock() {
            *current = None;
        }
        self.expired.swap(false, Ordering::Relaxed)
    }

    fn on_interrupt(&self) -> mlua::Result<VmState> {
        // Once expired, every interrupt raises again, so a script that catches
        // the error with pcall is stopped at its next call or loop iteration.
        if self.expired.load(Ordering::Relaxed) {
            return Err(time_limit_error());
        }
        let count = self.interrupts.fetch_add(1, Ordering::Relaxed);
        if !count.is_multiple_of(INTERRUPTS_PER_CLOCK_READ) {
            return Ok(VmState::Continue);
        }
        let deadline = self.deadline_nanos.load(Ordering::Relaxed);
        if deadline != DISARMED
            && (self.origin.elapsed().as_nanos() >= u128::from(deadline) || self.cancelled())
        {
            self.expired.store(true, Ordering::Relaxed);
            return Err(time_limit_error());
        }
        Ok(VmState::Continue)
    }
}

impl Watchdog {
    /// True once the current execution's cancel flag was raised.
    fn cancelled(&self) -> bool {
        self.cancel
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(|flag| flag.load(Ordering::Relaxed)))
            .unwrap_or(false)
    }
}

fn time_limit_error() -> mlua::Error {
    mlua::Error::runtime("script exceeded its time limit")
}
