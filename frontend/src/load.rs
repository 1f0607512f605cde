//! What a page loads: the latest answer of an asynchronous call, made again whenever
//! a signal it reads (a route parameter, a query) changes.
//!
//! A few lines over an [`Effect`] rather than Leptos's resources: this app never
//! suspends or transitions, and the resources' asynchronous machinery weighed about
//! 7 kB brotli of WebAssembly in the first load for nothing else.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

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
