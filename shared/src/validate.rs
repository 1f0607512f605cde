//! The rules a post must meet, defined once for the API and the form.
//!
//! Lengths count Unicode scalar values (`char`s), not bytes, so a Korean title of
//! 200 syllables is as long as an English one of 200 letters.
//!
//! Text is checked as people will see it. It is first put in Unicode normalization
//! form C (NFC), the form the board stores, so two spellings of one word are one
//! text and lengths are counted on what is kept. Then:
//! - control characters are refused (contents keep newline and tab);
//! - invisible characters that can hide or reorder text are refused: the format
//!   characters (bidi embeddings, overrides and isolates, zero-width spaces, the byte
//!   order mark, ...) and the fillers that render as nothing (HANGUL FILLER, the
//!   braille blank, ...). ZERO WIDTH JOINER and NON-JOINER, variation selectors and
//!   emoji tag sequences stay: emoji and several scripts need them;
//! - a value with no visible character (only white space, joiners and selectors)
//!   counts as blank.

use std::borrow::Cow;
use std::fmt;

/// Longest title, in characters, after trimming.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest contents, in characters.
pub const CONTENTS_MAX_CHARS: usize = 20_000;
/// Longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 5_000;
/// Shortest display name, in characters.
pub const NAME_MIN_CHARS: usize = 2;
/// Longest display name, in characters.
pub const NAME_MAX_CHARS: usize = 24;
/// Longest note with a report, and longest reason a moderator gives, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// Text that met one field's rules, in the form it is stored: only this module's
/// functions make one, so a value of the type is proof that the rules were applied
/// (the store takes nothing else).
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_text! {
    /// A post's title: made by [`title`].
    Title
}
checked_text! {
    /// A post's contents: made by [`contents`].
    Contents
}
checked_text! {
    /// A comment's words: made by [`comment`].
    CommentText
}
checked_text! {
    /// A report's note or a moderator's reason: made by [`note`].
    Note
}
checked_text! {
    /// A display name as shown: made by [`display_name`]. Whether it is free is the
    /// server's to say.
    DisplayName
}

/// The field a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Contents,
    DisplayName,
    /// A report's note.
    Note,
    /// A moderator's reason for an action.
    Reason,
}

impl Field {
    /// The field's name in the JSON body.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Contents => "contents",
            Field::DisplayName => "display_name",
            Field::Note => "note",
            Field::Reason => "reason",
        }
    }
}

/// Which rule a value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Empty, or nothing visible (only white space, joiners and selectors).
    Blank,
    /// Longer than `max` characters.
    TooLong { max: usize },
    /// Shorter than `min` characters.
    TooShort { min: usize },
    /// Holds a control character that the field does not allow.
    ControlCharacter,
    /// Holds an invisible character that can hide or reorder text (see the module).
    InvisibleCharacter,
}

/// A broken rule, naming the field it broke in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValidationError {
    pub field: Field,
    pub rule: Rule,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field.as_str();
        match self.rule {
            Rule::Blank => write!(f, "{field} must not be blank"),
            Rule::TooLong { max } => write!(f, "{field} must be at most {max} characters"),
            Rule::TooShort { min } => write!(f, "{field} must be at least {min} characters"),
            Rule::ControlCharacter => match self.field {
                Field::Title | Field::DisplayName => {
                    write!(f, "{field} must not contain control characters")
                }
                Field::Contents | Field::Note | Field::Reason => write!(
                    f,
                    "{field} must not contain control characters other than newline and tab"
                ),
            },
            Rule::InvisibleCharacter => write!(
                f,
                "{field} must not contain invisible formatting characters \
                 (such as direction overrides, zero-width spaces or fillers)"
            ),
        }
    }
}

impl std::error::Error for ValidationError {}

/// The text in Unicode normalization form C, borrowed when it already is.
#[cfg(not(target_arch = "wasm32"))]
pub fn nfc(raw: &str) -> Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    match is_nfc_quick(raw.chars()) {
        IsNormalized::Yes => Cow::Borrowed(raw),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(raw.nfc().collect()),
    }
}

/// The text in Unicode normalization form C, by the browser's own
/// `String.prototype.normalize` (the same form; NFC is stable across Unicode versions
/// for every assigned character).
#[cfg(target_arch = "wasm32")]
pub fn nfc(raw: &str) -> Cow<'_, str> {
    // ASCII is always in NFC: no round trip through JavaScript for it.
    if raw.is_ascii() {
        return Cow::Borrowed(raw);
    }
    let normal = String::from(js_sys::JsString::from(raw).normalize("NFC"));
    if normal == raw {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(normal)
    }
}

