//! The drivers live in the library's `tests/fuzz_support/mod.rs`, shared with
//! `tests/mutation.rs` and `tests/fuzz_regressions.rs`.
#[path = "../../tests/fuzz_support/mod.rs"]
pub mod support;
