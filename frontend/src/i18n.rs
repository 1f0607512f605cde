//! Every string of the interface, in English and Korean.

use shared::{Field, Rule, ValidationError};

use crate::auth::OAuthError;

pub use shared::Lang;

/// The interface's strings in `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
    }
}

pub struct Texts {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub main_nav: &'static str,
    pub language: &'static str,
    pub other_language: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub write: &'static str,
    pub welcome_title: &'static str,
    pub welcome_body: &'static str,
    pub loading: &'static str,
    pub no_posts: &'static str,
    pub older: &'static str,
    pub newest: &'static str,
    pub edited: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub confirm_delete: &'static str,
    pub title_label: &'static str,
    pub contents_label: &'static str,
    pub publish: &'static str,
    pub save: &'static str,
    pub sending: &'static str,
    pub cancel: &'static str,
    pub new_post: &'static str,
    pub edit_post: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub post_not_found: &'static str,
    pub back_to_list: &'static str,
    pub session_expired: &'static str,
    pub sign_in_again: &'static str,
    pub sign_in_failed: &'static str,
    pub state_mismatch: &'static str,
    pub nonce_mismatch: &'static str,
    pub bad_token: &'static str,
    pub token_expired: &'static str,
    pub not_started: &'static str,
    pub exchange_failed: &'static str,
    pub forbidden: &'static str,
    pub conflict: &'static str,
    pub network_error: &'static str,
    pub server_error: &'static str,
    pub config_error_title: &'static str,
    pub config_error_body: &'static str,
    pub dismiss: &'static str,
    pub draft_restored: &'static str,
    pub title_field: &'static str,
    pub contents_field: &'static str,
    pub blank: &'static str,
    pub too_long: &'static str,
    pub control: &'static str,
    pub control_contents: &'static str,
    pub invisible: &'static str,
    pub unavailable: &'static str,
    pub oauth_access_denied: &'static str,
    pub oauth_misconfigured: &'static str,
    pub oauth_unavailable: &'static str,
    pub oauth_other: &'static str,
    pub choose_name_title: &'static str,
    pub choose_name_body: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub save_name: &'static str,
    pub your_name: &'static str,
    pub name_saved: &'static str,
    pub name_taken: &'static str,
    pub name_changed_recently: &'static str,
    pub too_many_writes: &'static str,
    pub in_seconds: &'static str,
    pub at_time: &'static str,
    pub former_member: &'static str,
    pub moderator: &'static str,
    pub confirm_moderator_delete: &'static str,
    pub name_required: &'static str,
    pub name_field: &'static str,
    pub too_short: &'static str,
    pub comments: &'static str,
    pub comment_count: &'static str,
    pub no_comments: &'static str,
    pub more_comments: &'static str,
    pub earlier_comments: &'static str,
    pub comment_label: &'static str,
    pub comment_submit: &'static str,
    pub reply: &'static str,
    pub reply_label: &'static str,
    pub reply_submit: &'static str,
    pub replying_to: &'static str,
    pub deleted_comment: &'static str,
    pub confirm_comment_delete: &'static str,
    pub confirm_moderator_comment_delete: &'static str,
    pub notices: &'static str,
    pub unread_notices: &'static str,
    pub no_notices: &'static str,
    pub notice_comment: &'static str,
    pub notice_reply: &'static str,
    pub new_badge: &'static str,
    pub older_notices: &'static str,
}

