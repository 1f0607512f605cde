//! The public moderation log: what moderators did, to what and why, newest first.
//! It names posts and comments by their title or first words, never by their words.

use leptos::prelude::*;

use super::tr;
use shared::{ActionKind, LogEntry};

use super::{LoadError, format_time};
use crate::api::ApiError;
use crate::app::SignInPrompt;
use crate::i18n::Texts;
use crate::load::pages;
use crate::state::{use_app, use_config};

fn kind_text(t: &'static Texts, kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::DeletePost => t.log_delete_post,
        ActionKind::DeleteComment => t.log_delete_comment,
        ActionKind::Suspend => t.log_suspend,
        ActionKind::Lift => t.log_lift,
        ActionKind::Dismiss => t.log_dismiss,
        ActionKind::Unknown => t.log_other,
    }
}

/// Visitors read it where the board is public; elsewhere the API answers 401 and
/// they are asked to sign in.
#[component]
pub fn LogPage() -> impl IntoView {
    let app = use_app();
    let config = StoredValue::new(use_config());
    let (log, more) = pages(move |cursor| async move {
        let config = config.get_value();
        let page = app
            .call(&config, None, move |api| {
                let cursor = cursor.clone();
                async move { api.moderation_log(cursor.as_deref()).await }
            })
            .await?;
        Ok((page.entries, page.next_cursor))
    });
    view! {
        <section class="log">
            <h1>{tr(|t| t.log_title)}</h1>
            <p>{tr(|t| t.log_intro)}</p>
            {move || log.error.get().map(|error| match error {
                ApiError::Unauthorized if app.session.with(Option::is_none) => view! { <SignInPrompt/> }.into_any(),
                error => view! { <LoadError error/> }.into_any(),
            })}
            <Show when=move || log.none()>
                <p class="empty">{tr(|t| t.log_empty)}</p>
            </Show>
            <ol class="log-list" data-testid="log">
                {move || log.items.get().into_iter().map(|entry: LogEntry| view! { <Entry entry/> }).collect_view()}
            </ol>
            {move || log.next.get().map(|cursor| view! {
                <button type="button" class="button" on:click=move |_| more(Some(cursor.clone()))>
                    {tr(|t| t.older_entries)}
                </button>
            })}
        </section>
    }
}

/// What an entry acted on, by its id alone (`post-7` is "post 7", a comment of post 7
/// "a comment on post 7"): never by its title or words, which the log does not keep.
fn target_label(t: &'static Texts, target: &str) -> Option<String> {
    if let Some(post) = target.strip_prefix("post-") {
        return Some(t.log_post.replace("{id}", post));
    }
    let post = target.strip_prefix("comment-")?.split('-').next()?;
    Some(t.log_comment.replace("{id}", post))
}

/// User text inside a sentence, isolated in its direction (as `<bdi>` would).
fn isolated(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

/// What the entry says besides its kind and time: one line of text, each name and
/// reason isolated in its direction.
fn details(t: &'static Texts, entry: &LogEntry, lang: &str) -> String {
    let mut parts = vec![format!(
        "{}: {}",
        t.log_moderator,
        isolated(&entry.moderator)
    )];
    if let Some(person) = &entry.person {
        parts.push(format!("{}: {}", t.log_person, isolated(person)));
    }
    if let Some(reason) = &entry.reason {
        parts.push(format!("{}: {}", t.log_reason, isolated(reason)));
    }
    if entry.kind == ActionKind::Suspend {
        let until = match &entry.until {
            Some(at) => format_time(at, lang),
            None => t.log_until_lifted.to_owned(),
        };
        parts.push(format!("{}: {until}", t.log_until));
    }
    parts.join(" · ")
}

#[component]
fn Entry(entry: LogEntry) -> impl IntoView {
    let app = use_app();
    let kind = entry.kind;
    let at = entry.at.clone();
    let datetime = entry.at.clone();
    let target = entry.target.clone();
    view! {
        <li class="log-entry" data-testid="log-entry">
            <p class="meta">
                <strong data-testid="log-kind">{move || kind_text(app.t(), kind)}</strong>
                {move || target.as_deref().and_then(|t| target_label(app.t(), t)).map(|label| view! { " · " {label} })}
                " · "
                <time datetime=datetime>{move || format_time(&at, app.lang.get().tag())}</time>
            </p>
            <p data-testid="log-details">{move || details(app.t(), &entry, app.lang.get().tag())}</p>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, KO};

    #[test]
    fn an_entry_names_what_it_acted_on_by_id_alone() {
        assert_eq!(target_label(&EN, "post-7").as_deref(), Some("post 7"));
        assert_eq!(
            target_label(&EN, "comment-7-1764000000000abcdef01").as_deref(),
            Some("a comment on post 7")
        );
        assert_eq!(
            target_label(
                &KO,
                "comment-12-1764000000000abcdef01-1764000000001abcdef02"
            )
            .as_deref(),
            Some("12번 글의 댓글")
        );
        assert_eq!(target_label(&EN, "something else"), None);
    }
}
