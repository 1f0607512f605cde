//! The board in the browser.

use frontend::app::App;

fn main() {
    console_error_panic_hook::set_once();
    // Before anything renders: a sign-in callback's tokens or code leave the address bar.
    let callback = frontend::browser::take_callback();
    leptos::mount::mount_to_body(move || leptos::view! { <App callback/> });
}
