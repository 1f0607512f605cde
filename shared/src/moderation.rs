//! The JSON bodies of moderation: reports, the moderators' queue, suspensions and
//! the public moderation log.

use serde::{Deserialize, Serialize};

use crate::api::Author;
use crate::validate::{self, Field, Note, ValidationError};

/// What the OpenAPI description says of a note or a reason, the rules it can state of
/// [`validate::note`]'s: the length, and no control or invisible formatting characters
/// (newline and tab aside).
pub const NOTE_PATTERN: &str = "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\xad\\u061c\\u180e\\u200b\\u200e\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb\\u115f\\u1160\\u3164\\uffa0\\u2800\\u17b4\\u17b5]*$";

/// A note or a reason in the OpenAPI description (in JSON, a string).
#[cfg(feature = "openapi")]
pub struct NoteText;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for NoteText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(validate::NOTE_MAX_CHARS))
            .pattern(Some(NOTE_PATTERN))
            .description(Some(
                "Up to 500 characters, something visible, no control characters but \
                 newline and tab, no invisible formatting characters",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for NoteText {}

/// Why something was reported: a short fixed list, so the queue can count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Spam,
    Abuse,
    PersonalInformation,
    Illegal,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 5] = [
        ReportReason::Spam,
        ReportReason::Abuse,
        ReportReason::PersonalInformation,
        ReportReason::Illegal,
        ReportReason::Other,
    ];

    /// The name in the JSON body (and in storage).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Abuse => "abuse",
            ReportReason::PersonalInformation => "personal_information",
            ReportReason::Illegal => "illegal",
            ReportReason::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// Body of `POST /posts/{id}/reports` and `POST /posts/{id}/comments/{comment_id}/reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub reason: ReportReason,
    /// What the moderators should know: up to 500 characters, under the contents'
    /// rules. Only moderators see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NoteText>))]
    pub note: Option<String>,
}

impl NewReport {
    /// The note as stored (none when absent or blank), if it meets the shared rules.
    pub fn parse(&self) -> Result<Option<Note>, ValidationError> {
        optional_note(self.note.as_deref(), Field::Note)
    }
}

/// A note or reason that may be left out: absent or only white space is none.
pub fn optional_note(raw: Option<&str>, field: Field) -> Result<Option<Note>, ValidationError> {
    match raw {
        Some(raw) if !raw.trim().is_empty() => validate::note(raw, field).map(Some),
        _ => Ok(None),
    }
}

/// Body of a stored report (`201`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// What was reported: `post-<id>` or `comment-<post id>-<comment id>`.
    pub target: String,
    pub reason: ReportReason,
    /// RFC 3339 timestamp, UTC.
    pub created_at: String,
}

/// How many reports gave one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    pub reason: ReportReason,
    pub count: u64,
}

/// One report as the queue shows it: never who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportNote {
    pub reason: ReportReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// RFC 3339 timestamp, UTC.
    pub created_at: String,
}

/// Everything reported about one post or comment since its reports were last closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedTarget {
    /// `post-<id>` or `comment-<post id>-<comment id>`: the path segment of
    /// `DELETE /moderation/queue/{target}`.
    pub target: String,
    pub post_id: u64,
    /// For a comment, its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    /// The post's title, or the comment's first words, when it was first reported.
    pub title: String,
    /// Who wrote it.
    pub author: Author,
    /// How many people reported it.
    pub report_count: u64,
    /// The reasons given, most given first.
    pub reasons: Vec<ReasonCount>,
    /// The latest reports (up to 20), newest first.
    pub reports: Vec<ReportNote>,
    /// RFC 3339 timestamps, UTC.
    pub first_reported_at: String,
    pub last_reported_at: String,
}

/// One page of `GET /moderation/queue`: what was reported, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuePage {
    pub items: Vec<ReportedTarget>,
    /// Pass as `cursor` for the next page; absent on the last. Opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// How long a suspension lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SuspensionLength {
    #[serde(rename = "1d")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    /// Until a moderator lifts it.
    #[serde(rename = "until_lifted")]
    UntilLifted,
}

