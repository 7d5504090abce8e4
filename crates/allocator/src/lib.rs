//! The allocator of the `stint` binary, and the one setting it needs.
//!
//! mimalloc hands freed memory back to the operating system only after a delay, and only when
//! the thread that freed it allocates again. A password hash (Argon2, 19 MiB) or a burst of
//! requests then stays resident for as long as the process is quiet: bench-api's resident memory
//! was 120 MB on SQLite with the default and 58 MB with immediate purging, at the same CPU per
//! request.

pub use mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_e` (`libmimalloc-sys` names the options
/// around it but not this one): milliseconds before freed memory goes back to the OS.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = libmimalloc_sys::mi_option_eager_commit_delay + 1;

/// Gives freed memory back at once. Call first thing in `main`; later calls change nothing.
#[allow(unsafe_code)]
pub fn release_freed_memory_at_once() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table; it takes no pointers
    // and is safe to call from any thread at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

/// The purge delay in effect, in milliseconds.
#[allow(unsafe_code)]
pub fn purge_delay_ms() -> std::ffi::c_long {
    // SAFETY: reads an integer from mimalloc's option table.
    unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc 2 purges after 10 ms by default: another option at this index would not read
        // 10 (unless set through MIMALLOC_PURGE_DELAY, which names this same option).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay_ms(), 10);
        }
        release_freed_memory_at_once();
        assert_eq!(purge_delay_ms(), 0);
    }
}
