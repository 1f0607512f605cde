//! The backend's own values that carry a rule: a post's id, a comment's id and the
//! person calling.
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

/// A comment's id: the part of the comment that starts its thread, and for a reply
/// its own part. Each part is the time it was written (milliseconds since the epoch,
/// 13 digits) and 8 random hex digits, so ids sort by time and never collide. Written
/// `<thread>` or `<thread>-<reply>` in paths and bodies; stored as the sort key
/// `c#<thread>` or `c#<thread>#<reply>`, which puts replies right after their thread's
/// first comment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentId {
    thread: String,
    reply: Option<String>,
}

const PART_LEN: usize = 21;

fn is_part(part: &str) -> bool {
    part.len() == PART_LEN
        && part.as_bytes()[..13].iter().all(u8::is_ascii_digit)
        && part.as_bytes()[13..]
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

impl CommentId {
    /// Every comment's sort key starts with this; [`CommentId::SORT_END`] is above them all.
    pub const SORT_PREFIX: &'static str = "c#";
    pub const SORT_END: &'static str = "c#~";

    /// A fresh id written at `at`: a new thread, or a reply in `thread`.
    pub fn new(at: time::OffsetDateTime, thread: Option<String>) -> Self {
        let millis = (at.unix_timestamp_nanos() / 1_000_000).clamp(0, 9_999_999_999_999);
        let random = uuid::Uuid::new_v4().simple().to_string();
        let part = format!("{millis:013}{}", &random[..8]);
        match thread {
            None => Self {
                thread: part,
                reply: None,
            },
            Some(thread) => Self {
                thread,
                reply: Some(part),
            },
        }
    }

    /// The first comment of `thread`.
    pub fn head(thread: String) -> Self {
        Self {
            thread,
            reply: None,
        }
    }

    /// An id as a client writes it, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        let (thread, reply) = match raw.split_once('-') {
            Some((t, r)) => (t, Some(r)),
            None => (raw, None),
        };
        (is_part(thread) && reply.is_none_or(is_part)).then(|| Self {
            thread: thread.to_owned(),
            reply: reply.map(str::to_owned),
        })
    }

    pub fn from_sort_key(key: &str) -> Option<Self> {
        let rest = key.strip_prefix(Self::SORT_PREFIX)?;
        Self::parse(&rest.replacen('#', "-", 1))
    }

    pub fn sort_key(&self) -> String {
        match &self.reply {
            None => format!("{}{}", Self::SORT_PREFIX, self.thread),
            Some(reply) => format!("{}{}#{reply}", Self::SORT_PREFIX, self.thread),
        }
    }

    /// The part that starts the thread this comment is in.
    pub fn thread(&self) -> &String {
        &self.thread
    }

    /// A reply's own part; `None` for the comment that starts a thread.
    pub fn reply(&self) -> Option<&str> {
        self.reply.as_deref()
    }

    /// This comment's own part, which carries the time it was written.
    pub fn own(&self) -> &str {
        self.reply.as_deref().unwrap_or(&self.thread)
    }
}

impl fmt::Display for CommentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reply {
            None => f.write_str(&self.thread),
            Some(reply) => write!(f, "{}-{reply}", self.thread),
        }
    }
}

/// What a report, or a moderator's action, is about: a post or a comment. Written
/// `post-<id>` or `comment-<post id>-<comment id>` in paths, bodies and storage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Post(PostId),
    Comment(PostId, CommentId),
}

impl Target {
    pub fn parse(raw: &str) -> Option<Self> {
        if let Some(id) = raw.strip_prefix("post-") {
            return PostId::parse(id).map(Target::Post);
        }
        let (post, comment) = raw.strip_prefix("comment-")?.split_once('-')?;
        Some(Target::Comment(
            PostId::parse(post)?,
            CommentId::parse(comment)?,
        ))
    }

    /// The post it is, or is under.
    pub fn post(&self) -> PostId {
        match self {
            Target::Post(id) | Target::Comment(id, _) => *id,
        }
    }

    pub fn comment(&self) -> Option<&CommentId> {
        match self {
            Target::Post(_) => None,
            Target::Comment(_, comment) => Some(comment),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Post(id) => write!(f, "post-{id}"),
            Target::Comment(post, comment) => write!(f, "comment-{post}-{comment}"),
        }
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
    fn comment_ids_round_trip_and_sort_replies_after_their_thread() {
        let at = time::macros::datetime!(2026-12-02 10:00:00 UTC);
        let first = CommentId::new(at, None);
        let reply = CommentId::new(
            at + time::Duration::seconds(5),
            Some(first.thread().clone()),
        );
        let second = CommentId::new(at + time::Duration::seconds(1), None);
        for id in [&first, &reply, &second] {
            assert_eq!(CommentId::parse(&id.to_string()).as_ref(), Some(id));
            assert_eq!(CommentId::from_sort_key(&id.sort_key()).as_ref(), Some(id));
        }
        let mut keys = [second.sort_key(), reply.sort_key(), first.sort_key()];
        keys.sort();
        assert_eq!(
            keys,
            [first.sort_key(), reply.sort_key(), second.sort_key()]
        );
        assert!(keys.iter().all(|k| k.as_str() < CommentId::SORT_END));
        for bad in [
            "",
            "1",
            "x".repeat(21).as_str(),
            "0000000000000abcdefg0",
            "a-b",
        ] {
            assert_eq!(CommentId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn targets_round_trip_and_refuse_anything_else() {
        let at = time::macros::datetime!(2026-12-03 10:00:00 UTC);
        let thread = CommentId::new(at, None);
        let reply = CommentId::new(at, Some(thread.thread().clone()));
        for target in [
            Target::Post(PostId::from_stored(7)),
            Target::Comment(PostId::from_stored(7), thread),
            Target::Comment(PostId::from_stored(12), reply),
        ] {
            assert_eq!(Target::parse(&target.to_string()).as_ref(), Some(&target));
        }
        assert_eq!(Target::Post(PostId::from_stored(7)).to_string(), "post-7");
        for bad in [
            "",
            "post-",
            "post-0",
            "post-07",
            "comment-7",
            "comment-7-x",
            "user-1",
        ] {
            assert_eq!(Target::parse(bad), None, "{bad}");
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