impl Texts {
    /// A fixed message for each error the hosted UI can report.
    pub fn oauth_error(&self, error: OAuthError) -> &'static str {
        match error {
            OAuthError::AccessDenied => self.oauth_access_denied,
            OAuthError::InvalidRequest
            | OAuthError::UnauthorizedClient
            | OAuthError::UnsupportedResponseType
            | OAuthError::InvalidScope => self.oauth_misconfigured,
            OAuthError::ServerError | OAuthError::TemporarilyUnavailable => self.oauth_unavailable,
            OAuthError::Other => self.oauth_other,
        }
    }

    /// When something can be done again, `secs` from now: in seconds while that is
    /// short, else as the clock time `time` (in the reader's time zone).
    pub fn wait(&self, secs: u64, time: &str) -> String {
        if secs <= 90 {
            self.in_seconds.replace("{n}", &secs.to_string())
        } else {
            self.at_time.replace("{time}", time)
        }
    }

    /// A broken rule, said for the form.
    pub fn rule(&self, error: &ValidationError) -> String {
        let field = match error.field {
            Field::Title => self.title_field,
            Field::Contents => self.contents_field,
            Field::DisplayName => self.name_field,
        };
        match (error.rule, error.field) {
            (Rule::Blank, _) => self.blank.replace("{field}", field),
            (Rule::TooLong { max }, _) => self
                .too_long
                .replace("{field}", field)
                .replace("{max}", &max.to_string()),
            (Rule::TooShort { min }, _) => self
                .too_short
                .replace("{field}", field)
                .replace("{min}", &min.to_string()),
            (Rule::ControlCharacter, Field::Title | Field::DisplayName) => {
                self.control.replace("{field}", field)
            }
            (Rule::ControlCharacter, Field::Contents) => {
                self.control_contents.replace("{field}", field)
            }
            (Rule::InvisibleCharacter, _) => self.invisible.replace("{field}", field),
        }
    }
}

pub static EN: Texts = Texts {
    app_name: "The board",
    skip_to_content: "Skip to content",
    main_nav: "Main",
    language: "Language",
    other_language: "한국어",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    write: "Write",
    welcome_title: "Welcome to the board",
    welcome_body: "Sign in to read and write posts.",
    loading: "Loading…",
    no_posts: "No posts yet. Be the first to write one.",
    older: "Older posts",
    newest: "Back to the newest",
    edited: "edited",
    edit: "Edit",
    delete: "Delete",
    confirm_delete: "Delete this post? This cannot be undone.",
    title_label: "Title",
    contents_label: "Contents",
    publish: "Publish",
    save: "Save changes",
    sending: "Sending…",
    cancel: "Cancel",
    new_post: "New post",
    edit_post: "Edit post",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    post_not_found: "This post does not exist or was deleted.",
    back_to_list: "Back to the list",
    session_expired: "Your session has expired. Sign in again to continue; what you wrote is kept.",
    sign_in_again: "Sign in again",
    sign_in_failed: "Sign-in failed",
    state_mismatch: "The sign-in response did not match this browser's request, so it was refused. Please sign in again.",
    nonce_mismatch: "The sign-in response was not made for this request, so it was refused. Please sign in again.",
    bad_token: "The sign-in response could not be read. Please sign in again.",
    token_expired: "The sign-in response had already expired. Please sign in again.",
    not_started: "This sign-in was not started from this tab. Please sign in again.",
    exchange_failed: "The sign-in could not be completed. Please sign in again.",
    forbidden: "Only the author can change this post.",
    conflict: "This was changed elsewhere at the same moment. Reload the page and try again.",
    network_error: "The board could not be reached. Check your connection and try again.",
    server_error: "Something went wrong on the server. Please try again shortly.",
    config_error_title: "The board is not configured",
    config_error_body: "The app could not load its settings (/config.json):",
    dismiss: "Dismiss",
    draft_restored: "Your draft was restored.",
    title_field: "Title",
    contents_field: "Contents",
    blank: "{field} must not be blank.",
    too_long: "{field} must be at most {max} characters.",
    control: "{field} must not contain control characters.",
    control_contents: "{field} must not contain control characters other than newline and tab.",
    invisible: "{field} must not contain invisible formatting characters (direction overrides, zero-width spaces or fillers).",
    unavailable: "The board is unreachable for a moment. You are still signed in; please try again shortly.",
    oauth_access_denied: "Sign-in was cancelled or refused.",
    oauth_misconfigured: "The sign-in service refused this board's request. Please tell the board's administrators.",
    oauth_unavailable: "The sign-in service is unavailable at the moment. Please try again shortly.",
    oauth_other: "The sign-in service reported an error. Please try again.",
    choose_name_title: "Choose your display name",
    choose_name_body: "Others see this name beside your posts. Your email address is never shown.",
    name_label: "Display name",
    name_hint: "2 to 24 characters, unique on the board. You can change it once a day.",
    save_name: "Save name",
    your_name: "Your display name",
    name_saved: "Your display name is saved.",
    name_taken: "That name is taken, looks like one that is, or is reserved. Please choose another.",
    name_changed_recently: "A display name can change once a day. You can change it again {when}.",
    too_many_writes: "You have posted a lot in a short time. You can post again {when}; what you wrote is kept.",
    in_seconds: "in {n} seconds",
    at_time: "at {time}",
    former_member: "former member",
    moderator: "moderator",
    confirm_moderator_delete: "Delete someone else's post as a moderator? This cannot be undone.",
    name_required: "Choose a display name before writing.",
    name_field: "Display name",
    too_short: "{field} must be at least {min} characters.",
    comments: "Comments",
    comment_count: "{n} comments",
    no_comments: "No comments yet.",
    more_comments: "More comments",
    earlier_comments: "Earlier comments",
    comment_label: "Your comment",
    comment_submit: "Comment",
    reply: "Reply",
    reply_label: "Your reply to {name}",
    reply_submit: "Reply",
    replying_to: "to {name}",
    deleted_comment: "This comment was deleted.",
    confirm_comment_delete: "Delete this comment? This cannot be undone.",
    confirm_moderator_comment_delete: "Delete someone else's comment as a moderator? This cannot be undone.",
    notices: "Notifications",
    unread_notices: "{n} unread notifications",
    no_notices: "No notifications.",
    notice_comment: "{name} commented on your post “{title}”",
    notice_reply: "{name} replied to your comment on “{title}”",
    new_badge: "new",
    older_notices: "Older notifications",
};

