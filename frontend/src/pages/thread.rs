//! The conversation under a post: its comments in threads, paged, with forms to
//! comment, reply, edit and delete. A link to one comment (`/posts/7?comment=<id>`)
//! opens the page its thread starts on and moves to it.

use leptos::prelude::*;

use super::tr;
use leptos::task::spawn_local;
use shared::validate::{self, COMMENT_MAX_CHARS};
use shared::{Comment, CommentEdit, NewComment};

use super::report::ReportButton;
use super::{ask_removal, author_name, describe, format_time, moderator_badge};
use crate::api::ApiError;
use crate::browser;
use crate::config::RuntimeConfig;
use crate::i18n::Texts;
use crate::router::use_router;
use crate::state::{AppState, Draft, kept_draft_path, take_draft, use_app, use_config};

/// Which inline form is open: at most one at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Open {
    Reply(String),
    Edit(String),
}

/// The thread's state, shared by its parts.
#[derive(Clone, Copy)]
struct ThreadState {
    post: u64,
    comments: RwSignal<Vec<Comment>>,
    next: RwSignal<Option<String>>,
    /// The page started at a linked comment's thread: earlier ones are not shown.
    started_mid: RwSignal<bool>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    open: RwSignal<Option<Open>>,
    count: RwSignal<u64>,
    config: StoredValue<RuntimeConfig>,
}

/// The element id of a comment, for links to it.
fn anchor(id: &str) -> String {
    format!("comment-{id}")
}

impl ThreadState {
    /// Loads the next page (`cursor`), or the page from a linked comment's thread.
    fn load(self, app: AppState, cursor: Option<String>, from: Option<String>, reveal: bool) {
        let config = self.config.get_value();
        self.loading.set(true);
        spawn_local(async move {
            let (post, cursor_ref, from_ref) = (self.post, cursor.clone(), from.clone());
            let result = app
                .call(&config, None, move |api| {
                    let (cursor, from) = (cursor_ref.clone(), from_ref.clone());
                    async move { api.comments(post, cursor.as_deref(), from.as_deref()).await }
                })
                .await;
            self.loading.set(false);
            match result {
                Ok(page) => {
                    self.comments.update(|list| {
                        for comment in page.comments {
                            if !list.iter().any(|c| c.id == comment.id) {
                                list.push(comment);
                            }
                        }
                    });
                    self.next.set(page.next_cursor);
                    if reveal && let Some(target) = from {
                        // After the page has rendered the comment.
                        request_animation_frame(move || browser::reveal(&anchor(&target)));
                    }
                }
                Err(ApiError::Unauthorized) => {}
                Err(other) => self.error.set(Some(describe(app, &other))),
            }
        });
    }

    /// Puts a new comment where it belongs: a reply after the last of its thread, a
    /// comment at the end.
    fn insert(self, comment: Comment) {
        self.comments.update(|list| {
            let at = match &comment.thread {
                Some(thread) => list
                    .iter()
                    .rposition(|c| &c.id == thread || c.thread.as_ref() == Some(thread))
                    .map_or(list.len(), |i| i + 1),
                None => list.len(),
            };
            list.insert(at, comment);
        });
        self.count.update(|n| *n += 1);
    }

    /// Takes a deleted comment off the page as the API did: a placeholder while it has
    /// replies, gone otherwise, and a placeholder goes with its last reply.
    fn remove(self, id: &str) {
        self.comments.update(|list| {
            let Some(i) = list.iter().position(|c| c.id == id) else {
                return;
            };
            let has_replies = list.iter().any(|c| c.thread.as_deref() == Some(id));
            if has_replies {
                let c = &mut list[i];
                c.deleted = true;
                c.contents = None;
                c.author = None;
                return;
            }
            let thread = list[i].thread.clone();
            list.remove(i);
            if let Some(thread) = thread {
                let empty = !list.iter().any(|c| c.thread.as_ref() == Some(&thread));
                if empty {
                    list.retain(|c| !(c.id == thread && c.deleted));
                }
            }
        });
        self.count.update(|n| *n = n.saturating_sub(1));
    }

    fn replace(self, comment: Comment) {
        self.comments.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == comment.id) {
                *c = comment;
            }
        });
    }
}

