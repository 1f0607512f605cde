//! Writing and editing a post: checked live with the rules the API uses, and nothing
//! typed is ever lost, not even across a sign-in.

use leptos::prelude::*;

use super::tr;
use leptos::task::spawn_local;
use shared::validate::{self, CONTENTS_MAX_CHARS, TITLE_MAX_CHARS};
use shared::{Field, Post, PostDraft, ValidationError};

use super::post::use_post;
use super::{LoadError, describe};
use crate::api::ApiError;
use crate::app::SignInPrompt;
use crate::browser;
use crate::router::use_router;
use crate::state::{Draft, take_draft, use_app, use_config};

#[component]
pub fn WritePage() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        Some(_) => view! { <PostForm existing=None/> }.into_any(),
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

#[component]
pub fn EditPage() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        Some(_) => view! { <EditLoader/> }.into_any(),
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

#[component]
fn EditLoader() -> impl IntoView {
    let app = use_app();
    let post = use_post();
    move || match post.get() {
        Some(Ok(post)) if app.is_mine(Some(&post.author.id)) => {
            view! { <PostForm existing=Some(post)/> }.into_any()
        }
        Some(Err(error)) => view! { <LoadError error/> }.into_any(),
        // Whose post it is shows once the profile (the reader's author id) has loaded.
        Some(Ok(_)) if app.profile.with(Option::is_some) => {
            view! { <LoadError error=ApiError::Forbidden/> }.into_any()
        }
        _ => view! { <p class="loading" role="status">{app.t().loading}</p> }.into_any(),
    }
}

/// An error to show next to a field: the live rule, else what the API said.
fn field_error(
    live: Option<ValidationError>,
    server: Option<(Option<String>, String)>,
    field: Field,
) -> Option<String> {
    if let Some(error) = live {
        return Some(use_app().t().rule(&error));
    }
    server.and_then(|(f, message)| (f.as_deref() == Some(field.as_str())).then_some(message))
}

