//! The languages the board speaks: its app and its local sign-in pages alike.

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// The BCP 47 tag, for `lang` attributes and date formatting.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The language to offer as the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Ko,
            Lang::Ko => Lang::En,
        }
    }

    /// From a language tag (`ko-KR`, `en_US`, or an `Accept-Language` entry such as
    /// `ko;q=0.9`), by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split([';', '-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("ko") {
            Some(Lang::Ko)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first of `tags` (most preferred first) that the board speaks, else English.
    pub fn preferred<'a>(tags: impl IntoIterator<Item = &'a str>) -> Self {
        tags.into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or(Lang::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_spoken_language_wins() {
        assert_eq!(Lang::preferred(["ko-KR", "en-US"]), Lang::Ko);
        assert_eq!(Lang::preferred(["fr-FR", "ko"]), Lang::Ko);
        assert_eq!(Lang::preferred(["en-GB", "ko-KR"]), Lang::En);
        assert_eq!(Lang::preferred(["de"]), Lang::En);
        assert_eq!(Lang::preferred([]), Lang::En);
    }

    #[test]
    fn accept_language_entries_are_understood() {
        assert_eq!(
            Lang::preferred("ko-KR,ko;q=0.9,en;q=0.8".split(',')),
            Lang::Ko
        );
        assert_eq!(Lang::preferred("fr-FR, en;q=0.5".split(',')), Lang::En);
        assert_eq!(Lang::from_tag("KO"), Some(Lang::Ko));
        assert_eq!(Lang::from_tag("kok"), None);
    }
}
