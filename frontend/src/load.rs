//! What a page loads: the latest answer of an asynchronous call, made again whenever
//! a signal it reads (a route parameter, a query) changes; or a list read a page at a
//! time.
//!
//! A few lines over an [`Effect`] rather than Leptos's resources: this app never
//! suspends or transitions, and the resources' asynchronous machinery weighed about
//! 7 kB brotli of WebAssembly in the first load for nothing else.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// The answer of `fetch`, `None` until the first arrives. `fetch` runs at once and
/// again when a signal it reads before its first `.await` changes; an answer that a
/// newer call has overtaken is dropped, and the last answer stays shown while the
/// next is on its way.
pub fn load<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> ReadSignal<Option<T>>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = T> + 'static,
{
    let answer = RwSignal::new(None);
    let latest = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let call = latest.get_value().wrapping_add(1);
        latest.set_value(call);
        let future = fetch();
        spawn_local(async move {
            let value = future.await;
            // The page may be gone, or a newer call may have been made meanwhile.
            if latest.try_get_value() == Some(call) {
                answer.try_set(Some(value));
            }
        });
    });
    answer.read_only()
}

/// A list read a page at a time (the notices, the moderators' queue, the log): what
/// has come so far, the next page's cursor, whether the first answer came, and the
/// error if one did.
pub struct Pages<T: 'static> {
    pub items: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub loaded: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
}

impl<T: 'static> Clone for Pages<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Pages<T> {}

impl<T: Send + Sync + 'static> Pages<T> {
    /// Whether the list is known to be empty: answered, nothing in it, no error.
    pub fn none(&self) -> bool {
        self.loaded.get() && self.items.with(Vec::is_empty) && self.error.with(Option::is_none)
    }
}

/// The list `fetch` reads, a page at a time: `fetch(cursor)` answers the page after
/// `cursor` (the first for `None`) and the cursor after it. The first page is asked
/// at once; the returned function asks for the page after a cursor, adding it to the
/// end.
pub fn pages<T, Fut>(
    fetch: impl Fn(Option<String>) -> Fut + Copy + 'static,
) -> (Pages<T>, impl Fn(Option<String>) + Copy + 'static)
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ApiError>> + 'static,
{
    let pages = Pages {
        items: RwSignal::new(Vec::new()),
        next: RwSignal::new(None),
        loaded: RwSignal::new(false),
        error: RwSignal::new(None),
    };
    let more = move |cursor: Option<String>| {
        let future = fetch(cursor);
        spawn_local(async move {
            let result = future.await;
            pages.loaded.set(true);
            match result {
                Ok((items, next)) => {
                    pages.items.update(|list| list.extend(items));
                    pages.next.set(next);
                }
                Err(e) => pages.error.set(Some(e)),
            }
        });
    };
    more(None);
    (pages, more)
}
