//! Which page the address names, and moving between pages without loading one.
//!
//! Eight routes and two query parameters need little of a router: the address is one
//! signal, a link click inside the app becomes a `history.pushState`, and the back and
//! forward buttons are a `popstate`. This replaced leptos_router, whose nested
//! matching and asynchronous machinery weighed 40 kB brotli of the first load (208.5 →
//! 168.6 kB of WebAssembly), a fifth of it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// A page of the app, as its path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Home,
    Write,
    Profile,
    Notices,
    /// `/moderation`: the moderators' queue and suspensions.
    Queue,
    /// `/moderation/log`: the public moderation log.
    Log,
    /// `/posts/<id>`: the id as written; the page says if it names no post.
    Post(String),
    /// `/posts/<id>/edit`.
    Edit(String),
    NotFound,
}

impl Route {
    /// The route of `path` (without query or fragment); one trailing slash is ignored.
    pub fn parse(path: &str) -> Route {
        let path = match path.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => path,
        };
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        match parts.as_slice() {
            [""] => Route::Home,
            ["write"] => Route::Write,
            ["me"] => Route::Profile,
            ["notices"] => Route::Notices,
            ["moderation"] => Route::Queue,
            ["moderation", "log"] => Route::Log,
            ["posts", id] if !id.is_empty() => Route::Post((*id).to_owned()),
            ["posts", id, "edit"] if !id.is_empty() => Route::Edit((*id).to_owned()),
            _ => Route::NotFound,
        }
    }

    /// The post a route is about, if its id is one (a whole number from 1).
    pub fn post_id(&self) -> Option<u64> {
        match self {
            Route::Post(id) | Route::Edit(id) => id.parse().ok().filter(|id| *id >= 1),
            _ => None,
        }
    }
}

/// The value of `name` in the query string `query` (without its `?`).
pub fn query_value(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The address as the app reads it: path and query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    path: String,
    query: String,
}

impl Address {
    fn current() -> Self {
        let location = web_sys::window().map(|w| w.location());
        let read = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
            location
                .as_ref()
                .and_then(|l| f(l).ok())
                .unwrap_or_default()
        };
        Self {
            path: read(web_sys::Location::pathname),
            query: read(web_sys::Location::search)
                .trim_start_matches('?')
                .to_owned(),
        }
    }
}

/// The app's address, shared by every page.
#[derive(Clone, Copy)]
pub struct Router {
    address: RwSignal<Address>,
    route: Memo<Route>,
}

impl Router {
    /// Follows the address bar from now on: link clicks inside the app, and the back
    /// and forward buttons. Called once, for the app's lifetime.
    pub fn start() -> Self {
        let address = RwSignal::new(Address::current());
        let route = Memo::new(move |_| address.with(|a| Route::parse(&a.path)));
        let router = Self { address, route };
        if let Some(window) = web_sys::window() {
            let on_pop = Closure::<dyn Fn()>::new(move || address.set(Address::current()));
            let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event| {
                router.follow(&event);
            });
            let _ = window
                .add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
            if let Some(document) = window.document() {
                let _ = document
                    .add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
            }
            // They listen as long as the app runs.
            on_pop.forget();
            on_click.forget();
        }
        router
    }

    /// The page the address names (tracked).
    pub fn route(&self) -> Route {
        self.route.get()
    }

    /// `name` from the query string, as a memo: who reads it runs again only when
    /// that value changes.
    pub fn query(&self, name: &'static str) -> Memo<Option<String>> {
        let address = self.address;
        Memo::new(move |_| address.with(|a| query_value(&a.query, name)))
    }

    /// Goes to `href` (a path in the app, with its query), as a new history entry, at
    /// the top of the page.
    pub fn go(&self, href: &str) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(history) = window.history() {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
        }
        self.address.set(Address::current());
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }

    /// Takes over a click on a link to another page of the app; leaves the browser
    /// any other click (a new tab, another site, a place on this page, a download).
    fn follow(&self, event: &web_sys::MouseEvent) {
        if event.default_prevented()
            || event.button() != 0
            || event.meta_key()
            || event.ctrl_key()
            || event.shift_key()
            || event.alt_key()
        {
            return;
        }
        let Some(link) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
        else {
            return;
        };
        if link.has_attribute("target") || link.has_attribute("download") {
            return;
        }
        let (Ok(link), Some(here)) = (
            link.dyn_into::<web_sys::HtmlAnchorElement>(),
            web_sys::window().map(|w| w.location()),
        ) else {
            return;
        };
        if here.origin().ok() != Some(link.origin()) {
            return;
        }
        let (path, search, hash) = (link.pathname(), link.search(), link.hash());
        if !hash.is_empty()
            && here.pathname().ok() == Some(path.clone())
            && here.search().ok() == Some(search.clone())
        {
            return;
        }
        event.prevent_default();
        self.go(&format!("{path}{search}{hash}"));
    }
}

pub fn use_router() -> Router {
    expect_context()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_names_its_page() {
        for (path, route) in [
            ("/", Route::Home),
            ("/write", Route::Write),
            ("/write/", Route::Write),
            ("/me", Route::Profile),
            ("/notices", Route::Notices),
            ("/moderation", Route::Queue),
            ("/moderation/log", Route::Log),
            ("/moderation/other", Route::NotFound),
            ("/posts/7", Route::Post("7".into())),
            ("/posts/7/", Route::Post("7".into())),
            ("/posts/7/edit", Route::Edit("7".into())),
            ("/posts/abc", Route::Post("abc".into())),
            ("/posts", Route::NotFound),
            ("/posts/", Route::NotFound),
            ("/posts/7/comments", Route::NotFound),
            ("/nowhere", Route::NotFound),
            ("", Route::NotFound),
        ] {
            assert_eq!(Route::parse(path), route, "{path:?}");
        }
    }

    #[test]
    fn only_a_whole_number_from_one_names_a_post() {
        assert_eq!(Route::Post("7".into()).post_id(), Some(7));
        assert_eq!(Route::Edit("12".into()).post_id(), Some(12));
        for id in ["0", "-1", "abc", "7.5", ""] {
            assert_eq!(Route::Post(id.into()).post_id(), None, "{id:?}");
        }
        assert_eq!(Route::Home.post_id(), None);
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_value("cursor=a%2Bb%3D&x=1", "cursor").as_deref(),
            Some("a+b=")
        );
        assert_eq!(
            query_value("comment=1-2", "comment").as_deref(),
            Some("1-2")
        );
        assert_eq!(query_value("", "cursor"), None);
        assert_eq!(query_value("cursorx=1", "cursor"), None);
    }
}
