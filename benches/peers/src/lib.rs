//! Nothing here: the crate exists for `benches/peers.rs` (run it with
//! `cargo bench` in this directory; see `benches/README.md` one level up).