#[component]
pub fn Thread(post: u64, count: RwSignal<u64>) -> impl IntoView {
    let app = use_app();
    let linked = use_router().query("comment").get_untracked();
    let state = ThreadState {
        post,
        comments: RwSignal::new(Vec::new()),
        next: RwSignal::new(None),
        started_mid: RwSignal::new(linked.is_some()),
        loading: RwSignal::new(false),
        error: RwSignal::new(None),
        open: RwSignal::new(None),
        count,
        config: StoredValue::new(use_config()),
    };
    // A reply or an edit kept across a sign-in opens its form again.
    if let Some(open) = app
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.sub.clone()))
        .and_then(|sub| kept_draft_path(&sub))
        .and_then(|path| reopened(post, &path))
    {
        state.open.set(Some(open));
    }
    state.load(app, None, linked.clone(), true);
    let earlier = move |_| {
        state.comments.set(Vec::new());
        state.started_mid.set(false);
        state.load(app, None, None, false);
    };
    let more = move |_| state.load(app, state.next.get_untracked(), None, false);
    view! {
        <section class="thread" aria-labelledby="comments-heading">
            <h2 id="comments-heading">
                {tr(|t| t.comments)}
                " "
                <span class="count" data-testid="comment-count">{move || count.get()}</span>
            </h2>
            <Show when=move || state.started_mid.get()>
                <button type="button" class="button" on:click=earlier>{tr(|t| t.earlier_comments)}</button>
            </Show>
            <ol class="comments" data-testid="comments">
                <For
                    each=move || state.comments.get()
                    key=|c| (c.id.clone(), c.updated_at.clone(), c.deleted)
                    let:comment
                >
                    <CommentItem state comment/>
                </For>
            </ol>
            <Show when=move || !state.loading.get() && state.comments.with(Vec::is_empty) && state.error.with(Option::is_none)>
                <p class="empty">{tr(|t| t.no_comments)}</p>
            </Show>
            {move || state.error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
            <Show when=move || state.next.with(Option::is_some)>
                <button type="button" class="button" data-testid="more-comments" disabled=move || state.loading.get() on:click=more>
                    {tr(|t| t.more_comments)}
                </button>
            </Show>
            <CommentForm state writing=Writing::Comment/>
        </section>
    }
}

