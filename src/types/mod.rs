//! Conversions between Volt types and Rust types.

#[cfg(any(feature = "chrono", feature = "time"))]
mod datetime;
#[cfg(feature = "chrono")]
mod with_chrono;
#[cfg(feature = "time")]
mod with_time;