/// Checks a title and returns what is stored: in NFC, trimmed, 1 to
/// [`TITLE_MAX_CHARS`] characters, no control or hiding characters at all.
pub fn title(raw: &str) -> Result<Title, ValidationError> {
    let fail = |rule| ValidationError {
        field: Field::Title,
        rule,
    };
    let normal = nfc(raw);
    let trimmed = normal.trim();
    if trimmed.is_empty() {
        return Err(fail(Rule::Blank));
    }
    if trimmed.chars().count() > TITLE_MAX_CHARS {
        return Err(fail(Rule::TooLong {
            max: TITLE_MAX_CHARS,
        }));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(fail(Rule::ControlCharacter));
    }
    check_visible(trimmed).map_err(fail)?;
    Ok(Title(trimmed.to_owned()))
}

/// Checks contents and returns what is stored: in NFC, otherwise exactly as written
/// (surrounding space kept), 1 to [`CONTENTS_MAX_CHARS`] characters, something
/// visible, and no control characters except newline (`\n`, or `\r\n`) and tab.
pub fn contents(raw: &str) -> Result<Contents, ValidationError> {
    body_text(raw, CONTENTS_MAX_CHARS)
        .map(Contents)
        .map_err(|rule| ValidationError {
            field: Field::Contents,
            rule,
        })
}

/// Checks a comment and returns what is stored: the contents' rules (NFC, as
/// written, something visible, newline and tab the only control characters), 1 to
/// [`COMMENT_MAX_CHARS`] characters. The field is `contents`, as in the body.
pub fn comment(raw: &str) -> Result<CommentText, ValidationError> {
    body_text(raw, COMMENT_MAX_CHARS)
        .map(CommentText)
        .map_err(|rule| ValidationError {
            field: Field::Contents,
            rule,
        })
}

/// The rules of written words (a post's contents, a comment), up to `max` characters.
fn body_text(raw: &str, max: usize) -> Result<String, Rule> {
    let normal = nfc(raw);
    if normal.trim().is_empty() {
        return Err(Rule::Blank);
    }
    if normal.chars().count() > max {
        return Err(Rule::TooLong { max });
    }
    let mut chars = normal.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\n' | '\t' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            return Err(Rule::ControlCharacter);
        }
    }
    check_visible(&normal)?;
    Ok(normal.into_owned())
}

/// Checks a report's note or a moderator's reason (`field` says which) and returns
/// what is stored: the contents' rules (NFC, something visible, newline and tab the
/// only control characters), 1 to [`NOTE_MAX_CHARS`] characters, trimmed.
pub fn note(raw: &str, field: Field) -> Result<Note, ValidationError> {
    body_text(raw.trim(), NOTE_MAX_CHARS)
        .map(Note)
        .map_err(|rule| ValidationError { field, rule })
}

/// Checks a whole post, title first, and returns the values to store.
pub fn post(raw_title: &str, raw_contents: &str) -> Result<(Title, Contents), ValidationError> {
    let title = title(raw_title)?;
    let contents = contents(raw_contents)?;
    Ok((title, contents))
}

/// Checks a display name and returns what is stored: in NFC, trimmed, each run of
/// white space one space, [`NAME_MIN_CHARS`] to [`NAME_MAX_CHARS`] characters, under
/// the title's rules (no control characters, nothing that hides or reorders text).
///
/// Whether a name is free is for the server to say: names are unique by what they
/// look like, which takes Unicode tables the browser app does without.
pub fn display_name(raw: &str) -> Result<DisplayName, ValidationError> {
    let fail = |rule| ValidationError {
        field: Field::DisplayName,
        rule,
    };
    let normal = nfc(raw);
    if normal.chars().any(char::is_control) {
        return Err(fail(Rule::ControlCharacter));
    }
    let name = normal.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(fail(Rule::Blank));
    }
    check_visible(&name).map_err(fail)?;
    // Joiners and variation selectors show nothing in a name but make it another
    // string: "Demo" with a zero-width joiner would pass for "Demo".
    if name.chars().any(is_default_ignorable) {
        return Err(fail(Rule::InvisibleCharacter));
    }
    let count = name.chars().count();
    if count < NAME_MIN_CHARS {
        return Err(fail(Rule::TooShort {
            min: NAME_MIN_CHARS,
        }));
    }
    if count > NAME_MAX_CHARS {
        return Err(fail(Rule::TooLong {
            max: NAME_MAX_CHARS,
        }));
    }
    Ok(DisplayName(name))
}