#[component]
fn CommentItem(state: ThreadState, comment: Comment) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let id = comment.id.clone();
    let signed_in = app.session.with_untracked(Option::is_some);
    let author = StoredValue::new(comment.author.as_ref().map(|a| a.id.clone()));
    let is_author = move || author.with_value(|id| app.is_mine(id.as_deref()));
    let may_delete = move || !comment.deleted && (is_author() || app.is_moderator());
    let edited = comment.updated_at != comment.created_at;
    let created_at = comment.created_at.clone();
    let datetime = comment.created_at.clone();
    let reply_target = Writing::Reply {
        id: comment.id.clone(),
        name: comment.author.as_ref().and_then(|a| a.name.clone()),
    };
    let (reply_id, edit_id, delete_id) = (id.clone(), id.clone(), id.clone());
    let edit_button_id = id.clone();
    let report_id = id.clone();
    let error = RwSignal::new(None::<String>);
    let delete = move |_| {
        let Some(reason) = ask_removal(
            untrack(is_author),
            app.t().confirm_comment_delete,
            app.t().confirm_moderator_comment_delete,
        ) else {
            return;
        };
        let (config, id) = (config.clone(), delete_id.clone());
        spawn_local(async move {
            let target = id.clone();
            let result = app
                .call(&config, None, move |api| {
                    let (id, reason) = (target.clone(), reason.clone());
                    async move { api.delete_comment(state.post, &id, reason.as_deref()).await }
                })
                .await;
            match result {
                Ok(()) | Err(ApiError::NotFound) => state.remove(&id),
                Err(ApiError::Unauthorized) => {}
                Err(other) => error.set(Some(describe(app, &other))),
            }
        });
    };
    let editing = {
        let id = id.clone();
        move || state.open.get() == Some(Open::Edit(id.clone()))
    };
    let replying = {
        let id = id.clone();
        move || state.open.get() == Some(Open::Reply(id.clone()))
    };
    let words = comment.contents.clone().unwrap_or_default();
    let reply_to = comment.reply_to.clone();
    let author = comment.author.clone();
    view! {
        <li
            class="comment"
            class:reply=comment.thread.is_some()
            class:deleted=comment.deleted
            id=anchor(&id)
            tabindex="-1"
            data-testid="comment"
        >
            {if comment.deleted {
                view! { <p class="placeholder">{tr(|t| t.deleted_comment)}</p> }.into_any()
            } else {
                let words = words.clone();
                let reply_to = reply_to.clone();
                let author = author.clone();
                let edit_words = words.clone();
                view! {
                    <p class="meta">
                        <bdi class="author">{author_name(author.as_ref().and_then(|a| a.name.clone()))}</bdi>
                        {moderator_badge(author.is_some_and(|a| a.moderator))}
                        {reply_to.map(|to| {
                            let name = to.name.clone();
                            view! {
                                " "
                                <span class="reply-to">
                                    {move || {
                                        let name = name.clone().unwrap_or_else(|| app.t().former_member.to_owned());
                                        let (before, after) = app.t().replying_to.split_once("{name}").unwrap_or(("", ""));
                                        view! { {before}<bdi>{name}</bdi>{after} }
                                    }}
                                </span>
                            }
                        })}
                        " · "
                        <time datetime=datetime.clone()>{move || format_time(&created_at, app.lang.get().tag())}</time>
                        <Show when=move || edited>
                            " · "
                            <span class="edited">{tr(|t| t.edited)}</span>
                        </Show>
                    </p>
                    {move || if editing() {
                        let writing = Writing::Edit { id: edit_id.clone(), words: edit_words.clone() };
                        view! { <CommentForm state writing/> }.into_any()
                    } else {
                        view! { <div class="contents" dir="auto" data-testid="comment-contents">{words.clone()}</div> }.into_any()
                    }}
                }
                    .into_any()
            }}
            {move || error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
            <div class="actions">
                <Show when=move || !comment.deleted && signed_in>
                    {
                        let id = reply_id.clone();
                        view! {
                            <button type="button" class="link" on:click=move |_| state.open.set(Some(Open::Reply(id.clone())))>
                                {tr(|t| t.reply)}
                            </button>
                        }
                    }
                </Show>
                <Show when=move || is_author() && !comment.deleted>
                    {
                        let id = edit_button_id.clone();
                        view! {
                            <button type="button" class="link" on:click=move |_| state.open.set(Some(Open::Edit(id.clone())))>
                                {tr(|t| t.edit)}
                            </button>
                        }
                    }
                </Show>
                <Show when=may_delete>
                    <button type="button" class="link danger" on:click=delete.clone()>{tr(|t| t.delete)}</button>
                </Show>
                <Show when=move || !comment.deleted && !is_author() && signed_in>
                    <ReportButton path=format!("/posts/{}/comments/{}", state.post, report_id)/>
                </Show>
            </div>
            <Show when=replying.clone()>
                <CommentForm state writing=reply_target.clone()/>
            </Show>
        </li>
    }
}

/// What a comment form writes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Writing {
    /// A new comment at the end of the thread.
    Comment,
    /// A reply to the comment `id`, whose author is `name`.
    Reply { id: String, name: Option<String> },
    /// New words for the caller's comment `id`, which says `words` now.
    Edit { id: String, words: String },
}

impl Writing {
    /// The page this form's draft is kept for across a sign-in.
    fn draft_path(&self, post: u64) -> String {
        match self {
            Writing::Comment => format!("/posts/{post}#comment"),
            Writing::Reply { id, .. } => format!("/posts/{post}#reply-{id}"),
            Writing::Edit { id, .. } => format!("/posts/{post}#edit-{id}"),
        }
    }

    /// The textarea's element id.
    fn field(&self) -> String {
        match self {
            Writing::Comment => "comment-new".to_owned(),
            Writing::Reply { id, .. } => format!("reply-{id}"),
            Writing::Edit { id, .. } => format!("edit-{id}"),
        }
    }
}

/// The inline form a kept draft of `path` reopens in this thread, if any.
fn reopened(post: u64, path: &str) -> Option<Open> {
    let fragment = path.strip_prefix(&format!("/posts/{post}#"))?;
    if let Some(id) = fragment.strip_prefix("reply-") {
        Some(Open::Reply(id.to_owned()))
    } else {
        fragment
            .strip_prefix("edit-")
            .map(|id| Open::Edit(id.to_owned()))
    }
}

