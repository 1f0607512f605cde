//! The app's frame: configuration, header, banners and routes.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::auth::{Returned, SignInError};
use crate::config::RuntimeConfig;
use crate::pages::{
    EditPage, Home, LoadError, LogPage, NameForm, NoticesPage, PostPage, ProfilePage, QueuePage,
    WritePage, describe, tr,
};
use crate::router::{Route, Router, use_router};
use crate::state::{AppState, Notice, use_app, use_config};

#[component]
pub fn App(callback: Option<Result<Returned, SignInError>>) -> impl IntoView {
    let app = AppState::new(callback);
    provide_context(app);
    let config = crate::load::load(load_config);
    move || match config.get() {
        None => view! { <p class="loading" role="status">{app.t().loading}</p> }.into_any(),
        Some(Err(reason)) => view! { <ConfigError reason/> }.into_any(),
        Some(Ok(config)) => view! { <Shell config/> }.into_any(),
    }
}

async fn load_config() -> Result<RuntimeConfig, String> {
    let response = match crate::start::config().await {
        Some(early) => early,
        None => gloo_net::http::Request::get("/config.json")
            .send()
            .await
            .map_err(|e| format!("it could not be fetched ({e})"))?,
    };
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("it could not be read ({e})"))?;
    RuntimeConfig::parse(&text)
}

#[component]
fn ConfigError(reason: String) -> impl IntoView {
    view! {
        <main class="page narrow" id="main">
            <h1>{tr(|t| t.config_error_title)}</h1>
            <p>{tr(|t| t.config_error_body)}</p>
            <pre class="config-error">{reason}</pre>
        </main>
    }
}

/// What the main area shows for who is (or is not) signed in.
#[derive(Clone, PartialEq)]
enum Gate {
    /// The routes: a visitor, or a person with a display name.
    Open,
    /// The signed-in person's profile is on its way.
    Loading,
    /// It could not be loaded.
    Failed(ApiError),
    /// They have no display name yet: the board asks for one first.
    NeedsName,
}

#[component]
fn Shell(config: RuntimeConfig) -> impl IntoView {
    provide_context(config.clone());
    let app = use_app();
    app.finish_sign_in(&config);
    app.prefetch_first_page(&config);
    // Whoever signs in, the board needs to know their name and role.
    Effect::new(move |previous: Option<Option<String>>| {
        let sub = app.session.with(|s| s.as_ref().map(|s| s.sub.clone()));
        if previous.as_ref() != Some(&sub) {
            app.load_profile(&config);
        }
        sub
    });
    let gate = Memo::new(move |_| {
        if app.signing_in.get() {
            return Gate::Loading;
        }
        if app.session.with(Option::is_none) {
            return Gate::Open;
        }
        app.profile.with(|profile| match profile {
            None => Gate::Loading,
            Some(Err(error)) => Gate::Failed(error.clone()),
            Some(Ok(p)) if p.display_name.is_none() => Gate::NeedsName,
            Some(Ok(_)) => Gate::Open,
        })
    });
    let router = Router::start();
    provide_context(router);
    view! {
            <a class="skip-link" href="#main">{tr(|t| t.skip_to_content)}</a>
            <Header/>
            <Notices/>
            <Suspended/>
            <main id="main" class="page" tabindex="-1">
                {move || match gate.get() {
                    Gate::Loading => view! { <p class="loading" role="status">{app.t().loading}</p> }.into_any(),
                    Gate::Failed(error) => view! { <LoadError error/> }.into_any(),
                    Gate::NeedsName => view! { <NameForm first=true/> }.into_any(),
                    Gate::Open => match router.route() {
                        Route::Home => view! { <Home/> }.into_any(),
                        Route::Write => view! { <WritePage/> }.into_any(),
                        Route::Profile => view! { <ProfilePage/> }.into_any(),
                        Route::Notices => view! { <NoticesPage/> }.into_any(),
                        Route::Queue => view! { <QueuePage/> }.into_any(),
                        Route::Log => view! { <LogPage/> }.into_any(),
                        Route::Post(_) => view! { <PostPage/> }.into_any(),
                        Route::Edit(_) => view! { <EditPage/> }.into_any(),
                        Route::NotFound => view! { <NotFound/> }.into_any(),
                    },
                }}
            </main>
            <footer class="site-footer">
                <a href="/moderation/log" aria-current=move || current(router, Route::Log)>{tr(|t| t.log_title)}</a>
            </footer>
    }
}

/// Tells a suspended person, on every page, why they cannot write and until when.
#[component]
fn Suspended() -> impl IntoView {
    let app = use_app();
    move || {
        let notice = app.profile.with(|p| match p {
            Some(Ok(profile)) => profile.suspension.clone(),
            _ => None,
        })?;
        Some(view! {
            <div class="notice warning" role="status" data-testid="suspended-notice">
                {move || describe(app, &ApiError::Suspended(notice.clone()))}
            </div>
        })
    }
}

/// `aria-current="page"` for the link to the page shown.
fn current(router: Router, route: Route) -> Option<&'static str> {
    (router.route() == route).then_some("page")
}

