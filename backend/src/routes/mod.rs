//! The HTTP API (see `docs/api.md`): one module per resource, each owning its
//! `router()` with the OpenAPI description of its handlers. A new resource is a new
//! module and one `merge` line in [`collected`].

pub mod admit;
pub mod comments;
pub mod health;
pub mod log;
pub mod moderation;
pub mod notices;
pub mod posts;
pub mod profile;
pub mod reports;
pub mod responses;

use axum::{Extension, Router};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;
use crate::openapi::{self, ApiDoc, Published};

/// Every route, each with its description.
fn collected() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(openapi::router())
        .merge(posts::router())
        .merge(comments::router())
        .merge(profile::router())
        .merge(notices::router())
        .merge(reports::router())
        .merge(moderation::router())
        .merge(log::router())
}

/// The API's router: every route, the description they make up served at
/// `/openapi.json`, and the shared error body for a path that is none of them.
pub fn api() -> Router<AppState> {
    let (router, description) = collected().split_for_parts();
    router
        .fallback(|| async { ApiError::NotFound { what: "path" } })
        .layer(Extension(Published::new(description)))
}

/// The OpenAPI description [`api`] serves.
pub fn description() -> utoipa::openapi::OpenApi {
    collected().into_openapi()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn json() -> String {
        description().to_json().unwrap()
    }

    /// The description as published in `docs/openapi.json`: any change to the API's
    /// paths, statuses or schemas shows there as a reviewed diff. Run the test with
    /// `UPDATE_OPENAPI=1` to write the file anew after a deliberate change.
    #[test]
    fn the_description_is_the_one_published_in_docs() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let served: Value = serde_json::from_str(&json()).unwrap();
        let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &pretty).unwrap();
        }
        let published: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .expect("docs/openapi.json is JSON");
        assert!(
            served == published,
            "the served description differs from docs/openapi.json; if the change is \
             meant, run `UPDATE_OPENAPI=1 cargo test -p backend --lib openapi` and review the diff"
        );
    }

    #[test]
    fn the_description_is_openapi_3_1_with_every_route_and_the_bearer_scheme() {
        let doc: Value = serde_json::from_str(&json()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        for (path, methods) in [
            ("/health", &["get"][..]),
            ("/openapi.json", &["get"]),
            ("/posts", &["get", "post"]),
            ("/post", &["post"]),
            ("/posts/{id}", &["get", "put", "delete"]),
            ("/me", &["get"]),
            ("/me/name", &["put"]),
            ("/posts/{id}/comments", &["get", "post"]),
            ("/posts/{id}/comments/{comment_id}", &["put", "delete"]),
            ("/me/notices", &["get"]),
            ("/me/notices/read", &["post"]),
            ("/posts/{id}/reports", &["post"]),
            ("/posts/{id}/comments/{comment_id}/reports", &["post"]),
            ("/moderation/queue", &["get"]),
            ("/moderation/queue/{target}", &["delete"]),
            ("/moderation/suspensions", &["get", "post"]),
            ("/moderation/suspensions/{person}", &["delete"]),
            ("/moderation/log", &["get"]),
        ] {
            for method in methods {
                assert!(paths[path][method].is_object(), "{method} {path}");
            }
            assert_eq!(
                paths[path].as_object().map(|m| m.len()),
                Some(methods.len()),
                "{path}: no other methods"
            );
        }
        assert_eq!(paths.len(), 18, "no other paths");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert_eq!(paths["/health"]["get"]["security"], serde_json::json!([]));
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
        assert!(doc["components"]["schemas"]["PostSummary"].is_object());
    }
}
