//! The board's backend: an HTTP API over DynamoDB for signed-in Cognito users.
//!
//! One router serves both AWS Lambda (through `lambda_http`) and a plain local HTTP
//! server; [`run`] picks by whether it is inside Lambda.

pub mod auth;
pub mod clock;
pub mod config;
pub mod error;
pub mod extract;
pub mod host;
pub mod openapi;
pub mod routes;
pub mod store;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use tower::ServiceBuilder;
use tower::util::{MapRequestLayer, MapResponseLayer};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::Verifier;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::Store;

/// The largest request body accepted. A post at its longest (20,000 characters, each
/// JSON-escaped to 12 bytes at worst) fits; anything larger is refused with 413
/// before it is read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares: built once per process (per Lambda instance).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub verifier: Arc<Verifier>,
    pub public_read: bool,
    pub quota: config::Quota,
}

/// The whole API with its middleware, for a given DynamoDB client.
pub fn app(config: &Config, dynamo: aws_sdk_dynamodb::Client) -> Router {
    app_with_clock(config, dynamo, Clock::system())
}

/// [`app`] with time read from `clock`: the quota's windows, the name-change
/// interval, timestamps and the key fetch's rate limit.
pub fn app_with_clock(config: &Config, dynamo: aws_sdk_dynamodb::Client, clock: Clock) -> Router {
    let state = AppState {
        store: Store::new(
            dynamo,
            config.posts_table.clone(),
            config.people_table.clone(),
        )
        .with_clock(clock.clone()),
        verifier: Arc::new(Verifier::new(config.auth.clone()).with_clock(clock)),
        public_read: config.public_read,
        quota: config.quota,
    };
    let cors = (!config.allowed_origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(config.allowed_origins.clone()))
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
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Posts are private to signed-in people: no browser or CDN may keep a copy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .option_layer(cors)
        .layer(MapResponseLayer::new(json_error_bodies))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES));
    routes::router().with_state(state).layer(middleware)
}

/// The DynamoDB client for `access`: the region and credentials Lambda puts in the
/// environment, and locally moto's endpoint.
pub fn dynamo_client(access: &config::AwsAccess) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let credentials = Credentials::new(
        &access.access_key_id,
        &access.secret_access_key,
        access.session_token.clone(),
        None,
        "environment",
    );
    let mut builder = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(access.region.clone()))
        .credentials_provider(credentials);
    if let Some(endpoint) = &access.dynamodb_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    aws_sdk_dynamodb::Client::from_conf(builder.build())
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the local server failed: {0}")]
    Serve(std::io::Error),
    #[error("the Lambda runtime failed: {0}")]
    Lambda(lambda_http::Error),
}

/// Serves the API until stopped: as a Lambda function inside Lambda, otherwise on
/// `config.bind_addr`.
pub async fn run(config: Config) -> Result<(), RunError> {
    let app = app(&config, dynamo_client(&config.aws));
    if config.in_lambda {
        return lambda_http::run(app).await.map_err(RunError::Lambda);
    }
    let addr = config.bind_addr;
    // On loopback (the local stack), only requests addressed to loopback: no DNS
    // rebinding. A server bound elsewhere is reached by names this one cannot know.
    let app = if addr.ip().is_loopback() {
        app.layer(axum::middleware::from_fn(host::require_loopback_host))
    } else {
        app
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { addr, source })?;
    tracing::info!(%addr, "listening");
    serve(listener, app).await.map_err(RunError::Serve)
}

/// Serves `app` on `listener` until Ctrl-C or SIGTERM, finishing requests under way.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
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
fn assign_request_id<B>(mut request: Request<B>) -> Request<B> {
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
fn request_span<B>(request: &Request<B>) -> tracing::Span {
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
