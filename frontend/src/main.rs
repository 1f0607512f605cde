//! The board in the browser.

use frontend::app::App;

fn main() {
    // A panic's message in the console while developing; a release build leaves the
    // hook (and the formatting it pulls in) out, as its panics abort anyway.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Before anything renders: a sign-in callback's tokens or code leave the address bar.
    let callback = frontend::browser::take_callback();
    leptos::mount::mount_to_body(move || leptos::view! { <App callback/> });
}
