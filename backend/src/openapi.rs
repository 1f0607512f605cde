//! The API's OpenAPI 3.1 description, generated from the handlers' own types and
//! annotations (`#[utoipa::path]` in [`crate::routes`]), so it cannot drift from what
//! the API does. Served without a token at `GET /openapi.json`, for Postman and other
//! clients to import, and for the fuzzer (`cargo xtask fuzz`) to test against.

use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "The board",
        description = "Bulletin-board posts for people signed in through an Amazon Cognito \
            user pool. Every error has the shape `{\"error\": {\"code\", \"message\", \"field\"?}}`.",
    ),
    paths(
        routes::health,
        openapi_json,
        routes::posts::list_posts,
        routes::posts::create_post,
        routes::posts::create_post_tutorial,
        routes::posts::get_post,
        routes::posts::update_post,
        routes::posts::delete_post,
        routes::profile::get_me,
        routes::profile::set_name,
    ),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "posts", description = "Reading and writing posts"),
        (name = "profile", description = "The caller's display name and role"),
        (name = "health", description = "Whether the API is up"),
    ),
)]
pub struct ApiDoc;

/// The security scheme: a Cognito id (or access) token as a bearer token.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An id token (or access token) of the board's Cognito app client",
                    ))
                    .build(),
            ),
        );
    }
}

/// The description as JSON, made once per process on first request.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}

/// This description, in OpenAPI 3.1.
#[utoipa::path(get, path = "/openapi.json", tag = "health", security(),
    responses((status = 200, description = "The OpenAPI 3.1 description of this API",
        content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// The description as published in `docs/openapi.json`: any change to the API's
    /// paths, statuses or schemas shows there as a reviewed diff. Run the test with
    /// `UPDATE_OPENAPI=1` to write the file anew after a deliberate change.
    #[test]
    fn the_description_is_the_one_published_in_docs() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let served: Value = serde_json::from_str(json()).unwrap();
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
        let doc: Value = serde_json::from_str(json()).unwrap();
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
        assert_eq!(paths.len(), 7, "no other paths");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert_eq!(paths["/health"]["get"]["security"], serde_json::json!([]));
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
        assert!(doc["components"]["schemas"]["PostSummary"].is_object());
    }
}
