//! The rules a post must meet, defined once for the API and the form.
//!
//! Lengths count Unicode scalar values (`char`s), not bytes, so a Korean title of
//! 200 syllables is as long as an English one of 200 letters.

use std::fmt;

/// Longest title, in characters, after trimming.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest contents, in characters.
pub const CONTENTS_MAX_CHARS: usize = 20_000;

/// The field a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Contents,
}

impl Field {
    /// The field's name in the JSON body.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Contents => "contents",
        }
    }
}

/// Which rule a value broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Empty, or only white space.
    Blank,
    /// Longer than `max` characters.
    TooLong { max: usize },
    /// Holds a control character that the field does not allow.
    ControlCharacter,
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
            Rule::ControlCharacter => match self.field {
                Field::Title => write!(f, "{field} must not contain control characters"),
                Field::Contents => write!(
                    f,
                    "{field} must not contain control characters other than newline and tab"
                ),
            },
        }
    }
}

impl std::error::Error for ValidationError {}

/// Checks a title and returns it trimmed: 1 to [`TITLE_MAX_CHARS`] characters after
/// trimming, no control characters at all.
pub fn title(raw: &str) -> Result<&str, ValidationError> {
    let fail = |rule| ValidationError {
        field: Field::Title,
        rule,
    };
    let trimmed = raw.trim();
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
    Ok(trimmed)
}

/// Checks contents, which are kept exactly as written: 1 to [`CONTENTS_MAX_CHARS`]
/// characters, not only white space, and no control characters except newline
/// (`\n`, or `\r\n`) and tab.
pub fn contents(raw: &str) -> Result<&str, ValidationError> {
    let fail = |rule| ValidationError {
        field: Field::Contents,
        rule,
    };
    if raw.trim().is_empty() {
        return Err(fail(Rule::Blank));
    }
    if raw.chars().count() > CONTENTS_MAX_CHARS {
        return Err(fail(Rule::TooLong {
            max: CONTENTS_MAX_CHARS,
        }));
    }
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\n' | '\t' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            return Err(fail(Rule::ControlCharacter));
        }
    }
    Ok(raw)
}

/// Checks a whole post, title first, and returns the values to store.
pub fn post(raw_title: &str, raw_contents: &str) -> Result<(String, String), ValidationError> {
    let title = title(raw_title)?;
    let contents = contents(raw_contents)?;
    Ok((title.to_owned(), contents.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(field: Field, rule: Rule) -> ValidationError {
        ValidationError { field, rule }
    }

    #[test]
    fn title_is_trimmed() {
        assert_eq!(title("  hello  "), Ok("hello"));
    }

    #[test]
    fn blank_title_is_refused() {
        assert_eq!(title(""), Err(err(Field::Title, Rule::Blank)));
        assert_eq!(title(" \t\n "), Err(err(Field::Title, Rule::Blank)));
    }

    #[test]
    fn title_of_exactly_the_limit_passes_and_one_more_fails() {
        let at_limit = "a".repeat(TITLE_MAX_CHARS);
        assert_eq!(title(&at_limit), Ok(at_limit.as_str()));
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
        assert_eq!(title(&korean), Ok(korean.as_str()));
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
        assert_eq!(contents(text), Ok(text));
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
        let c = "첫 줄 🎉\n둘째 줄 👨‍👩‍👧‍👦";
        assert_eq!(post(t, c), Ok((t.to_owned(), c.to_owned())));
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
