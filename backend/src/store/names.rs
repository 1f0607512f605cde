//! When two display names are one: the key a name claims.

use unicode_normalization::UnicodeNormalization;

/// Names nobody may take, compared on their key with everything but letters and
/// digits left out ("Mod-erator", "ＡＤＭＩＮ" and "admin" are all "admin"): words
/// that would pass a member off as the board's own voice.
const RESERVED: [&str; 10] = [
    "moderator",
    "moderators",
    "mod",
    "admin",
    "administrator",
    "board",
    "system",
    "staff",
    "support",
    "official",
];

/// The key of a display name: NFKC (so full-width `Ａｄａ` is `Ada`), Unicode
/// default case folding (so `ADA`, `ada` and, for `ß`, `SS` meet), then NFKC again,
/// as Unicode's NFKC_Casefold does. Two names with one key cannot both be held.
pub fn key(name: &str) -> String {
    let compatible: String = name.nfkc().collect();
    caseless::default_case_fold_str(&compatible)
        .nfkc()
        .collect()
}

/// Whether the name is one of the board's own words.
pub fn is_reserved(name: &str) -> bool {
    let bare: String = key(name).chars().filter(|c| c.is_alphanumeric()).collect();
    RESERVED.contains(&bare.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_in_case_or_width_share_a_key() {
        assert_eq!(key("Ada"), key("ADA"));
        assert_eq!(key("Ada"), key("ａｄａ"));
        assert_eq!(key("Ａｄａ"), "ada");
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("ΣΟΦΙΑ"), key("σοφια"));
        assert_eq!(key("ﾊﾝｸﾞﾙ"), key("ハングル"), "half-width kana");
        assert_ne!(key("Ada"), key("Adam"));
        assert_eq!(key("가나"), "가나");
    }

    #[test]
    fn the_boards_own_words_are_reserved_in_any_spelling() {
        for name in [
            "Moderator",
            "ADMIN",
            "ｍｏｄｅｒａｔｏｒ",
            "Mod-erator",
            "Board",
            "sys tem",
        ] {
            assert!(is_reserved(name), "{name}");
        }
        for name in ["Ada", "moderately", "boardgames"] {
            assert!(!is_reserved(name), "{name}");
        }
    }
}
