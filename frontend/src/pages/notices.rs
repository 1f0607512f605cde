//! The notifications page: who answered what, newest first, each linking to the
//! answer. Opening it marks every notice read.

use leptos::prelude::*;

use super::tr;
use leptos::task::spawn_local;
use shared::{Notice, NoticeKind};

use super::{LoadError, author_name, format_time};
use crate::app::SignInPrompt;
use crate::load::pages;
use crate::state::{use_app, use_config};

#[component]
pub fn NoticesPage() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        Some(_) => view! { <NoticeList/> }.into_any(),
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

#[component]
fn NoticeList() -> impl IntoView {
    let app = use_app();
    let config = StoredValue::new(use_config());
    let (notices, more) = pages(move |cursor| async move {
        let first = cursor.is_none();
        let config = config.get_value();
        let page = app
            .call(&config, None, move |api| {
                let cursor = cursor.clone();
                async move { api.notices(cursor.as_deref()).await }
            })
            .await?;
        if first {
            // Seen now (after the first page is shown): the page keeps showing which
            // were new.
            spawn_local(async move {
                let marked = app
                    .call(
                        &config,
                        None,
                        |api| async move { api.mark_notices_read().await },
                    )
                    .await;
                if marked.is_ok() {
                    app.profile.update(|p| {
                        if let Some(Ok(profile)) = p {
                            profile.unread_notices = 0;
                        }
                    });
                }
            });
        }
        Ok((page.notices, page.next_cursor))
    });
    view! {
        <section class="notices">
            <h1>{tr(|t| t.notices)}</h1>
            {move || notices.error.get().map(|error| view! { <LoadError error/> })}
            <Show when=move || notices.none()>
                <p class="empty">{tr(|t| t.no_notices)}</p>
            </Show>
            <ol class="notice-list" data-testid="notices">
                // Pages only add to the end; nothing in an item keeps state of its own.
                {move || notices.items.get().into_iter().map(|notice: Notice| view! { <NoticeItem notice/> }).collect_view()}
            </ol>
            {move || notices.next.get().map(|cursor| view! {
                <button type="button" class="button" on:click=move |_| more(Some(cursor.clone()))>
                    {tr(|t| t.older_notices)}
                </button>
            })}
        </section>
    }
}

#[component]
fn NoticeItem(notice: Notice) -> impl IntoView {
    let app = use_app();
    let href = format!("/posts/{}?comment={}", notice.post_id, notice.comment_id);
    let created_at = notice.created_at.clone();
    let name = notice.actor.name.clone();
    let title = notice.post_title.clone();
    let kind = notice.kind;
    // The sentence's words around the name and the title, each of which stays isolated.
    let sentence = move || {
        let template = match kind {
            NoticeKind::Comment => app.t().notice_comment,
            NoticeKind::Reply => app.t().notice_reply,
        };
        let (before, rest) = template.split_once("{name}").unwrap_or((template, ""));
        let (middle, after) = rest.split_once("{title}").unwrap_or((rest, ""));
        let (name, title) = (name.clone(), title.clone());
        view! {
            {before}<bdi>{author_name(name)}</bdi>{middle}<bdi>{title}</bdi>{after}
        }
    };
    view! {
        <li class="notice-item" class:fresh=notice.unread data-testid="notice">
            <a href=href>
                {sentence}
                <Show when=move || notice.unread>
                    " "
                    <span class="badge">{tr(|t| t.new_badge)}</span>
                </Show>
            </a>
            <p class="excerpt" dir="auto">{notice.excerpt}</p>
            <time datetime=notice.created_at.clone()>{move || format_time(&created_at, app.lang.get().tag())}</time>
        </li>
    }
}
