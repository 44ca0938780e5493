#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    voltdb_client_fuzz::support::fuzz_geography(data);
});