#[component]
fn Header() -> impl IntoView {
    let app = use_app();
    let router = use_router();
    let config = use_config();
    let sign_in_config = config.clone();
    let toggle_lang = move |_| app.set_lang(app.lang.get_untracked().other());
    view! {
        <header class="site-header">
            <nav aria-label=tr(|t| t.main_nav)>
                <a href="/" class="brand">{tr(|t| t.app_name)}</a>
                <div class="nav-actions">
                    {move || match app.session.get() {
                        Some(_) => {
                            let config = config.clone();
                            let name = move || {
                                app.profile.with(|p| match p {
                                    Some(Ok(profile)) => profile.display_name.clone(),
                                    _ => None,
                                })
                            };
                            view! {
                                <a href="/write" class="button primary" aria-current=move || current(router, Route::Write)>{tr(|t| t.write)}</a>
                                {move || name().map(|name| view! {
                                    <span class="who">
                                        <span class="visually-hidden">{tr(|t| t.signed_in_as)}" "</span>
                                        <a href="/me" title=tr(|t| t.your_name) aria-current=move || current(router, Route::Profile)>
                                            <bdi data-testid="user-name">{name}</bdi>
                                        </a>
                                        <Show when=move || app.is_moderator()>
                                            " "
                                            <span class="badge" data-testid="moderator-badge">{tr(|t| t.moderator)}</span>
                                            " "
                                            <a href="/moderation" data-testid="queue-link" aria-current=move || current(router, Route::Queue)>{tr(|t| t.moderation)}</a>
                                        </Show>
                                        " "
                                        <UnreadLink/>
                                    </span>
                                })}
                                <button type="button" class="button" on:click=move |_| app.sign_out(&config)>
                                    {tr(|t| t.sign_out)}
                                </button>
                            }
                                .into_any()
                        }
                        // A sign-in that came back is being finished: no button meanwhile.
                        None if app.signing_in.get() => ().into_any(),
                        None => {
                            let config = sign_in_config.clone();
                            view! {
                                <button type="button" class="button primary" on:click=move |_| app.sign_in(&config)>
                                    {tr(|t| t.sign_in)}
                                </button>
                            }
                                .into_any()
                        }
                    }}
                    // The name says what the button is for and contains what it shows
                    // (WCAG 2.5.3): "Language: 한국어".
                    <button type="button" class="button lang" on:click=toggle_lang>
                        <span class="visually-hidden">{tr(|t| t.language)}": "</span>
                        <span lang=move || app.lang.get().other().tag()>{tr(|t| t.other_language)}</span>
                    </button>
                </div>
            </nav>
        </header>
    }
}

/// The way to the notifications, with how many are new.
#[component]
fn UnreadLink() -> impl IntoView {
    let app = use_app();
    let router = use_router();
    let unread = move || {
        app.profile.with(|p| match p {
            Some(Ok(profile)) => profile.unread_notices,
            _ => 0,
        })
    };
    let label = move || {
        let n = unread();
        if n == 0 {
            app.t().notices.to_owned()
        } else {
            app.t().unread_notices.replace("{n}", &n.to_string())
        }
    };
    view! {
        <a href="/notices" class="notices-link" aria-label=label data-testid="notices-link" aria-current=move || current(router, Route::Notices)>
            {tr(|t| t.notices)}
            <Show when=move || unread() != 0>
                " "
                <span class="unread" data-testid="unread-count" aria-hidden="true">
                    {move || { let n = unread(); if n >= 99 { "99+".to_owned() } else { n.to_string() } }}
                </span>
            </Show>
        </a>
    }
}

#[component]
fn Notices() -> impl IntoView {
    let app = use_app();
    let config = use_config();
    move || {
        let t = app.t();
        app.notice.get().map(|notice| match notice {
            Notice::SignInFailed(error) => {
                let detail = match &error {
                    SignInError::Provider(error) => t.oauth_error(*error).to_owned(),
                    SignInError::Unsolicited => String::new(),
                    SignInError::StateMismatch | SignInError::MissingState => t.state_mismatch.to_owned(),
                    SignInError::NonceMismatch => t.nonce_mismatch.to_owned(),
                    SignInError::MalformedToken => t.bad_token.to_owned(),
                    SignInError::Expired => t.token_expired.to_owned(),
                    SignInError::NotStarted => t.not_started.to_owned(),
                    SignInError::Exchange => t.exchange_failed.to_owned(),
                };
                view! {
                    <div class="notice error" role="alert">
                        <strong>{t.sign_in_failed}</strong>
                        " "
                        <span data-testid="notice-detail">{detail}</span>
                        <button type="button" class="button small" on:click=move |_| app.notice.set(None)>
                            {t.dismiss}
                        </button>
                    </div>
                }
                    .into_any()
            }
            Notice::SessionExpired => {
                let config = config.clone();
                view! {
                    <div class="notice warning" role="alert">
                        <span>{t.session_expired}</span>
                        <button type="button" class="button primary small" on:click=move |_| app.sign_in(&config)>
                            {t.sign_in_again}
                        </button>
                    </div>
                }
                    .into_any()
            }
        })
    }
}

/// Shown to visitors where a page needs a signed-in person.
#[component]
pub fn SignInPrompt() -> impl IntoView {
    let app = use_app();
    let config = use_config();
    view! {
        <section class="welcome">
            <h1>{tr(|t| t.welcome_title)}</h1>
            <p>{tr(|t| t.welcome_body)}</p>
            <button type="button" class="button primary" on:click=move |_| app.sign_in(&config)>
                {tr(|t| t.sign_in)}
            </button>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="narrow">
            <h1>{tr(|t| t.not_found_title)}</h1>
            <p>{tr(|t| t.not_found_body)}</p>
            <a href="/">{tr(|t| t.back_to_list)}</a>
        </section>
    }
}
