//! The moderators' page: the queue of reported posts and comments, newest first,
//! each with what was reported and the actions on it (dismiss, delete, suspend the
//! author), and the suspensions in force with a way to lift each.
//!
//! Each entry's actions are one form read at submission (`FormData`), not a signal per
//! field: the page is for a handful of people, and every reactive part is code in
//! every reader's download.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{NewSuspension, ReportedTarget, Suspension, SuspensionLength};
use wasm_bindgen::JsCast;

use super::report::reason_text;
use super::{LoadError, author_name, describe, format_time, tr, until};
use crate::api::ApiError;
use crate::app::{NotFound, SignInPrompt};
use crate::load::pages;
use crate::state::{AppState, use_app, use_config};

#[component]
pub fn QueuePage() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        None => view! { <SignInPrompt/> }.into_any(),
        Some(_) if !app.is_moderator() => view! { <NotFound/> }.into_any(),
        Some(_) => view! { <Queue/> <Suspensions/> }.into_any(),
    }
}

#[component]
fn Queue() -> impl IntoView {
    let app = use_app();
    let config = StoredValue::new(use_config());
    let (queue, more) = pages(move |cursor| async move {
        let config = config.get_value();
        let page = app
            .call(&config, None, move |api| {
                let cursor = cursor.clone();
                async move { api.queue(cursor.as_deref()).await }
            })
            .await?;
        Ok((page.items, page.next_cursor))
    });
    view! {
        <section class="queue">
            <h1>{tr(|t| t.queue_title)}</h1>
            {move || queue.error.get().map(|error| view! { <LoadError error/> })}
            <Show when=move || queue.none()>
                <p class="empty">{tr(|t| t.queue_empty)}</p>
            </Show>
            // Entries acted on hide themselves; the list changes only when a page is
            // added, so a reason being typed in one entry survives another's action.
            <ol class="queue-list" data-testid="queue">
                {move || queue.items.get().into_iter().map(|item: ReportedTarget| view! { <QueueItem item/> }).collect_view()}
            </ol>
            {move || queue.next.get().map(|cursor| view! {
                <button type="button" class="button" on:click=move |_| more(Some(cursor.clone()))>
                    {tr(|t| t.older_entries)}
                </button>
            })}
        </section>
    }
}

/// Carries out what the entry's form asked (`act`: the button pressed) on `item`.
async fn act(
    app: AppState,
    config: crate::config::RuntimeConfig,
    item: ReportedTarget,
    act: String,
    reason: Option<String>,
    length: SuspensionLength,
) -> Result<(), ApiError> {
    app.call(&config, None, move |api| {
        let (item, act, reason) = (item.clone(), act.clone(), reason.clone());
        async move {
            let reason = reason.as_deref();
            match (act.as_str(), &item.comment_id) {
                ("dismiss", _) => api.dismiss(&item.target, reason).await,
                ("delete", Some(id)) => api.delete_comment(item.post_id, id, reason).await,
                ("delete", None) => api.delete(item.post_id, reason).await,
                _ => api
                    .suspend(&NewSuspension {
                        person: item.author.id,
                        length,
                        reason: reason.unwrap_or_default().to_owned(),
                        target: Some(item.target),
                    })
                    .await
                    .map(|_| ()),
            }
        }
    })
    .await
}

