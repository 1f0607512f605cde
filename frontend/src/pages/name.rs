//! Choosing a display name: the name others see beside a person's posts, the board's
//! own (never a token claim, never part of an email address).

use leptos::prelude::*;

use super::tr;
use leptos::task::spawn_local;
use shared::validate::{self, NAME_MAX_CHARS};
use shared::{Field, NameChange};

use super::{describe, when};
use crate::api::ApiError;
use crate::app::SignInPrompt;
use crate::state::{use_app, use_config};

/// `/me`: the signed-in person's display name, to change.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let app = use_app();
    move || match app.session.get() {
        Some(_) => view! { <NameForm first=false/> }.into_any(),
        None => view! { <SignInPrompt/> }.into_any(),
    }
}

/// The display-name form. `first`: the person has none yet, and the board asks for
/// one before anything else.
#[component]
pub fn NameForm(first: bool) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let current = app.profile.with_untracked(|p| match p {
        Some(Ok(profile)) => profile.display_name.clone(),
        _ => None,
    });
    let name = RwSignal::new(current.unwrap_or_default());
    let touched = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let server_error = RwSignal::new(None::<String>);

    let message = move || {
        if touched.get()
            && let Err(error) = validate::display_name(&name.get())
        {
            return Some(app.t().rule(&error));
        }
        server_error.get()
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        touched.set(true);
        server_error.set(None);
        saved.set(false);
        let Ok(display_name) = validate::display_name(&name.get_untracked()) else {
            return;
        };
        if app.session.with_untracked(Option::is_none) {
            return;
        }
        let config = config.clone();
        sending.set(true);
        spawn_local(async move {
            let result = app
                .call(&config, None, |api| {
                    let change = NameChange {
                        display_name: display_name.to_string(),
                    };
                    async move { api.set_name(&change).await }
                })
                .await;
            sending.set(false);
            let t = app.t();
            match result {
                Ok(profile) => {
                    if let Some(stored) = &profile.display_name {
                        name.set(stored.clone());
                    }
                    app.profile.set(Some(Ok(profile)));
                    saved.set(true);
                }
                Err(ApiError::Unauthorized) => {}
                Err(ApiError::Conflict { .. }) => server_error.set(Some(t.name_taken.to_owned())),
                Err(ApiError::TooManyRequests { retry_after }) => server_error.set(Some(
                    t.name_changed_recently
                        .replace("{when}", &when(app, retry_after)),
                )),
                Err(ApiError::Invalid { message, .. }) => server_error.set(Some(message)),
                Err(other) => server_error.set(Some(describe(app, &other))),
            }
        });
    };
    let count = move || name.with(|n| n.trim().chars().count());
    let id = Field::DisplayName.as_str();

    view! {
        <form class="post-form narrow name-form" on:submit=on_submit novalidate>
            <h1>{move || if first { app.t().choose_name_title } else { app.t().your_name }}</h1>
            <p>{tr(|t| t.choose_name_body)}</p>
            <div class="field">
                <label for=id>{tr(|t| t.name_label)}</label>
                <input
                    id=id
                    name=id
                    type="text"
                    autocomplete="nickname"
                    required
                    dir="auto"
                    prop:value=name
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        server_error.set(None);
                        saved.set(false);
                    }
                    on:blur=move |_| touched.set(true)
                    aria-invalid=move || message().is_some().to_string()
                    aria-describedby=format!("{id}-hint {id}-error")
                />
                <p class="hint" id=format!("{id}-hint")>
                    {tr(|t| t.name_hint)}" ("{count}" / "{NAME_MAX_CHARS}")"
                </p>
                <p class="error-text" id=format!("{id}-error") role="alert">{message}</p>
            </div>
            <Show when=move || saved.get() && !first>
                <p class="notice info" role="status">{tr(|t| t.name_saved)}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="button primary" disabled=move || sending.get()>
                    {move || if sending.get() { app.t().sending } else { app.t().save_name }}
                </button>
            </div>
        </form>
    }
}
