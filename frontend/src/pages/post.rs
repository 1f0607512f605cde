//! One post, with edit and delete for its author.

use leptos::prelude::*;

use super::tr;
use leptos::task::spawn_local;
use shared::Post;

use super::report::ReportButton;
use super::thread::Thread;
use super::{LoadError, ask_removal, author_name, describe, format_time, moderator_badge};
use crate::api::ApiError;
use crate::app::SignInPrompt;
use crate::router::use_router;
use crate::state::{use_app, use_config};

/// The post the current route is about, if its id is one.
pub fn use_post_id() -> impl Fn() -> Option<u64> + Copy {
    let router = use_router();
    move || router.route().post_id()
}

/// Loads the post named by the route.
pub fn use_post() -> ReadSignal<Option<Result<Post, ApiError>>> {
    let app = use_app();
    let config = use_config();
    let id = use_post_id();
    crate::load::load(move || {
        let id = id();
        let config = config.clone();
        async move {
            match id {
                Some(id) => {
                    app.call(&config, None, |api| async move { api.get(id).await })
                        .await
                }
                None => Err(ApiError::NotFound),
            }
        }
    })
}

#[component]
pub fn PostPage() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        Some(_) => view! { <PostView/> }.into_any(),
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

#[component]
fn PostView() -> impl IntoView {
    let app = use_app();
    let post = use_post();
    move || match post.get() {
        None => view! { <p class="loading" role="status">{app.t().loading}</p> }.into_any(),
        Some(Err(error)) => view! {
            <LoadError error/>
            <a href="/">{tr(|t| t.back_to_list)}</a>
        }
        .into_any(),
        Some(Ok(post)) => {
            let (id, count) = (post.id, RwSignal::new(post.comment_count));
            view! {
                <Article post count/>
                <Thread post=id count/>
            }
            .into_any()
        }
    }
}

#[component]
fn Article(post: Post, count: RwSignal<u64>) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let router = use_router();
    let error = RwSignal::new(None::<String>);
    let deleting = RwSignal::new(false);
    let author = StoredValue::new(Some(post.author.id.clone()));
    let is_author = move || author.with_value(|id| app.is_mine(id.as_deref()));
    // A moderator may delete anyone's post, but edits nobody's words but their own.
    let may_delete = move || is_author() || app.is_moderator();
    let edited = post.updated_at != post.created_at;
    let id = post.id;
    let created_at = post.created_at.clone();
    let delete = move |_| {
        let Some(reason) = ask_removal(
            untrack(is_author),
            app.t().confirm_delete,
            app.t().confirm_moderator_delete,
        ) else {
            return;
        };
        let config = config.clone();
        deleting.set(true);
        spawn_local(async move {
            let result = app
                .call(&config, None, move |api| {
                    let reason = reason.clone();
                    async move { api.delete(id, reason.as_deref()).await }
                })
                .await;
            deleting.set(false);
            match result {
                Ok(()) | Err(ApiError::NotFound) => router.go("/"),
                Err(ApiError::Unauthorized) => {}
                Err(other) => error.set(Some(describe(app, &other))),
            }
        });
    };
    view! {
        <article class="post">
            <header>
                // `dir="auto"` and <bdi>: a title or name in another direction (or one that
                // tries to reverse what follows) cannot reorder the text around it.
                <h1 data-testid="post-title" dir="auto">{post.title}</h1>
                <p class="meta">
                    <bdi class="author">{author_name(post.author.name)}</bdi>
                    {moderator_badge(post.author.moderator)}
                    " · "
                    <time datetime=post.created_at.clone()>{move || format_time(&created_at, app.lang.get().tag())}</time>
                    <Show when=move || edited>
                        " · "
                        <span class="edited">{tr(|t| t.edited)}</span>
                    </Show>
                    " · "
                    <a href="#comments-heading">{move || app.t().comment_count.replace("{n}", &count.get().to_string())}</a>
                </p>
            </header>
            // Rendered as text: the browser shows whatever the author typed, markup included,
            // and CSS keeps the line breaks.
            <div class="contents" data-testid="post-contents" dir="auto">{post.contents}</div>
            {move || error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
            <footer class="actions">
                <a href="/">{tr(|t| t.back_to_list)}</a>
                <Show when=move || is_author()>
                    <a href=format!("/posts/{id}/edit") class="button">{tr(|t| t.edit)}</a>
                </Show>
                <Show when=may_delete>
                    <button type="button" class="button danger" disabled=move || deleting.get() on:click=delete.clone()>
                        {tr(|t| t.delete)}
                    </button>
                </Show>
                <Show when=move || !is_author()>
                    <ReportButton path=format!("/posts/{id}")/>
                </Show>
            </footer>
        </article>
    }
}