/// Refuses characters that hide or reorder text, and text with nothing visible.
/// Control characters are the caller's business (the fields differ there).
pub fn check_visible(text: &str) -> Result<(), Rule> {
    let mut visible = false;
    let mut previous = None;
    for c in text.chars() {
        if is_hiding(c, previous) {
            return Err(Rule::InvisibleCharacter);
        }
        visible |= !(c.is_whitespace() || c.is_control() || is_default_ignorable(c));
        previous = Some(c);
    }
    if visible { Ok(()) } else { Err(Rule::Blank) }
}

/// WAVING BLACK FLAG, which tag characters follow in subdivision flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿).
const TAG_BASE: char = '\u{1F3F4}';

/// Whether `c` (after `previous`) is an invisible character that can hide or reorder
/// text: a format character other than the joiners, a filler, or a tag character
/// outside an emoji tag sequence.
fn is_hiding(c: char, previous: Option<char>) -> bool {
    match c {
        // Tag characters: only inside an emoji tag sequence (base, tags, cancel tag);
        // elsewhere they carry text nobody sees.
        '\u{E0020}'..='\u{E007E}' => !matches!(previous, Some(p) if p == TAG_BASE || is_tag(p)),
        '\u{E007F}' => !matches!(previous, Some(p) if is_tag(p)),
        // The joiners that emoji sequences and Indic and Arabic scripts need.
        '\u{200C}' | '\u{200D}' => false,
        // Format characters (general category Cf) that show nothing: soft hyphen,
        // Arabic letter mark, Mongolian vowel separator, zero-width space and the
        // marks, bidi embeddings, overrides and isolates, word joiner and invisible
        // operators, byte order mark, interlinear annotation, shorthand and musical
        // format controls, language tag.
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'
        | '\u{200E}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' => true,
        // Fillers: letters that render as nothing.
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{17B4}'
        | '\u{17B5}' => true,
        _ => false,
    }
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&c)
}

