//! Types and validation rules shared by the board's backend and its browser app.
//!
//! Everything here is plain data and pure functions (no I/O), so it builds for
//! `wasm32-unknown-unknown` as well as natively, and the form in the browser checks
//! a post with exactly the rules the API enforces.

pub mod api;
pub mod lang;
pub mod moderation;
pub mod validate;

pub use api::{
    Author, Comment, CommentEdit, CommentPage, ErrorBody, ErrorCode, ErrorDetail, NameChange,
    NewComment, Notice, NoticeKind, NoticePage, Post, PostDraft, PostPage, PostSummary, Profile,
};
pub use lang::Lang;
pub use moderation::{
    ActionKind, LogEntry, LogPage, NewReport, NewSuspension, QueuePage, ReasonCount, Report,
    ReportNote, ReportReason, ReportedTarget, Suspension, SuspensionLength, SuspensionList,
    SuspensionNotice,
};
pub use validate::{CommentText, Contents, DisplayName, Field, Note, Rule, Title, ValidationError};