impl SuspensionLength {
    pub const ALL: [SuspensionLength; 4] = [
        SuspensionLength::Day,
        SuspensionLength::Week,
        SuspensionLength::Month,
        SuspensionLength::UntilLifted,
    ];

    /// The name in the JSON body.
    pub fn as_str(self) -> &'static str {
        match self {
            SuspensionLength::Day => "1d",
            SuspensionLength::Week => "7d",
            SuspensionLength::Month => "30d",
            SuspensionLength::UntilLifted => "until_lifted",
        }
    }

    /// Its length in days; none until lifted.
    pub fn days(self) -> Option<u64> {
        match self {
            SuspensionLength::Day => Some(1),
            SuspensionLength::Week => Some(7),
            SuspensionLength::Month => Some(30),
            SuspensionLength::UntilLifted => None,
        }
    }
}

/// Body of `POST /moderation/suspensions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSuspension {
    /// The person's author id (an author's `author.id`).
    pub person: String,
    pub length: SuspensionLength,
    /// Why: shown to the person, and in the public log. 1 to 500 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = NoteText))]
    pub reason: String,
    /// What they wrote that led to it (`post-<id>` or `comment-<post id>-<comment id>`),
    /// whose open reports the suspension closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl NewSuspension {
    /// The reason as stored, if it meets the shared rules.
    pub fn parse(&self) -> Result<Note, ValidationError> {
        validate::note(&self.reason, Field::Reason)
    }
}

/// What a suspended person is told: until when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspensionNotice {
    /// RFC 3339 timestamp, UTC; absent when it lasts until a moderator lifts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub reason: String,
}

/// A suspension in force, as moderators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suspension {
    pub person: Author,
    /// RFC 3339 timestamp, UTC; absent until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub reason: String,
    /// The moderator's display name.
    pub by: String,
    /// RFC 3339 timestamp, UTC.
    pub since: String,
}

/// Body of `GET /moderation/suspensions`: every suspension in force, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspensionList {
    pub suspensions: Vec<Suspension>,
}

/// What a moderator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    DeletePost,
    DeleteComment,
    Suspend,
    Lift,
    Dismiss,
    /// A kind this version does not know yet.
    #[serde(other)]
    Unknown,
}

/// One entry of the public moderation log. It names what was acted on by its id
/// alone, never by its title or words: a removal took those away, and the log must not
/// keep them public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub kind: ActionKind,
    /// The moderator's display name when they acted.
    pub moderator: String,
    /// `post-<id>` or `comment-<post id>-<comment id>`, when the action was on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The display name of the person whose words or account it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a suspension: until when (absent until lifted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// RFC 3339 timestamp, UTC.
    pub at: String,
}

/// One page of `GET /moderation/log`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Pass as `cursor` for the next page; absent on the last. Opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_lengths_have_their_json_names() {
        for reason in ReportReason::ALL {
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json, reason.as_str());
            assert_eq!(ReportReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(
            serde_json::to_value(SuspensionLength::ALL).unwrap(),
            serde_json::json!(["1d", "7d", "30d", "until_lifted"])
        );
        for length in SuspensionLength::ALL {
            assert_eq!(serde_json::to_value(length).unwrap(), length.as_str());
        }
    }

    #[test]
    fn a_blank_note_is_none_and_a_long_one_is_refused() {
        let report = |note: &str| NewReport {
            reason: ReportReason::Spam,
            note: Some(note.to_owned()),
        };
        assert_eq!(report("  ").parse(), Ok(None));
        assert_eq!(
            report(" sells pills ").parse().unwrap().as_deref(),
            Some("sells pills")
        );
        let long = report(&"가".repeat(501)).parse().unwrap_err();
        assert_eq!(long.field, Field::Note);
        assert_eq!(long.rule, crate::Rule::TooLong { max: 500 });
        let suspension = NewSuspension {
            person: "p".into(),
            length: SuspensionLength::Day,
            reason: " ".into(),
            target: None,
        };
        assert_eq!(suspension.parse().unwrap_err().field, Field::Reason);
    }
}
