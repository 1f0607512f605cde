//! What wraps every request, outermost first: its own request id, a span for its log
//! lines, a 500 for a panic, one log line for an error, the security and cache
//! headers, CORS for the site's origin, the shared JSON body for bare error statuses
//! from layers below the handlers, the origin check (deployed: only requests that came
//! through CloudFront) and the body limit.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::util::{MapRequestLayer, MapResponseLayer};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::OriginSecret;
use crate::error::{self, ApiError, Logged};
use crate::extract;

/// The largest request body accepted. A post at its longest (20,000 characters, each
/// JSON-escaped to 12 bytes at worst) fits; anything larger is refused with 413
/// before it is read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The header CloudFront adds to every request it sends to the API, with the stack's
/// origin secret (infra/template.yaml, the `api` origin).
pub const ORIGIN_SECRET_HEADER: HeaderName = HeaderName::from_static("x-origin-verify");

/// `router` with every layer the API runs under; CORS only when the site's origins
/// are configured (behind CloudFront the API is same-origin and needs none); the
/// origin check only with a secret.
pub fn wrap(
    router: Router,
    allowed_origins: &[HeaderValue],
    origin_secret: Option<OriginSecret>,
) -> Router {
    let cors = (!allowed_origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(allowed_origins.to_vec()))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([header::LOCATION, header::RETRY_AFTER, REQUEST_ID])
            .max_age(Duration::from_secs(3600))
    });
    let middleware = ServiceBuilder::new()
        .layer(MapRequestLayer::new(assign_request_id))
        // A bug must not take the process (or the Lambda instance) down with it.
        .layer(CatchPanicLayer::custom(|_| {
            // The panic's message and location are already on stderr (the panic hook).
            tracing::error!("a request handler panicked");
            error::for_status(StatusCode::INTERNAL_SERVER_ERROR)
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(axum::middleware::map_response(log_error))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Posts are private to signed-in people: no browser or CDN may keep a copy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .option_layer(cors)
        .layer(MapResponseLayer::new(json_error_bodies))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    let router = match origin_secret {
        Some(secret) => router.layer(axum::middleware::from_fn_with_state(
            secret,
            through_the_site,
        )),
        None => router,
    };
    router.layer(middleware)
}

/// Refuses a request that did not come through CloudFront: one sent to the HTTP
/// API's own address would walk around the site's per-address limit. CloudFront
/// replaces any `x-origin-verify` a viewer sends with the secret, so only a request
/// through the site carries it.
async fn through_the_site(
    State(secret): State<OriginSecret>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(ORIGIN_SECRET_HEADER)
        .map(HeaderValue::as_bytes);
    if presented.is_some_and(|value| secret.matches(value)) {
        return next.run(request).await;
    }
    ApiError::Forbidden {
        action: "call the API other than through the site",
    }
    .into_response()
}

/// Logs the [`ApiError`] a handler or extractor answered with, once, inside the
/// request's span; the error rode on the response from [`ApiError::into_response`].
async fn log_error(mut response: Response) -> Response {
    if let Some(Logged(error)) = response.extensions_mut().remove::<Logged>() {
        error.log();
    }
    response
}

/// For the local server on loopback: a request for another name is a 400 (no DNS
/// rebinding; see the `loopback` crate). It runs outside [`wrap`]'s layers, so it
/// logs its own refusal.
pub async fn loopback_only(request: Request, next: Next) -> Response {
    if loopback::addressed_to_loopback(request.headers()) {
        return next.run(request).await;
    }
    let refusal = ApiError::BadRequest {
        message: loopback::REFUSAL.to_owned(),
        field: None,
    };
    log_error(refusal.into_response()).await
}

/// The `x-request-id` a client sent: logged as `client_request_id`, never used as
/// the request's own id (a client could otherwise pass itself off as another request
/// in the logs).
#[derive(Clone)]
struct ClientRequestId(String);

/// Longest client request id kept for the log, in characters.
const MAX_CLIENT_REQUEST_ID: usize = 128;

/// Gives every request its own id in `x-request-id`: API Gateway's inside Lambda (so
/// logs match its access log), a fresh UUID elsewhere. What the client sent there is
/// moved aside to [`ClientRequestId`].
fn assign_request_id<B>(mut request: axum::http::Request<B>) -> axum::http::Request<B> {
    use lambda_http::request::RequestContext;
    let client = request.headers_mut().remove(REQUEST_ID).map(|v| {
        error::clip(
            &String::from_utf8_lossy(v.as_bytes()),
            MAX_CLIENT_REQUEST_ID,
        )
    });
    let gateway = request
        .extensions()
        .get::<RequestContext>()
        .and_then(|ctx| match ctx {
            RequestContext::ApiGatewayV2(ctx) => ctx.request_id.clone(),
            _ => None,
        });
    let id = gateway
        .and_then(|id| HeaderValue::from_str(&id).ok())
        .or_else(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok());
    if let Some(id) = id {
        request.headers_mut().insert(REQUEST_ID, id);
    }
    if let Some(client) = client {
        request.extensions_mut().insert(ClientRequestId(client));
    }
    request
}

/// The log span of a request: method, path and request ids, never headers (tokens).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let client = request
        .extensions()
        .get::<ClientRequestId>()
        .map(|c| c.0.as_str());
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
        client_request_id = client,
    )
}

/// Gives bare error statuses from layers below the handlers (unknown method, body over
/// the limit) the shared JSON error body, keeping their headers (such as `Allow`).
fn json_error_bodies<B>(response: axum::http::Response<B>) -> Response
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || extract::is_json(response.headers())
    {
        return response.map(Body::new);
    }
    let (parts, _) = response.into_parts();
    let mut replacement = error::for_status(status);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    replacement
}