/// The form for a new comment, a reply or an edit. What is typed stays through a
/// refusal, a failure and an expired session (kept under the form's own page, and
/// put back when the same person returns).
#[component]
fn CommentForm(state: ThreadState, writing: Writing) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let path = writing.draft_path(state.post);
    let restored = app
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.sub.clone()))
        .and_then(|sub| take_draft(&sub, &path))
        .map(|d| d.contents);
    let initial = match &writing {
        Writing::Edit { words, .. } => restored.unwrap_or_else(|| words.clone()),
        _ => restored.unwrap_or_default(),
    };
    let text = RwSignal::new(initial);
    let touched = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let server_error = RwSignal::new(None::<String>);
    let field = writing.field();
    let rule = move || {
        touched
            .get()
            .then(|| validate::comment(&text.get()).err())
            .flatten()
            .map(|e| app.t().rule(&e))
    };
    let message = move || rule().or_else(|| server_error.get());
    let sent = writing.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        touched.set(true);
        server_error.set(None);
        let raw = text.get_untracked();
        if validate::comment(&raw).is_err() {
            return;
        }
        let draft = Draft {
            path: path.clone(),
            title: String::new(),
            contents: raw.clone(),
        };
        let (config, writing) = (config.clone(), sent.clone());
        sending.set(true);
        spawn_local(async move {
            let call = writing.clone();
            let result = app
                .call(&config, Some(&draft), move |api| {
                    let (call, contents) = (call.clone(), raw.clone());
                    async move {
                        match call {
                            Writing::Edit { id, .. } => {
                                api.edit_comment(state.post, &id, &CommentEdit { contents })
                                    .await
                            }
                            Writing::Reply { id, .. } => {
                                let body = NewComment {
                                    contents,
                                    reply_to: Some(id),
                                };
                                api.add_comment(state.post, &body).await
                            }
                            Writing::Comment => {
                                let body = NewComment {
                                    contents,
                                    reply_to: None,
                                };
                                api.add_comment(state.post, &body).await
                            }
                        }
                    }
                })
                .await;
            sending.set(false);
            match result {
                Ok(comment) => {
                    text.set(String::new());
                    touched.set(false);
                    if matches!(writing, Writing::Edit { .. }) {
                        state.open.set(None);
                        state.replace(comment);
                        return;
                    }
                    let id = comment.id.clone();
                    state.insert(comment);
                    if matches!(writing, Writing::Reply { .. }) {
                        state.open.set(None);
                    }
                    request_animation_frame(move || browser::reveal(&anchor(&id)));
                }
                Err(ApiError::Unauthorized) => {}
                Err(other) => server_error.set(Some(describe(app, &other))),
            }
        });
    };
    let shown = writing.clone();
    let label = move || match &shown {
        Writing::Comment => app.t().comment_label.to_owned(),
        Writing::Reply { name, .. } => app.t().reply_label.replace(
            "{name}",
            &name
                .clone()
                .unwrap_or_else(|| app.t().former_member.to_owned()),
        ),
        Writing::Edit { .. } => app.t().edit.to_owned(),
    };
    let (test_id, submit_text): (_, fn(&Texts) -> &'static str) = match &writing {
        Writing::Comment => ("comment-form", |t| t.comment_submit),
        Writing::Reply { .. } => ("reply-form", |t| t.reply_submit),
        Writing::Edit { .. } => ("edit-form", |t| t.save),
    };
    let submit = move || {
        let t = app.t();
        if sending.get() {
            t.sending
        } else {
            submit_text(t)
        }
    };
    let inline = writing != Writing::Comment;
    let count = move || text.with(|t| t.chars().count());
    view! {
        <form class="comment-form" on:submit=on_submit novalidate data-testid=test_id>
            <label for=field.clone() class:visually-hidden=matches!(writing, Writing::Edit { .. })>{label}</label>
            <textarea
                id=field.clone()
                rows="3"
                required
                prop:value=text
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    server_error.set(None);
                }
                on:blur=move |_| touched.set(true)
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=format!("{field}-error {field}-hint")
            ></textarea>
            <div class="field-foot">
                <span class="error-text" id=format!("{field}-error") role="alert">{message}</span>
                <span class="count" id=format!("{field}-hint")>{count}" / "{COMMENT_MAX_CHARS}</span>
            </div>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || sending.get()>{submit}</button>
                <Show when=move || inline>
                    <button type="button" class="link" on:click=move |_| state.open.set(None)>{tr(|t| t.cancel)}</button>
                </Show>
            </div>
        </form>
    }
}
