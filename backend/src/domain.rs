//! The backend's own values that carry a rule: a post's id and the person calling.
//! Text rules live in `shared::validate` (the browser checks them too) and come here
//! as `Title`, `Contents` and `DisplayName`; a handler parses what it receives into
//! these types once, and everything past it (the store above all) takes only them.

use std::fmt;

/// A post's id: a whole number from 1 up, written without leading zeros (one id, one
/// path), the rule page cursors follow too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostId(u64);

impl PostId {
    /// The id in a path segment, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.starts_with('0') || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        raw.parse::<u64>().ok().filter(|id| *id >= 1).map(PostId)
    }

    /// An id the store handed out (the counter starts at 1).
    pub fn from_stored(id: u64) -> Self {
        PostId(id)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for PostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The person behind a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's stable id in the pool: the only thing ownership is keyed on.
    pub sub: String,
    /// Whether the token puts them in the Cognito group `moderators`. Only an
    /// administrator of the pool can add someone to a group; no user can claim it.
    pub moderator: bool,
}

impl Caller {
    /// Whether this caller may remove what `author_sub` wrote: its author may, and so
    /// may any moderator.
    pub fn may_remove(&self, author_sub: &str) -> bool {
        self.moderator || self.owns(author_sub)
    }

    /// Whether `author_sub` is this caller: only authors change their own words.
    pub fn owns(&self, author_sub: &str) -> bool {
        self.sub == author_sub
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!(PostId::parse("1").map(PostId::get), Some(1));
        assert_eq!(
            PostId::parse("18446744073709551615").map(PostId::get),
            Some(u64::MAX)
        );
        for bad in [
            "0",
            "-1",
            "+1",
            "1.5",
            "abc",
            "",
            "18446744073709551616",
            "007",
            "01",
        ] {
            assert_eq!(PostId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn authors_change_their_own_and_moderators_remove_anyones() {
        let alice = Caller {
            sub: "alice".into(),
            moderator: false,
        };
        let moderator = Caller {
            sub: "mod".into(),
            moderator: true,
        };
        assert!(alice.owns("alice") && alice.may_remove("alice"));
        assert!(!alice.owns("bob") && !alice.may_remove("bob"));
        assert!(moderator.may_remove("bob") && !moderator.owns("bob"));
    }
}
