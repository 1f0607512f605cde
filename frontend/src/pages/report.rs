//! Reporting a post or a comment to the moderators: a reason from the fixed list and
//! an optional note, in a small form that opens under the button.

use leptos::prelude::*;

use super::tr;
use leptos::task::spawn_local;
use shared::{NewReport, ReportReason};
use wasm_bindgen::JsCast;

use super::describe;
use crate::api::ApiError;
use crate::i18n::Texts;
use crate::state::{use_app, use_config};

/// A reason, said for people.
pub fn reason_text(t: &'static Texts, reason: ReportReason) -> &'static str {
    match reason {
        ReportReason::Spam => t.reason_spam,
        ReportReason::Abuse => t.reason_abuse,
        ReportReason::PersonalInformation => t.reason_personal_information,
        ReportReason::Illegal => t.reason_illegal,
        ReportReason::Other => t.reason_other,
    }
}

/// The "Report" button for what `path` names (`/posts/7`,
/// `/posts/7/comments/<id>`), and the form it opens.
#[component]
pub fn ReportButton(path: String) -> impl IntoView {
    let app = use_app();
    let config = use_config();
    let open = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    // One form per button: names and ids unique on a page with many comments.
    let note_id = format!("report{}-note", path.replace('/', "-"));
    // The form is read when sent (`FormData`), not kept in a signal per field.
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(data) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            .and_then(|form| web_sys::FormData::new_with_form(&form).ok())
        else {
            return;
        };
        let field = |name: &str| data.get(name).as_string().unwrap_or_default();
        let Some(reason) = ReportReason::parse(&field("reason")) else {
            return;
        };
        let note = field("note");
        let report = NewReport {
            reason,
            note: Some(note).filter(|n| !n.trim().is_empty()),
        };
        let (config, path) = (config.clone(), path.clone());
        sending.set(true);
        spawn_local(async move {
            let result = app
                .call(&config, None, move |api| {
                    let (path, report) = (path.clone(), report.clone());
                    async move { api.report(&path, &report).await }
                })
                .await;
            sending.set(false);
            match result {
                Ok(_) => {
                    open.set(false);
                    outcome.set(Some(Ok(())));
                }
                Err(ApiError::Unauthorized) => {}
                Err(other) => outcome.set(Some(Err(describe(app, &other)))),
            }
        });
    };
    view! {
        <button
            type="button"
            class="link"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| { outcome.set(None); open.update(|o| *o = !*o) }
        >
            {tr(|t| t.report)}
        </button>
        {move || outcome.get().map(|result| match result {
            Ok(()) => view! { <p class="notice" role="status" data-testid="report-done">{app.t().reported}</p> }.into_any(),
            Err(message) => view! { <p class="notice error" role="alert">{message}</p> }.into_any(),
        })}
        <Show when=move || open.get()>
            <form class="report-form" on:submit=submit.clone() data-testid="report-form">
                <fieldset>
                    <legend>{tr(|t| t.report_title)}" — "{tr(|t| t.report_reason)}</legend>
                    {ReportReason::ALL
                        .into_iter()
                        .map(|choice| {
                            view! {
                                <label class="choice">
                                    <input type="radio" name="reason" value=choice.as_str() required=true/>
                                    " "{move || reason_text(app.t(), choice)}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label for=note_id.clone()>{tr(|t| t.report_note)}</label>
                <textarea id=note_id.clone() name="note" maxlength="500" rows="2"></textarea>
                <div class="actions">
                    <button type="submit" class="button primary small" disabled=move || sending.get()>
                        {move || if sending.get() { app.t().sending } else { app.t().report_send }}
                    </button>
                    <button type="button" class="button small" on:click=move |_| open.set(false)>
                        {tr(|t| t.cancel)}
                    </button>
                </div>
            </form>
        </Show>
    }
}