pub static KO: Texts = Texts {
    app_name: "게시판",
    skip_to_content: "본문으로 건너뛰기",
    main_nav: "주 메뉴",
    language: "언어",
    other_language: "English",
    sign_in: "로그인",
    sign_out: "로그아웃",
    signed_in_as: "로그인한 사용자",
    write: "글쓰기",
    welcome_title: "게시판에 오신 것을 환영합니다",
    welcome_body: "로그인하면 글을 읽고 쓸 수 있습니다.",
    loading: "불러오는 중…",
    no_posts: "아직 글이 없습니다. 첫 글을 써 보세요.",
    older: "이전 글",
    newest: "최신 글로",
    edited: "수정됨",
    edit: "수정",
    delete: "삭제",
    confirm_delete: "이 글을 삭제할까요? 되돌릴 수 없습니다.",
    title_label: "제목",
    contents_label: "내용",
    publish: "올리기",
    save: "저장",
    sending: "보내는 중…",
    cancel: "취소",
    new_post: "새 글",
    edit_post: "글 수정",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_body: "이 주소에는 아무것도 없습니다.",
    post_not_found: "없는 글이거나 삭제된 글입니다.",
    back_to_list: "목록으로",
    session_expired: "로그인이 만료되었습니다. 다시 로그인하면 이어서 할 수 있으며, 쓰던 글은 보관됩니다.",
    sign_in_again: "다시 로그인",
    sign_in_failed: "로그인 실패",
    state_mismatch: "로그인 응답이 이 브라우저의 요청과 일치하지 않아 거부했습니다. 다시 로그인해 주세요.",
    nonce_mismatch: "로그인 응답이 이 요청을 위한 것이 아니어서 거부했습니다. 다시 로그인해 주세요.",
    bad_token: "로그인 응답을 읽을 수 없습니다. 다시 로그인해 주세요.",
    token_expired: "로그인 응답이 이미 만료되었습니다. 다시 로그인해 주세요.",
    not_started: "이 탭에서 시작한 로그인이 아닙니다. 다시 로그인해 주세요.",
    exchange_failed: "로그인을 마치지 못했습니다. 다시 로그인해 주세요.",
    forbidden: "작성자만 이 글을 바꿀 수 있습니다.",
    conflict: "다른 곳에서 같은 때에 바뀌었습니다. 페이지를 새로 고친 뒤 다시 해 주세요.",
    network_error: "게시판에 연결할 수 없습니다. 연결을 확인하고 다시 시도해 주세요.",
    server_error: "서버에 문제가 생겼습니다. 잠시 후 다시 시도해 주세요.",
    config_error_title: "게시판 설정이 없습니다",
    config_error_body: "앱이 설정(/config.json)을 불러오지 못했습니다:",
    dismiss: "닫기",
    draft_restored: "쓰던 글을 되살렸습니다.",
    title_field: "제목",
    contents_field: "내용",
    blank: "{field}을(를) 비워 둘 수 없습니다.",
    too_long: "{field}은(는) {max}자 이하여야 합니다.",
    control: "{field}에 제어 문자를 넣을 수 없습니다.",
    control_contents: "{field}에는 줄바꿈과 탭 외의 제어 문자를 넣을 수 없습니다.",
    invisible: "{field}에 보이지 않는 서식 문자(방향 재정의, 폭 없는 공백, 채움 문자)를 넣을 수 없습니다.",
    unavailable: "잠시 게시판에 연결할 수 없습니다. 로그인은 유지됩니다. 잠시 후 다시 시도해 주세요.",
    oauth_access_denied: "로그인이 취소되었거나 거부되었습니다.",
    oauth_misconfigured: "로그인 서비스가 이 게시판의 요청을 거부했습니다. 게시판 관리자에게 알려 주세요.",
    oauth_unavailable: "지금은 로그인 서비스를 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    oauth_other: "로그인 서비스에서 오류가 발생했습니다. 다시 시도해 주세요.",
    choose_name_title: "표시 이름 정하기",
    choose_name_body: "다른 사람에게는 글 옆에 이 이름이 보입니다. 이메일 주소는 보이지 않습니다.",
    name_label: "표시 이름",
    name_hint: "2~24자이며 게시판에서 하나뿐이어야 합니다. 하루에 한 번 바꿀 수 있습니다.",
    save_name: "이름 저장",
    your_name: "내 표시 이름",
    name_saved: "표시 이름을 저장했습니다.",
    name_taken: "이미 쓰이거나, 쓰이는 이름과 닮았거나, 쓸 수 없는 이름입니다. 다른 이름을 골라 주세요.",
    name_changed_recently: "표시 이름은 하루에 한 번 바꿀 수 있습니다. {when} 다시 바꿀 수 있습니다.",
    too_many_writes: "짧은 시간에 글을 많이 썼습니다. {when} 다시 올릴 수 있으며, 쓴 글은 보관됩니다.",
    in_seconds: "{n}초 후",
    at_time: "{time}에",
    former_member: "탈퇴한 회원",
    moderator: "운영자",
    confirm_moderator_delete: "운영자로서 다른 사람의 글을 삭제할까요? 되돌릴 수 없습니다.",
    name_required: "글을 쓰기 전에 표시 이름을 정해 주세요.",
    name_field: "표시 이름",
    too_short: "{field}은(는) {min}자 이상이어야 합니다.",
    comments: "댓글",
    comment_count: "댓글 {n}",
    no_comments: "아직 댓글이 없습니다.",
    more_comments: "댓글 더 보기",
    earlier_comments: "이전 댓글 보기",
    comment_label: "댓글 쓰기",
    comment_submit: "댓글 등록",
    reply: "답글",
    reply_label: "{name} 님에게 답글",
    reply_submit: "답글 등록",
    replying_to: "{name} 님에게",
    deleted_comment: "삭제된 댓글입니다.",
    confirm_comment_delete: "이 댓글을 삭제할까요? 되돌릴 수 없습니다.",
    confirm_moderator_comment_delete: "운영자로서 다른 사람의 댓글을 삭제할까요? 되돌릴 수 없습니다.",
    notices: "알림",
    unread_notices: "읽지 않은 알림 {n}개",
    no_notices: "알림이 없습니다.",
    notice_comment: "{name} 님이 내 글 “{title}”에 댓글을 남겼습니다",
    notice_reply: "{name} 님이 “{title}”의 내 댓글에 답글을 남겼습니다",
    new_badge: "새 알림",
    older_notices: "이전 알림",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_messages_are_filled_in() {
        let error = ValidationError {
            field: Field::Title,
            rule: Rule::TooLong { max: 200 },
        };
        assert_eq!(EN.rule(&error), "Title must be at most 200 characters.");
        assert_eq!(KO.rule(&error), "제목은(는) 200자 이하여야 합니다.");
        let short = ValidationError {
            field: Field::DisplayName,
            rule: Rule::TooShort { min: 2 },
        };
        assert_eq!(
            EN.rule(&short),
            "Display name must be at least 2 characters."
        );
    }

    /// When the next write (or name change) is allowed, said for a person.
    #[test]
    fn waits_are_said_in_seconds_or_as_a_time() {
        assert_eq!(EN.wait(45, "14:05"), "in 45 seconds");
        assert_eq!(EN.wait(3600, "14:05"), "at 14:05");
        assert_eq!(KO.wait(45, "14:05"), "45초 후");
    }
}