#[component]
fn PostForm(existing: Option<Post>) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let router = use_router();
    let path = browser::current_path();
    let restored = app
        .session
        .get_untracked()
        .and_then(|session| take_draft(&session.sub, &path));
    let was_restored = restored.is_some();
    let (initial_title, initial_contents) = match (&restored, &existing) {
        (Some(draft), _) => (draft.title.clone(), draft.contents.clone()),
        (None, Some(post)) => (post.title.clone(), post.contents.clone()),
        (None, None) => (String::new(), String::new()),
    };
    let editing = existing.as_ref().map(|p| p.id);

    let title = RwSignal::new(initial_title);
    let contents = RwSignal::new(initial_contents);
    // Rules are shown once a field was left or the form was submitted, not while the
    // first letters are typed.
    let title_touched = RwSignal::new(was_restored);
    let contents_touched = RwSignal::new(was_restored);
    let sending = RwSignal::new(false);
    let server_error = RwSignal::new(None::<(Option<String>, String)>);

    let title_rule = move || {
        validate::title(&title.get())
            .err()
            .filter(|_| title_touched.get())
    };
    let contents_rule = move || {
        validate::contents(&contents.get())
            .err()
            .filter(|_| contents_touched.get())
    };
    let title_message = move || field_error(title_rule(), server_error.get(), Field::Title);
    let contents_message =
        move || field_error(contents_rule(), server_error.get(), Field::Contents);
    let general_error = move || {
        server_error
            .get()
            .filter(|(field, _)| !matches!(field.as_deref(), Some("title" | "contents")))
            .map(|(_, m)| m)
    };

    let submit_path = path.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        title_touched.set(true);
        contents_touched.set(true);
        server_error.set(None);
        let (raw_title, raw_contents) = (title.get_untracked(), contents.get_untracked());
        if validate::post(&raw_title, &raw_contents).is_err() {
            return;
        }
        let draft = Draft {
            path: submit_path.clone(),
            title: raw_title.clone(),
            contents: raw_contents.clone(),
        };
        if app.session.with_untracked(Option::is_none) {
            return;
        }
        let config = config.clone();
        sending.set(true);
        spawn_local(async move {
            let result = app
                .call(&config, Some(&draft), |api| {
                    let (title, contents) = (raw_title.clone(), raw_contents.clone());
                    async move {
                        let draft = PostDraft { title, contents };
                        match editing {
                            None => api.create(&draft).await,
                            Some(id) => api.update(id, &draft).await,
                        }
                    }
                })
                .await;
            sending.set(false);
            match result {
                Ok(post) => router.go(&format!("/posts/{}", post.id)),
                // The session ended and the draft is kept; the banner says what to do.
                Err(ApiError::Unauthorized) => {}
                Err(ApiError::Invalid { field, message }) => {
                    server_error.set(Some((field, message)))
                }
                Err(other) => server_error.set(Some((None, describe(app, &other)))),
            }
        });
    };

    let cancel_href = match editing {
        Some(id) => format!("/posts/{id}"),
        None => "/".to_owned(),
    };
    let title_count = move || title.with(|t| t.trim().chars().count());
    let contents_count = move || contents.with(|c| c.chars().count());

    view! {
        <form class="post-form" on:submit=on_submit novalidate>
            <h1>{move || if editing.is_some() { app.t().edit_post } else { app.t().new_post }}</h1>
            <Show when=move || was_restored>
                <p class="notice info" role="status">{tr(|t| t.draft_restored)}</p>
            </Show>
            <div class="field">
                <label for="post-title">{tr(|t| t.title_label)}</label>
                <input
                    id="post-title"
                    name="title"
                    type="text"
                    autocomplete="off"
                    required
                    prop:value=title
                    on:input=move |ev| {
                        title.set(event_target_value(&ev));
                        server_error.set(None);
                    }
                    on:blur=move |_| title_touched.set(true)
                    aria-invalid=move || title_message().is_some().to_string()
                    aria-describedby="post-title-hint post-title-error"
                />
                <FieldFoot id="post-title" message=Signal::derive(title_message) count=Signal::derive(title_count) max=TITLE_MAX_CHARS/>
            </div>
            <div class="field">
                <label for="post-contents">{tr(|t| t.contents_label)}</label>
                <textarea
                    id="post-contents"
                    name="contents"
                    rows="12"
                    required
                    prop:value=contents
                    on:input=move |ev| {
                        contents.set(event_target_value(&ev));
                        server_error.set(None);
                    }
                    on:blur=move |_| contents_touched.set(true)
                    aria-invalid=move || contents_message().is_some().to_string()
                    aria-describedby="post-contents-hint post-contents-error"
                ></textarea>
                <FieldFoot
                    id="post-contents"
                    message=Signal::derive(contents_message)
                    count=Signal::derive(contents_count)
                    max=CONTENTS_MAX_CHARS
                />
            </div>
            {move || general_error().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || sending.get()>
                    {move || {
                        if sending.get() {
                            app.t().sending
                        } else if editing.is_some() {
                            app.t().save
                        } else {
                            app.t().publish
                        }
                    }}
                </button>
                <a href=cancel_href>{tr(|t| t.cancel)}</a>
            </div>
        </form>
    }
}

/// Under a field: its error (announced when it appears) and its length against the limit.
/// `id` is the field's; the parts get `{id}-error` and `{id}-hint`, as its
/// `aria-describedby` names them.
#[component]
fn FieldFoot(
    id: &'static str,
    message: Signal<Option<String>>,
    count: Signal<usize>,
    max: usize,
) -> impl IntoView {
    view! {
        <div class="field-foot">
            <span class="error-text" id=format!("{id}-error") role="alert">{message}</span>
            <span class="count" id=format!("{id}-hint")>{count}" / "{max}</span>
        </div>
    }
}
