//! The list of posts, newest first, a page at a time.

use leptos::prelude::*;

use super::tr;
use shared::PostSummary;

use super::{LoadError, author_name, format_time, moderator_badge};
use crate::app::SignInPrompt;
use crate::router::use_router;
use crate::state::{use_app, use_config};

#[component]
pub fn Home() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        Some(_) => view! { <PostList/> }.into_any(),
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

#[component]
fn PostList() -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let cursor = use_router().query("cursor");
    let cursor = move || cursor.get();
    let page = crate::load::load(move || {
        let cursor = cursor();
        let config = config.clone();
        // The first page may already be on its way since the app started.
        let early = cursor.is_none().then(|| app.take_first_page()).flatten();
        async move {
            if let Some(page) = early {
                return page.await;
            }
            app.call(&config, None, |api| {
                let cursor = cursor.clone();
                async move { api.list(cursor.as_deref()).await }
            })
            .await
        }
    });
    view! {
        <section aria-labelledby="posts-heading">
            <h1 id="posts-heading" class="visually-hidden">{tr(|t| t.app_name)}</h1>
            {move || match page.get() {
                None => view! { <p class="loading" role="status">{app.t().loading}</p> }.into_any(),
                Some(Err(error)) => view! { <LoadError error/> }.into_any(),
                Some(Ok(page)) => {
                    let empty = page.posts.is_empty();
                    let is_first = cursor().is_none();
                    view! {
                        <Show when=move || empty>
                            <p class="empty">{tr(|t| t.no_posts)}</p>
                        </Show>
                        <ol class="post-list" data-testid="post-list">
                            {page.posts.into_iter().map(|post| view! { <PostItem post/> }).collect_view()}
                        </ol>
                        <nav class="pager">
                            <Show when=move || !is_first>
                                <a href="/">{tr(|t| t.newest)}</a>
                            </Show>
                            {page.next_cursor.map(|next| {
                                let href = format!(
                                    "/?{}",
                                    form_urlencoded::Serializer::new(String::new()).append_pair("cursor", &next).finish()
                                );
                                view! { <a href=href class="button" rel="next">{tr(|t| t.older)}</a> }
                            })}
                        </nav>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn PostItem(post: PostSummary) -> impl IntoView {
    let app = use_app();
    let href = format!("/posts/{}", post.id);
    let created_at = post.created_at.clone();
    view! {
        <li class="post-item" data-post-id=post.id>
            // Each piece of user text is isolated (`dir="auto"`, <bdi>), so a title in
            // another direction, or one that tries to reverse it, leaves the name and
            // date beside it as they are.
            <a href=href class="post-link" dir="auto">{post.title}</a>
            <p class="excerpt" dir="auto">{post.excerpt}</p>
            <span class="meta">
                <bdi class="author">{author_name(post.author.name)}</bdi>
                {moderator_badge(post.author.moderator)}
                " · "
                <time datetime=post.created_at.clone()>{move || format_time(&created_at, app.lang.get().tag())}</time>
                " · "
                <span class="comment-count" data-testid="comment-count">
                    {move || app.t().comment_count.replace("{n}", &post.comment_count.to_string())}
                </span>
            </span>
        </li>
    }
}
