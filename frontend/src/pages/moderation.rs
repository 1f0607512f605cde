//! The moderators' page: the queue of reported posts and comments, newest first,
//! each with what was reported and the actions on it (dismiss, delete, suspend the
//! author), and the suspensions in force with a way to lift each.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{NewSuspension, QueuePage as Page, ReportedTarget, Suspension, SuspensionLength};

use super::report::reason_text;
use super::{LoadError, author_name, describe, format_time, until};
use crate::api::ApiError;
use crate::app::{NotFound, SignInPrompt};
use crate::i18n::Texts;
use crate::state::{AppState, use_app, use_config};

fn length_text(t: &'static Texts, length: SuspensionLength) -> &'static str {
    match length {
        SuspensionLength::Day => t.length_1d,
        SuspensionLength::Week => t.length_7d,
        SuspensionLength::Month => t.length_30d,
        SuspensionLength::UntilLifted => t.length_until_lifted,
    }
}

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
    let items = RwSignal::new(Vec::<ReportedTarget>::new());
    let next = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let load = move |cursor: Option<String>| {
        let config = config.get_value();
        spawn_local(async move {
            let result: Result<Page, ApiError> = app
                .call(&config, None, move |api| {
                    let cursor = cursor.clone();
                    async move { api.queue(cursor.as_deref()).await }
                })
                .await;
            loaded.set(true);
            match result {
                Ok(page) => {
                    items.update(|list| list.extend(page.items));
                    next.set(page.next_cursor);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(None);
    view! {
        <section class="queue">
            <h1>{move || app.t().queue_title}</h1>
            {move || error.get().map(|error| view! { <LoadError error/> })}
            <Show when=move || loaded.get() && items.with(Vec::is_empty) && error.with(Option::is_none)>
                <p class="empty">{move || app.t().queue_empty}</p>
            </Show>
            <ol class="queue-list" data-testid="queue">
                <For each=move || items.get() key=|i| i.target.clone() let:item>
                    <QueueItem item items/>
                </For>
            </ol>
            {move || next.get().map(|cursor| view! {
                <button type="button" class="button" on:click=move |_| load(Some(cursor.clone()))>
                    {move || app.t().older_entries}
                </button>
            })}
        </section>
    }
}

/// What a moderator does with a queue entry.
#[derive(Clone, Copy, PartialEq)]
enum Act {
    Dismiss,
    Delete,
    Suspend,
}

#[component]
fn QueueItem(item: ReportedTarget, items: RwSignal<Vec<ReportedTarget>>) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let reason = RwSignal::new(String::new());
    let length = RwSignal::new(SuspensionLength::Week);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let target = item.target.clone();
    let href = match &item.comment_id {
        Some(comment) => format!("/posts/{}?comment={comment}", item.post_id),
        None => format!("/posts/{}", item.post_id),
    };
    let is_comment = item.comment_id.is_some();
    let reason_id = format!("reason-{target}");
    let length_id = format!("length-{target}");
    let (post_id, comment_id, author_sub) = (
        item.post_id,
        item.comment_id.clone(),
        item.author.sub.clone(),
    );
    let act = move |act: Act| {
        let config = config.clone();
        let (target, comment_id, author_sub) =
            (target.clone(), comment_id.clone(), author_sub.clone());
        let reason = Some(reason.get_untracked().trim().to_owned()).filter(|r| !r.is_empty());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let done_target = target.clone();
            let result = app
                .call(&config, None, move |api| {
                    let (target, comment_id, author_sub, reason) = (
                        target.clone(),
                        comment_id.clone(),
                        author_sub.clone(),
                        reason.clone(),
                    );
                    async move {
                        match act {
                            Act::Dismiss => api.dismiss(&target, reason.as_deref()).await,
                            Act::Delete => match &comment_id {
                                Some(id) => {
                                    api.delete_comment(post_id, id, reason.as_deref()).await
                                }
                                None => api.delete(post_id, reason.as_deref()).await,
                            },
                            Act::Suspend => api
                                .suspend(&NewSuspension {
                                    person: author_sub,
                                    length: length.get_untracked(),
                                    reason: reason.unwrap_or_default(),
                                    target: Some(target),
                                })
                                .await
                                .map(|_| ()),
                        }
                    }
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => items.update(|list| list.retain(|i| i.target != done_target)),
                Err(ApiError::Unauthorized) => {}
                Err(other) => error.set(Some(describe(app, &other))),
            }
        });
    };
    let (dismiss, delete, suspend) = (act.clone(), act.clone(), act);
    let first = item.first_reported_at.clone();
    let reports = item.reports.clone();
    let reasons = item.reasons.clone();
    let count = item.report_count;
    view! {
        <li class="queue-item" data-testid="queue-item">
            <p class="meta">
                <span class="badge">{move || if is_comment { app.t().kind_comment } else { app.t().kind_post }}</span>
                " "
                <a href=href><bdi dir="auto" data-testid="queue-title">{item.title.clone()}</bdi></a>
                " · "
                <bdi class="author">{author_name(item.author.name.clone())}</bdi>
                " · "
                <span data-testid="queue-count">{move || app.t().report_count.replace("{n}", &count.to_string())}</span>
                " · "
                <time datetime=item.first_reported_at.clone()>{move || format_time(&first, app.lang.get().tag())}</time>
            </p>
            <ul class="reasons">
                {reasons.into_iter().map(|r| view! {
                    <li>{move || reason_text(app.t(), r.reason)}" × "{r.count}</li>
                }).collect_view()}
            </ul>
            <ul class="report-notes">
                {reports.into_iter().filter_map(|r| r.note.map(|note| view! {
                    <li dir="auto" data-testid="report-note">{note}</li>
                })).collect_view()}
            </ul>
            <div class="moderate">
                <label for=reason_id.clone()>{move || app.t().action_reason}</label>
                <input
                    id=reason_id
                    type="text"
                    maxlength="500"
                    prop:value=move || reason.get()
                    on:input=move |e| reason.set(event_target_value(&e))
                />
                <label for=length_id.clone()>{move || app.t().length_label}</label>
                <select id=length_id on:change=move |e| {
                    let chosen = event_target_value(&e);
                    if let Some(l) = SuspensionLength::ALL.into_iter().find(|l| serde_name(*l) == chosen) {
                        length.set(l);
                    }
                }>
                    {SuspensionLength::ALL.into_iter().map(|l| view! {
                        <option value=serde_name(l) selected=l == SuspensionLength::Week>{move || length_text(app.t(), l)}</option>
                    }).collect_view()}
                </select>
                <div class="actions">
                    <button type="button" class="button small" disabled=move || busy.get() on:click=move |_| dismiss(Act::Dismiss)>
                        {move || app.t().dismiss_reports}
                    </button>
                    <button type="button" class="button small danger" disabled=move || busy.get() on:click=move |_| delete(Act::Delete)>
                        {move || app.t().delete_target}
                    </button>
                    <button type="button" class="button small danger" disabled=move || busy.get() on:click=move |_| suspend(Act::Suspend)>
                        {move || app.t().suspend_author}
                    </button>
                </div>
            </div>
            {move || error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
        </li>
    }
}

/// A length's name in the API, as the select's values carry it.
fn serde_name(length: SuspensionLength) -> &'static str {
    match length {
        SuspensionLength::Day => "1d",
        SuspensionLength::Week => "7d",
        SuspensionLength::Month => "30d",
        SuspensionLength::UntilLifted => "until_lifted",
    }
}

#[component]
fn Suspensions() -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let list = RwSignal::new(None::<Result<Vec<Suspension>, ApiError>>);
    {
        let config = config.clone();
        spawn_local(async move {
            let result = app
                .call(&config, None, |api| async move { api.suspensions().await })
                .await;
            list.set(Some(result.map(|l| l.suspensions)));
        });
    }
    view! {
        <section class="suspensions">
            <h2>{move || app.t().suspensions_title}</h2>
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{app.t().loading}</p> }.into_any(),
                Some(Err(error)) => view! { <LoadError error/> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! { <p class="empty">{app.t().no_suspensions}</p> }.into_any(),
                Some(Ok(items)) => view! {
                    <ul data-testid="suspensions">
                        {items.into_iter().map(|s| view! { <SuspensionItem suspension=s list/> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn SuspensionItem(
    suspension: Suspension,
    list: RwSignal<Option<Result<Vec<Suspension>, ApiError>>>,
) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let error = RwSignal::new(None::<String>);
    let person = suspension.person.sub.clone();
    let lift = move |_| {
        let (config, person) = (config.clone(), person.clone());
        spawn_local(async move {
            let gone = person.clone();
            let result = app
                .call(&config, None, move |api| {
                    let person = person.clone();
                    async move { api.lift(&person, None).await }
                })
                .await;
            match result {
                Ok(()) | Err(ApiError::NotFound) => list.update(|l| {
                    if let Some(Ok(items)) = l {
                        items.retain(|s| s.person.sub != gone);
                    }
                }),
                Err(ApiError::Unauthorized) => {}
                Err(other) => error.set(Some(describe(app, &other))),
            }
        });
    };
    let until_at = suspension.until.clone();
    let by = suspension.by.clone();
    view! {
        <li class="suspension" data-testid="suspension">
            <bdi class="author">{author_name(suspension.person.name.clone())}</bdi>
            " · "
            {move || until(app, until_at.as_deref())}
            " · "
            <bdi dir="auto">{suspension.reason.clone()}</bdi>
            " · "
            {move || by_line(app, &by)}
            " "
            <button type="button" class="button small" on:click=lift>{move || app.t().lift}</button>
            {move || error.get().map(|message| view! { <p class="notice error" role="alert">{message}</p> })}
        </li>
    }
}

fn by_line(app: AppState, name: &str) -> String {
    app.t().by_name.replace("{name}", name)
}