/// Unicode's Default_Ignorable_Code_Point: characters that show nothing by themselves
/// (joiners, variation selectors, ...), so they do not make a value visible, and have
/// no place in a name.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_with_single_spaces() {
        assert_eq!(
            display_name("  Ada   Lovelace ").as_deref(),
            Ok("Ada Lovelace")
        );
        assert_eq!(display_name("가나").as_deref(), Ok("가나"));
    }

    #[test]
    fn display_names_are_two_to_twenty_four_characters() {
        let fail = |rule| Err(err(Field::DisplayName, rule));
        assert_eq!(display_name("a"), fail(Rule::TooShort { min: 2 }));
        assert_eq!(display_name(" a "), fail(Rule::TooShort { min: 2 }));
        assert_eq!(display_name(""), fail(Rule::Blank));
        let at_limit = "가".repeat(NAME_MAX_CHARS);
        assert_eq!(display_name(&at_limit).as_deref(), Ok(at_limit.as_str()));
        assert_eq!(
            display_name(&"a".repeat(NAME_MAX_CHARS + 1)),
            fail(Rule::TooLong { max: 24 })
        );
    }

    #[test]
    fn display_names_follow_the_visible_character_rules() {
        let fail = |rule| Err(err(Field::DisplayName, rule));
        assert_eq!(
            display_name("ad\u{202E}min"),
            fail(Rule::InvisibleCharacter)
        );
        assert_eq!(display_name("a\u{200B}b"), fail(Rule::InvisibleCharacter));
        assert_eq!(
            display_name("\u{3164}\u{3164}"),
            fail(Rule::InvisibleCharacter)
        );
        assert_eq!(display_name("a\nb"), fail(Rule::ControlCharacter));
        assert_eq!(display_name("\u{200D}\u{200D}"), fail(Rule::Blank));
    }

    #[test]
    fn names_refuse_joiners_and_variation_selectors_that_titles_allow() {
        let fail = |rule| Err(err(Field::DisplayName, rule));
        for name in [
            "Demo\u{200D}",
            "Ada\u{FE0F}",
            "Ki\u{200C}m",
            "A\u{034F}da",
            "Ada\u{E0100}",
        ] {
            assert_eq!(
                display_name(name),
                fail(Rule::InvisibleCharacter),
                "{name:?}"
            );
            let title = title(name).map(|t| t.into_string());
            assert!(title.is_ok(), "{name:?} is a title");
        }
    }

    fn err(field: Field, rule: Rule) -> ValidationError {
        ValidationError { field, rule }
    }

    #[test]
    fn title_is_trimmed() {
        assert_eq!(title("  hello  ").as_deref(), Ok("hello"));
    }

    #[test]
    fn blank_title_is_refused() {
        assert_eq!(title(""), Err(err(Field::Title, Rule::Blank)));
        assert_eq!(title(" \t\n "), Err(err(Field::Title, Rule::Blank)));
    }

    #[test]
    fn title_of_exactly_the_limit_passes_and_one_more_fails() {
        let at_limit = "a".repeat(TITLE_MAX_CHARS);
        assert_eq!(title(&at_limit).as_deref(), Ok(at_limit.as_str()));
        let past = "a".repeat(TITLE_MAX_CHARS + 1);
        assert_eq!(
            title(&past),
            Err(err(Field::Title, Rule::TooLong { max: 200 }))
        );
    }

    #[test]
    fn title_limit_counts_characters_after_trimming() {
        let padded = format!("   {}   ", "a".repeat(TITLE_MAX_CHARS));
        assert!(title(&padded).is_ok());
    }

    #[test]
    fn title_limit_counts_characters_not_bytes() {
        // 200 Korean syllables are 600 bytes of UTF-8 and still a valid title.
        let korean = "가".repeat(TITLE_MAX_CHARS);
        assert_eq!(title(&korean).as_deref(), Ok(korean.as_str()));
        let past = "가".repeat(TITLE_MAX_CHARS + 1);
        assert!(title(&past).is_err());
    }

    #[test]
    fn title_refuses_every_control_character() {
        for c in ['\n', '\t', '\r', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}'] {
            let t = format!("a{c}b");
            assert_eq!(
                title(&t),
                Err(err(Field::Title, Rule::ControlCharacter)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn contents_keep_newlines_tabs_and_surrounding_space() {
        let text = "  first line\n\tindented\r\nlast  ";
        assert_eq!(contents(text).as_deref(), Ok(text));
    }

    #[test]
    fn blank_contents_are_refused() {
        assert_eq!(contents(""), Err(err(Field::Contents, Rule::Blank)));
        assert_eq!(contents("\n\n\t "), Err(err(Field::Contents, Rule::Blank)));
    }

    #[test]
    fn contents_of_exactly_the_limit_pass_and_one_more_fail() {
        let at_limit = "b".repeat(CONTENTS_MAX_CHARS);
        assert!(contents(&at_limit).is_ok());
        let past = "b".repeat(CONTENTS_MAX_CHARS + 1);
        assert_eq!(
            contents(&past),
            Err(err(Field::Contents, Rule::TooLong { max: 20_000 }))
        );
    }

    #[test]
    fn contents_refuse_other_control_characters() {
        for c in ['\u{0}', '\u{7}', '\u{1b}', '\u{7f}', '\u{9b}'] {
            let t = format!("a{c}b");
            assert_eq!(
                contents(&t),
                Err(err(Field::Contents, Rule::ControlCharacter)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn a_lone_carriage_return_is_refused() {
        assert_eq!(
            contents("a\rb"),
            Err(err(Field::Contents, Rule::ControlCharacter))
        );
        assert_eq!(
            contents("ab\r"),
            Err(err(Field::Contents, Rule::ControlCharacter))
        );
    }

    #[test]
    fn korean_and_emoji_are_kept_exactly() {
        let t = "안녕하세요 👋🏽 게시판";
        // A family (ZWJ sequence), a heart with a variation selector, Scotland's flag
        // (a tag sequence) and a Persian word with a zero-width non-joiner.
        let c = "첫 줄 🎉\n둘째 줄 \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} \u{2764}\u{FE0F} \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} \u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}";
        let (title, contents) = post(t, c).unwrap();
        assert_eq!((title.as_str(), contents.as_str()), (t, c));
    }

    #[test]
    fn text_is_stored_in_nfc() {
        // "한" as three conjoining jamo, and "é" as e + combining acute accent.
        let decomposed = "\u{1112}\u{1161}\u{11AB} caf\u{0065}\u{0301}";
        assert_eq!(title(decomposed).as_deref(), Ok("한 café"));
        assert_eq!(contents(decomposed).as_deref(), Ok("한 café"));
    }

    #[test]
    fn the_limit_counts_the_stored_nfc_text() {
        // 200 syllables written as 600 conjoining jamo are 200 characters once stored.
        let jamo = "\u{1112}\u{1161}\u{11AB}".repeat(TITLE_MAX_CHARS);
        assert_eq!(
            title(&jamo).as_deref(),
            Ok("한".repeat(TITLE_MAX_CHARS).as_str())
        );
    }

    #[test]
    fn direction_overrides_zero_width_and_fillers_are_refused() {
        let hiding = [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200B}',
            '\u{200E}',
            '\u{200F}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{2060}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{2800}',
            '\u{115F}',
            '\u{1160}',
            '\u{E0041}',
        ];
        for c in hiding {
            let text = format!("admin{c} 2026");
            assert_eq!(
                title(&text),
                Err(err(Field::Title, Rule::InvisibleCharacter)),
                "{c:?} in a title"
            );
            assert_eq!(
                contents(&text),
                Err(err(Field::Contents, Rule::InvisibleCharacter)),
                "{c:?} in contents"
            );
        }
    }

    #[test]
    fn a_value_with_nothing_visible_is_blank() {
        for text in [
            "\u{200D}",
            " \u{200C} ",
            "\u{FE0F}\u{FE0F}",
            "\u{3000}\u{200D}",
        ] {
            assert_eq!(title(text), Err(err(Field::Title, Rule::Blank)), "{text:?}");
            assert_eq!(
                contents(text),
                Err(err(Field::Contents, Rule::Blank)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn tag_characters_only_inside_an_emoji_tag_sequence() {
        assert!(title("\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}").is_ok());
        // Hidden text after a visible word, and a stray cancel tag.
        assert_eq!(
            title("hello\u{E0068}\u{E0069}"),
            Err(err(Field::Title, Rule::InvisibleCharacter))
        );
        assert_eq!(
            title("hello\u{E007F}"),
            Err(err(Field::Title, Rule::InvisibleCharacter))
        );
    }

    #[test]
    fn the_title_is_checked_before_the_contents() {
        assert_eq!(post("", ""), Err(err(Field::Title, Rule::Blank)));
        assert_eq!(post("ok", ""), Err(err(Field::Contents, Rule::Blank)));
    }

    #[test]
    fn messages_name_the_field_and_the_limit() {
        assert_eq!(
            err(Field::Title, Rule::TooLong { max: 200 }).to_string(),
            "title must be at most 200 characters"
        );
        assert_eq!(
            err(Field::Contents, Rule::Blank).to_string(),
            "contents must not be blank"
        );
    }
}

/// Properties over arbitrary text: what is stored passes again unchanged, and no input
/// makes validation panic. Whether the form (this code compiled to WebAssembly, with
/// the browser's NFC) and the API agree is checked where the form runs, in Chromium
/// (`e2e/rules.test.mjs`).
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Strings weighted towards the characters the rules are about.
    fn tricky_text() -> impl Strategy<Value = String> {
        let interesting = prop_oneof![
            Just(' '),
            Just('\n'),
            Just('\r'),
            Just('\t'),
            Just('\u{0}'),
            Just('\u{85}'),
            Just('\u{200B}'),
            Just('\u{200C}'),
            Just('\u{200D}'),
            Just('\u{202E}'),
            Just('\u{2067}'),
            Just('\u{FEFF}'),
            Just('\u{FE0F}'),
            Just('\u{3164}'),
            Just('\u{2800}'),
            Just('\u{3000}'),
            Just('\u{1F3F4}'),
            Just('\u{E0067}'),
            Just('\u{E007F}'),
            Just('\u{1112}'),
            Just('\u{1161}'),
            Just('\u{0301}'),
            Just('e'),
            Just('가'),
            Just('👍'),
        ];
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(interesting, 0..40).prop_map(String::from_iter),
        ]
    }

    proptest! {
        // Seeded, so every run checks the same 2,000 cases.
        #![proptest_config(ProptestConfig {
            cases: 2_000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_b0a2d),
            ..ProptestConfig::default()
        })]

        #[test]
        fn what_is_stored_passes_again_unchanged(t in tricky_text(), c in tricky_text()) {
            // An edit that changes nothing must never be refused.
            if let Ok((title, contents)) = post(&t, &c) {
                prop_assert_eq!(post(&title, &contents), Ok((title.clone(), contents.clone())));
                prop_assert!(title.chars().count() <= TITLE_MAX_CHARS);
                prop_assert!(contents.chars().count() <= CONTENTS_MAX_CHARS);
                prop_assert_eq!(nfc(&title), title.as_str());
            }
        }

        #[test]
        fn long_arbitrary_text_never_panics(t in ".{0,300}", c in any::<String>()) {
            let _ = post(&t, &c);
            let _ = check_visible(&c);
        }
    }
}
