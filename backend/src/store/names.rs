//! When two display names are one, and which names nobody may hold.
//!
//! A name's key is what it looks like, not how it is spelled: two names with one key
//! cannot both be held, so nobody can take a name that reads as someone else's.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{RestrictionLevel, RestrictionLevelDetection, skeleton};

/// Words no name may contain, in any spelling that looks like them ("Admins",
/// "m0derator", "Moderator Team", "ＳＹＳＴＥＭ", "관리자님"): they would pass a member off
/// as the board's own voice, or as the app's own placeholders for people who left.
const RESERVED: [&str; 10] = [
    "moderator",
    "admin",
    "staff",
    "board",
    "system",
    "official",
    "운영자",
    "관리자",
    // The app's words for a name that is gone (`former_member` in both languages).
    "former member",
    "탈퇴한 회원",
];

/// Unicode's NFKC_Casefold of `name` (full-width `Ａｄａ` is `Ada`, `ADA` is `ada`, `ß`
/// is `ss`), without default-ignorable code points (joiners, variation selectors),
/// which show nothing.
fn folded(name: &str) -> String {
    let compatible: String = name.nfkc().collect();
    caseless::default_case_fold_str(&compatible)
        .nfkc()
        .filter(|c| !shared::validate::is_default_ignorable(*c))
        .collect()
}

/// The key of a display name: the UTS #39 confusable skeleton of its NFKC_Casefold
/// (Cyrillic `А` and Latin `A`, `0` and `O`, `rn` and `m` meet), folded once more so
/// the skeleton's prototypes meet whatever their case (`m0derator` is `moderator`).
pub fn key(name: &str) -> String {
    let skeleton: String = skeleton(&folded(name)).collect();
    caseless::default_case_fold_str(&skeleton)
}

/// The key names were claimed under before [`key`] compared look-alikes: NFKC, case
/// folding, NFKC. A name claimed then is held under this key until its holder renames,
/// so a new claim also checks it: an existing name keeps working.
pub fn earlier_key(name: &str) -> String {
    let compatible: String = name.nfkc().collect();
    caseless::default_case_fold_str(&compatible)
        .nfkc()
        .collect()
}

/// Why a name may not be held by anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAllowed {
    /// It contains one of the board's own words.
    Reserved,
    /// It mixes scripts beyond UTS #39's moderately restrictive level (Latin with
    /// Cyrillic or Greek), the way imitations of other names are made.
    MixedScripts,
}

/// Whether anyone may hold `name`.
pub fn check(name: &str) -> Result<(), NotAllowed> {
    let bare =
        |text: &str| -> String { key(text).chars().filter(|c| c.is_alphanumeric()).collect() };
    let name_bare = bare(name);
    if RESERVED.iter().any(|word| name_bare.contains(&bare(word))) {
        return Err(NotAllowed::Reserved);
    }
    // Only letters have a script that matters; spaces, digits and punctuation are
    // common to all (and not identifier characters, which the detection refuses).
    let letters: String = name.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.as_str().detect_restriction_level() > RestrictionLevel::ModeratelyRestrictive {
        return Err(NotAllowed::MixedScripts);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_in_case_or_width_share_a_key() {
        assert_eq!(key("Ada"), key("ADA"));
        assert_eq!(key("Ada"), key("ａｄａ"));
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("ΣΟΦΙΑ"), key("σοφια"));
        assert_eq!(key("ﾊﾝｸﾞﾙ"), key("ハングル"), "half-width kana");
        assert_ne!(key("Ada"), key("Adam"));
        assert_ne!(key("김민준"), key("김민수"));
    }

    #[test]
    fn names_that_look_alike_share_a_key() {
        for (name, imitation) in [
            ("Ada", "Аda"),           // Cyrillic А
            ("Ada", "АDА"),           // all Cyrillic: one script, the same look
            ("Demo", "Demo\u{200D}"), // a zero-width joiner
            ("Ada", "Ada\u{FE0F}"),   // a variation selector
            ("Sam", "Sarn"),          // r n
            ("Alice", "A1ice"),       // one
            ("Bob", "B0b"),           // zero
            ("Ｍｉｎａ", "Mina"),     // full width
        ] {
            assert_eq!(key(name), key(imitation), "{name} / {imitation:?}");
        }
    }

    #[test]
    fn a_name_claimed_before_keeps_its_earlier_key() {
        assert_eq!(earlier_key("ADA"), "ada");
        assert_eq!(earlier_key("Ｓａｍ"), "sam");
        assert_ne!(earlier_key("Sam"), key("Sam"), "m reads as r n now");
    }

    #[test]
    fn imitations_of_the_boards_own_words_are_refused() {
        for name in [
            "Moderator",
            "Admins",
            "m0derator",
            "Moderator Team",
            "ＡＤＭＩＮ",
            "Mod-erator",
            "sys tem",
            "The Board",
            "0fficial",
            "Staff Kim",
            "관리자님",
            "운영자",
            "former member",
            "Former Member",
            "탈퇴한 회원",
            "탈퇴한회원",
            "аdmin", // Cyrillic а
        ] {
            assert!(check(name).is_err(), "{name} should be refused");
        }
    }

    #[test]
    fn names_that_mix_look_alike_scripts_are_refused() {
        for name in ["Аda", "Ωmega", "Sеrgey Kim", "Pаul"] {
            assert_eq!(check(name), Err(NotAllowed::MixedScripts), "{name}");
        }
    }

    #[test]
    fn real_names_pass() {
        for name in [
            "Ada",
            "Ada Lovelace",
            "김민준",
            "이서연 Kim",
            "박지성7",
            "山田太郎",
            "やまだ たろう",
            "山田たろう",
            "José Álvarez",
            "Zoë",
            "Łukasz",
            "Søren",
            "François",
            "Nguyễn Văn An",
            "Müller",
            "O'Brien",
            "Jean-Luc",
            "Ada99",
            "R2-D2",
            "Сергей",
            "Σοφία",
            "moderately",
            "Modesty",
        ] {
            assert_eq!(check(name), Ok(()), "{name} should pass");
        }
    }
}