#[component]
fn QueueItem(item: ReportedTarget) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let href = match &item.comment_id {
        Some(comment) => format!("/posts/{}?comment={comment}", item.post_id),
        None => format!("/posts/{}", item.post_id),
    };
    let is_comment = item.comment_id.is_some();
    let (reason_id, length_id) = (
        format!("reason-{}", item.target),
        format!("length-{}", item.target),
    );
    let (first, datetime) = (
        item.first_reported_at.clone(),
        item.first_reported_at.clone(),
    );
    let count = item.report_count.to_string();
    let (reasons, reports) = (item.reasons.clone(), item.reports.clone());
    let title = item.title.clone();
    let name = item.author.name.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(form) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let field = |name: &str| data.get(name).as_string().unwrap_or_default();
        let chosen = event
            .submitter()
            .and_then(|button| button.get_attribute("value"))
            .unwrap_or_default();
        let reason = Some(field("reason").trim().to_owned()).filter(|r| !r.is_empty());
        let length = SuspensionLength::ALL
            .into_iter()
            .find(|l| l.as_str() == field("length"))
            .unwrap_or(SuspensionLength::Week);
        let (config, item) = (config.clone(), item.clone());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = act(app, config, item, chosen, reason, length).await;
            busy.set(false);
            match result {
                Ok(()) => done.set(true),
                Err(ApiError::Unauthorized) => {}
                Err(other) => error.set(Some(describe(app, &other))),
            }
        });
    };
    view! {
        <li class="queue-item" data-testid="queue-item" hidden=move || done.get()>
            <p class="meta">
                <span class="badge">{move || if is_comment { app.t().kind_comment } else { app.t().kind_post }}</span>
                " "
                <a href=href><bdi dir="auto">{title}</bdi></a>
                " · "
                <bdi class="author">{author_name(name)}</bdi>
                " · "
                <span data-testid="queue-count">{move || app.t().report_count.replace("{n}", &count)}</span>
                " · "
                <time datetime=datetime>{move || format_time(&first, app.lang.get().tag())}</time>
            </p>
            <ul class="reasons">
                {reasons.into_iter().map(|r| view! {
                    <li>{move || reason_text(app.t(), r.reason)}" × "{r.count}</li>
                }).collect_view()}
                {reports.into_iter().filter_map(|r| r.note).map(|note| view! {
                    <li dir="auto" data-testid="report-note">{note}</li>
                }).collect_view()}
            </ul>
            <form class="moderate" on:submit=submit>
                <label for=reason_id.clone()>{tr(|t| t.action_reason)}</label>
                <input id=reason_id name="reason" type="text" maxlength="500"/>
                <label for=length_id.clone()>{tr(|t| t.length_label)}</label>
                <select id=length_id name="length">
                    {SuspensionLength::ALL.map(|l| view! {
                        <option value=l.as_str() selected=l == SuspensionLength::Week>{move || length_text(app, l)}</option>
                    }).collect_view()}
                </select>
                <div class="actions">
                    {[("dismiss", "button small"), ("delete", "button small danger"), ("suspend", "button small danger")]
                        .map(|(value, class)| view! {
                            <button type="submit" name="act" value=value class=class disabled=move || busy.get()>
                                {move || action_text(app, value)}
                            </button>
                        })
                        .collect_view()}
                </div>
            </form>
            {move || error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
        </li>
    }
}

fn length_text(app: AppState, length: SuspensionLength) -> &'static str {
    let t = app.t();
    match length {
        SuspensionLength::Day => t.length_1d,
        SuspensionLength::Week => t.length_7d,
        SuspensionLength::Month => t.length_30d,
        SuspensionLength::UntilLifted => t.length_until_lifted,
    }
}

fn action_text(app: AppState, act: &str) -> &'static str {
    let t = app.t();
    match act {
        "dismiss" => t.dismiss_reports,
        "delete" => t.delete_target,
        _ => t.suspend_author,
    }
}

#[component]
fn Suspensions() -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let list = RwSignal::new(Vec::<Suspension>::new());
    let error = RwSignal::new(None::<ApiError>);
    {
        let config = config.clone();
        spawn_local(async move {
            match app
                .call(&config, None, |api| async move { api.suspensions().await })
                .await
            {
                Ok(found) => list.set(found.suspensions),
                Err(e) => error.set(Some(e)),
            }
        });
    }
    view! {
        <section class="suspensions">
            <h2>{tr(|t| t.suspensions_title)}</h2>
            {move || error.get().map(|error| view! { <LoadError error/> })}
            <ul data-testid="suspensions">
                {move || list.get().into_iter().map(|s| view! { <SuspensionItem suspension=s/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn SuspensionItem(suspension: Suspension) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let error = RwSignal::new(None::<String>);
    let lifted = RwSignal::new(false);
    let person = suspension.person.id.clone();
    let lift = move |_| {
        let (config, person) = (config.clone(), person.clone());
        spawn_local(async move {
            let result = app
                .call(&config, None, move |api| {
                    let person = person.clone();
                    async move { api.lift(&person, None).await }
                })
                .await;
            match result {
                Ok(()) | Err(ApiError::NotFound) => lifted.set(true),
                Err(ApiError::Unauthorized) => {}
                Err(other) => error.set(Some(describe(app, &other))),
            }
        });
    };
    let until_at = suspension.until.clone();
    let by = suspension.by.clone();
    view! {
        <li class="suspension" data-testid="suspension" hidden=move || lifted.get()>
            <bdi class="author">{author_name(suspension.person.name.clone())}</bdi>
            " · "
            {move || until(app, until_at.as_deref())}
            " · "
            <bdi dir="auto">{suspension.reason.clone()}</bdi>
            " · "
            {move || app.t().by_name.replace("{name}", &by)}
            " "
            <button type="button" class="button small" on:click=lift>{tr(|t| t.lift)}</button>
            {move || error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
        </li>
    }
}
