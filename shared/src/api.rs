//! The JSON bodies of the board's HTTP API.

use serde::{Deserialize, Serialize};

use crate::validate::{self, CommentText, Contents, DisplayName, Title, ValidationError};

/// Longest excerpt of a post's contents shown in the list, in characters.
pub const EXCERPT_MAX_CHARS: usize = 140;

/// Body of `POST /posts` and of `PUT /posts/{id}` (a full replacement): a post's
/// title and contents as the writer sent them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostDraft {
    /// 1 to 200 characters once trimmed and in NFC, something visible, no control
    /// characters and no invisible formatting characters (direction overrides,
    /// zero-width spaces, fillers).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: String,
    /// 1 to 20,000 characters in NFC, something visible, no control characters but
    /// newline and tab, no invisible formatting characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20000))]
    pub contents: String,
}

impl PostDraft {
    /// The title and contents as stored (in NFC, title trimmed), if they meet the
    /// shared rules ([`validate`]).
    pub fn parse(&self) -> Result<(Title, Contents), ValidationError> {
        validate::post(&self.title, &self.contents)
    }
}

/// Who wrote a post. `id` tells authors apart; `name` is for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    /// The author's id on this board: the same for all they write, whatever their
    /// name, and opaque. It is not their account's id (the token's `sub`), which the
    /// board never shows; compare it with `GET /me`'s `id` to find one's own words.
    pub id: String,
    /// The display name the author chose on the board, as it is now (a rename shows
    /// on every post). Absent when the author has none (an account removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the author is one of the board's moderators, as their own verified
    /// token last said (the Cognito group `moderators`): the app shows a badge that no
    /// name can imitate. Absent for everyone else.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub moderator: bool,
}

/// Body of `GET /me` and of a successful `PUT /me/name`: the caller as the board
/// knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    /// The caller's author id: what their posts and comments show as `author.id`.
    pub id: String,
    /// The name shown beside the caller's posts; absent until they choose one, and
    /// writing needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// When the name was last chosen (RFC 3339, UTC). It can change once a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_changed_at: Option<String>,
    /// Whether the caller is in the Cognito group `moderators`: may delete any post.
    pub moderator: bool,
    /// How many notices the caller has not seen yet.
    #[serde(default)]
    pub unread_notices: u32,
    /// Present while a moderator has suspended the caller from writing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension: Option<crate::SuspensionNotice>,
}

/// Body of `PUT /me/name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NameChange {
    /// 2 to 24 characters once trimmed, white space runs made one space, in NFC;
    /// under the title's character rules, without joiners or variation selectors.
    /// Unique on the board by what it looks like (case, width and look-alike letters
    /// aside).
    #[cfg_attr(feature = "openapi", schema(min_length = 2, max_length = 24))]
    pub display_name: String,
}

impl NameChange {
    /// The name as stored, if it meets the shared rules.
    pub fn parse(&self) -> Result<DisplayName, ValidationError> {
        validate::display_name(&self.display_name)
    }
}

/// A stored post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    /// 1, 2, 3, ... in order of creation.
    pub id: u64,
    pub title: String,
    pub contents: String,
    pub author: Author,
    /// RFC 3339 timestamp, UTC.
    pub created_at: String,
    /// RFC 3339 timestamp, UTC; equal to `created_at` until the first edit.
    pub updated_at: String,
    /// How many comments the post has (deleted ones not counted).
    #[serde(default)]
    pub comment_count: u64,
}

impl Post {
    /// What the list shows of this post.
    pub fn summary(&self) -> PostSummary {
        PostSummary {
            id: self.id,
            title: self.title.clone(),
            excerpt: excerpt(&self.contents),
            author: self.author.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            comment_count: self.comment_count,
        }
    }
}

/// A post as the list shows it: everything but the contents, of which only the
/// beginning ([`excerpt`]). A page of these stays small however long the posts are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostSummary {
    pub id: u64,
    pub title: String,
    /// The contents' first characters on one line, ending in `…` when cut.
    pub excerpt: String,
    pub author: Author,
    pub created_at: String,
    pub updated_at: String,
    /// How many comments the post has (deleted ones not counted).
    #[serde(default)]
    pub comment_count: u64,
}

/// The start of `contents` for the list: white space runs (newlines included) become
/// one space, and past [`EXCERPT_MAX_CHARS`] characters it is cut on a character
/// boundary (never inside a joined emoji's joiner) and ends in `…`.
pub fn excerpt(contents: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut words = contents.split_whitespace().peekable();
    while let Some(word) = words.next() {
        for c in word.chars() {
            if count == EXCERPT_MAX_CHARS {
                let kept = out.trim_end_matches(['\u{200D}', ' ']).len();
                out.truncate(kept);
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
        if words.peek().is_some() && count < EXCERPT_MAX_CHARS {
            out.push(' ');
            count += 1;
        }
    }
    out
}

/// One page of `GET /posts`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostPage {
    pub posts: Vec<PostSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page. Opaque: its
    /// contents are not part of the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Body of `POST /posts/{id}/comments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// 1 to 5,000 characters in NFC, under the contents' rules.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 5000))]
    pub contents: String,
    /// The comment this one answers, if it is a reply. A reply to a reply joins the
    /// same thread, under the same comment, and names whom it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[0-9]{13}[0-9a-f]{8}(-[0-9]{13}[0-9a-f]{8})?$")
    )]
    pub reply_to: Option<String>,
}

