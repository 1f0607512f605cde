//! Building the app (state, routes, middleware) and serving it: as a Lambda function
//! inside Lambda, as a local HTTP server elsewhere, until asked to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use clock::Clock;

use crate::auth::Verifier;
use crate::config::{Config, Handler};
use crate::store::Store;
use crate::{AppState, middleware, routes};

/// The whole API with its middleware, for a given DynamoDB client.
pub fn app(config: &Config, dynamo: aws_sdk_dynamodb::Client) -> Router {
    app_with_clock(config, dynamo, Clock::system())
}

/// [`app`] with time read from `clock`: the quota's windows, the name-change
/// interval, timestamps and the key fetch's rate limit.
pub fn app_with_clock(config: &Config, dynamo: aws_sdk_dynamodb::Client, clock: Clock) -> Router {
    let store = Store::new(dynamo, config.tables.clone()).with_clock(clock.clone());
    app_for(config, store, clock)
}

/// The whole API over `store`.
fn app_for(config: &Config, store: Store, clock: Clock) -> Router {
    let state = AppState {
        store,
        verifier: Arc::new(Verifier::new(config.auth.clone()).with_clock(clock)),
        public_read: config.public_read,
        quota: config.quota,
        cleanup_in_process: !config.in_lambda,
    };
    middleware::wrap(
        routes::api().with_state(state),
        &config.allowed_origins,
        config.origin_secret.clone(),
    )
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
    let store = Store::new(
        crate::store::client::client(&config.aws),
        config.tables.clone(),
    );
    if config.handler == Handler::Cleanup {
        return crate::cleanup::run(store).await.map_err(RunError::Lambda);
    }
    read_author_id_key(&store).await;
    let app = app_for(&config, store, Clock::system());
    if config.in_lambda {
        return lambda_http::run(app).await.map_err(RunError::Lambda);
    }
    let addr = config.bind_addr;
    // On loopback (the local stack), only requests addressed to loopback: no DNS
    // rebinding. A server bound elsewhere is reached by names this one cannot know.
    let app = if addr.ip().is_loopback() {
        app.layer(axum::middleware::from_fn(middleware::loopback_only))
    } else {
        app
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { addr, source })?;
    tracing::info!(%addr, "listening");
    serve(listener, app).await.map_err(RunError::Serve)
}

/// Reads the board's author-id key before the first request: nearly every answer
/// shows an author, and inside Lambda this runs in the function's init phase, so no
/// visitor waits for it. A failure (DynamoDB unreachable for the moment) is not fatal:
/// it leaves the read to the first request that needs it.
async fn read_author_id_key(store: &Store) {
    if let Err(err) = store.author_ids().await {
        tracing::warn!(error = %err, "the author id key is not read yet; the first request that shows an author will read it");
    }
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
