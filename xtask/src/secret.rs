//! The origin secret: what CloudFront (or, locally, its stand-in) sends the API in
//! `x-origin-verify` and the API requires. The deploy makes one per stack, the local
//! stack one per run.

/// A new origin secret: two v4 UUIDs in hex, 64 digits carrying 244 random bits
/// (the template's `OriginSecret` takes exactly 64 lower-case hex digits).
pub fn new_origin_secret() -> String {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    format!("{}{}", a.simple(), b.simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_secret_is_64_lower_case_hex_digits_and_new_each_time() {
        let (a, b) = (new_origin_secret(), new_origin_secret());
        assert_eq!(a.len(), 64);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        );
        assert_ne!(a, b);
    }
}
