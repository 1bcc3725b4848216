//! PostgreSQL runs skipped for want of `TEST_POSTGRES_URL`: counted, and told in one line
//! when the test binary exits. libtest captures only what the print macros write, so the
//! line is written to stderr directly, where `cargo test` shows it. Under CI a skip is a
//! failure instead: CI must run every test on PostgreSQL too.

use std::io::Write;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

static SKIPPED: AtomicUsize = AtomicUsize::new(0);
static REPORT_AT_EXIT: Once = Once::new();

unsafe extern "C" {
    /// libc's: runs `callback` when the process exits, after libtest's summary.
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn report() {
    let skipped = SKIPPED.load(Ordering::Relaxed);
    let _ = writeln!(
        std::io::stderr(),
        "{skipped} PostgreSQL test runs skipped: TEST_POSTGRES_URL is not set (see README)"
    );
}

/// The calling test skips its PostgreSQL run: counted, or a failure when `CI` is set.
pub fn skip_postgres_run() {
    let ci = std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"));
    assert!(
        !ci,
        "TEST_POSTGRES_URL is not set, and under CI no PostgreSQL run may be skipped: \
         set it to a PostgreSQL server where the tests may create databases"
    );
    SKIPPED.fetch_add(1, Ordering::Relaxed);
    REPORT_AT_EXIT.call_once(|| {
        // SAFETY: `report` only reads an atomic and writes to stderr, which stays usable
        // while the process exits.
        let registered = unsafe { atexit(report) };
        assert_eq!(registered, 0, "atexit failed");
    });
}
