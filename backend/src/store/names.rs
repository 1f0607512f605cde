//! When two display names are one, and which names nobody may hold.
//!
//! A name's key is what it looks like, not how it is spelled: two names with one key
//! cannot both be held, so nobody can take a name that reads as someone else's.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{RestrictionLevel, RestrictionLevelDetection, skeleton};

/// Words no name may contain, in any spelling that looks like them ("Admins",
/// "m0derator", "Moderator Team", "ＳＹＳＴＥＭ", "ADMlN", "관리자님"): they would pass a
/// member off as the board's own voice, or as the app's own placeholders for people who
/// left.
const RESERVED: [&str; 11] = [
    "moderator",
    "admin",
    "staff",
    "board",
    "system",
    "official",
    "support",
    "운영자",
    "관리자",
    // The app's words for a name that is gone (`former_member` in both languages).
    "former member",
    "탈퇴한 회원",
];

/// Words no name may have as a whole word ("Mod Kim", "M0D"), though names may
/// contain them ("Modesty").
const RESERVED_WORDS: [&str; 1] = ["mod"];

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

/// The key of `name` as written: the confusable skeleton before case folding, then
/// folded. Folding first ([`key`]) hides the skeleton's `I → l`, so `AIice` (a capital
/// I) and `Alice` differ there and meet here. One key cannot say "I looks like l and
/// like i, but l and i differ": a name is held under both ([`keys`]).
pub fn written_key(name: &str) -> String {
    let compatible: String = name
        .nfkc()
        .filter(|c| !shared::validate::is_default_ignorable(*c))
        .collect();
    let skeleton: String = skeleton(&compatible).collect();
    caseless::default_case_fold_str(&skeleton)
}

/// Every key a name is held under: [`key`], and [`written_key`] where it differs. Two
/// names that share any key cannot both be held.
pub fn keys(name: &str) -> Vec<String> {
    let mut keys = vec![key(name)];
    let written = written_key(name);
    if written != keys[0] {
        keys.push(written);
    }
    keys
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

/// Whether anyone may hold `name`. The reserved words are matched on both of its keys
/// against each word's keys as written in lower and in upper case (`ADMIN` reads as
/// `ADMlN`).
pub fn check(name: &str) -> Result<(), NotAllowed> {
    let bare = |key: &str| -> String { key.chars().filter(|c| c.is_alphanumeric()).collect() };
    let spellings = |word: &str| -> Vec<String> {
        let mut all = keys(word);
        all.push(written_key(&word.to_uppercase()));
        all.iter().map(|k| bare(k)).collect()
    };
    let name_keys = keys(name);
    let reserved = RESERVED.iter().flat_map(|word| spellings(word));
    let contains = |spelling: &String| {
        name_keys
            .iter()
            .any(|k| bare(k).contains(spelling.as_str()))
    };
    if reserved.clone().any(|spelling| contains(&spelling)) {
        return Err(NotAllowed::Reserved);
    }
    let whole_words: Vec<String> = RESERVED_WORDS.iter().flat_map(|w| spellings(w)).collect();
    let has_word = name_keys.iter().any(|k| {
        k.split(|c: char| !c.is_alphanumeric())
            .any(|word| whole_words.iter().any(|w| w == word))
    });
    if has_word {
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
    fn imitations_through_case_share_a_key_with_the_name_they_imitate() {
        for (name, imitation) in [
            ("Alice", "AIice"), // a capital I for the l
            ("Paul", "PauI"),
            ("Will", "WiII"),
            ("Ian", "lan"), // a small l for the capital I
        ] {
            let (ours, theirs) = (keys(name), keys(imitation));
            assert!(
                ours.iter().any(|k| theirs.contains(k)),
                "{name} {ours:?} / {imitation} {theirs:?}"
            );
        }
    }

    #[test]
    fn names_that_only_differ_by_l_and_i_in_lower_case_stay_apart() {
        for (one, other) in [("Lia", "Iia"), ("alan", "aian"), ("Mila", "Miia")] {
            let (ones, others) = (keys(&one.to_lowercase()), keys(&other.to_lowercase()));
            assert!(
                !ones.iter().any(|k| others.contains(k)),
                "{one} {ones:?} / {other} {others:?}"
            );
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
            "аdmin",    // Cyrillic а
            "ADMlN",    // a small l for the I
            "OFFlClAL", // likewise, twice
            "AdmIn",
            "Support",
            "SUPP0RT team",
            "Mod",
            "Mod Kim",
            "the m0d",
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
            "Ian",
            "Illa",
            "Alice",
            "Paul",
            "Modi",
        ] {
            assert_eq!(check(name), Ok(()), "{name} should pass");
        }
    }
}
