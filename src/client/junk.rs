//! Deterministic junk for the parsers' no-panic tests.

/// A xorshift generator with a fixed seed.
pub(crate) fn xorshift() -> impl FnMut() -> u64 {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// Characters that JSON and the topology cells are made of, and some others.
pub(crate) fn alphabet() -> Vec<char> {
    "{}[]\":,\\ u0123456789abcdefnlrstE.+-é😀\n\t"
        .chars()
        .collect()
}

/// A string of up to 39 characters of `alphabet`.
pub(crate) fn junk_string(next: &mut impl FnMut() -> u64, alphabet: &[char]) -> String {
    let len = (next() % 40) as usize;
    (0..len)
        .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
        .collect()
}