impl NewComment {
    /// The words as stored, if they meet the shared rules.
    pub fn parse(&self) -> Result<CommentText, ValidationError> {
        validate::comment(&self.contents)
    }
}

/// Body of `PUT /posts/{id}/comments/{comment_id}`: the comment's new words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommentEdit {
    /// 1 to 5,000 characters in NFC, under the contents' rules.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 5000))]
    pub contents: String,
}

impl CommentEdit {
    /// The words as stored, if they meet the shared rules.
    pub fn parse(&self) -> Result<CommentText, ValidationError> {
        validate::comment(&self.contents)
    }
}

/// A comment under a post. A deleted comment that has replies stays as a
/// placeholder (`deleted`, without author or words) so its replies still make sense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    /// Opaque; unique on the board.
    pub id: String,
    pub post_id: u64,
    /// For a reply, the id of the comment whose thread it is in; absent for a comment
    /// directly under the post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// For a reply, whom it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Author>,
    /// Absent on a placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
    /// Absent on a placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents: Option<String>,
    #[serde(default)]
    pub deleted: bool,
    /// RFC 3339 timestamp, UTC.
    pub created_at: String,
    /// RFC 3339 timestamp, UTC; equal to `created_at` until the first edit.
    pub updated_at: String,
}

/// One page of `GET /posts/{id}/comments`: threads in order, oldest first, each
/// comment followed by its replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    /// Pass as `cursor` for the next page; absent on the last. Opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// What a notice tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Someone commented on the recipient's post.
    Comment,
    /// Someone replied to the recipient's comment.
    Reply,
}

/// Someone answered the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub kind: NoticeKind,
    pub post_id: u64,
    /// The post's title when the answer was written.
    pub post_title: String,
    /// The answer, to link to.
    pub comment_id: String,
    /// Who answered.
    pub actor: Author,
    /// The answer's first words.
    pub excerpt: String,
    /// RFC 3339 timestamp, UTC.
    pub created_at: String,
    /// Not yet seen when the page was asked for.
    pub unread: bool,
}

/// One page of `GET /me/notices`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticePage {
    pub notices: Vec<Notice>,
    /// Pass as `cursor` for the next page; absent on the last. Opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Every error the API returns has this shape: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// A human-readable explanation in English.
    pub message: String,
    /// The request field at fault, when there is one (`title`, `contents`, `limit`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `suspended`: until when and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspension: Option<crate::SuspensionNotice>,
}

/// Machine-readable error codes, stable across releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a malformed query, path or cursor.
    BadRequest,
    /// 400: the body is not valid JSON.
    InvalidJson,
    /// 401: no token, or a token that failed verification.
    Unauthorized,
    /// 403: the caller may not do this to what someone else wrote.
    Forbidden,
    /// 403: writing needs a display name; choose one with `PUT /me/name`.
    NameRequired,
    /// 403: a moderator suspended the caller; `suspension` says until when and why.
    /// Reading goes on.
    Suspended,
    /// 409: the caller already reported this.
    AlreadyReported,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 409: a value clashes with what is stored (`field` names it: a display name
    /// taken or reserved, say).
    Conflict,
    /// 413
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: well-formed JSON that breaks a rule (missing field, wrong type, too long, ...).
    Validation,
    /// 429: too many writes (or name changes) for now; `Retry-After` says when to
    /// try again.
    TooManyRequests,
    /// 500: something failed on the server; details are only in its logs.
    Internal,
    /// 503
    Unavailable,
    /// A code this version does not know yet.
    #[serde(other)]
    Unknown,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>, field: Option<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
                field,
                suspension: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody::new(ErrorCode::Validation, "too long", Some("title".into()));
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "validation", "message": "too long", "field": "title"}})
        );
        let without_field = ErrorBody::new(ErrorCode::NotFound, "no such post", None);
        assert_eq!(
            serde_json::to_value(&without_field).unwrap(),
            serde_json::json!({"error": {"code": "not_found", "message": "no such post"}})
        );
    }

    #[test]
    fn unknown_error_codes_still_parse() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"brand_new","message":"m"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }

    #[test]
    fn page_omits_cursor_on_the_last_page() {
        let page = PostPage {
            posts: vec![],
            next_cursor: None,
        };
        assert_eq!(serde_json::to_string(&page).unwrap(), r#"{"posts":[]}"#);
    }

    #[test]
    fn excerpts_are_one_line_and_cut_on_a_character_boundary() {
        assert_eq!(excerpt("  one\n\ntwo\tthree  "), "one two three");
        let korean = "가".repeat(EXCERPT_MAX_CHARS + 10);
        let cut = excerpt(&korean);
        assert_eq!(cut.chars().count(), EXCERPT_MAX_CHARS + 1);
        assert!(cut.ends_with('…'));
        let exact = "a".repeat(EXCERPT_MAX_CHARS);
        assert_eq!(excerpt(&exact), exact, "no ellipsis when nothing was cut");
        // A cut right after a joiner drops the dangling joiner.
        let family = format!(
            "{}\u{1F468}\u{200D}\u{1F469}",
            "a".repeat(EXCERPT_MAX_CHARS - 2)
        );
        assert_eq!(
            excerpt(&family),
            format!("{}\u{1F468}…", "a".repeat(EXCERPT_MAX_CHARS - 2))
        );
    }

    #[test]
    fn a_draft_rejects_unknown_fields() {
        let err = serde_json::from_str::<PostDraft>(r#"{"title":"t","contents":"c","id":3}"#);
        assert!(err.is_err());
    }
}
