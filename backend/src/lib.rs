//! The board's backend: an HTTP API over DynamoDB for signed-in Cognito users.
//!
//! One router serves both AWS Lambda (through `lambda_http`) and a plain local HTTP
//! server; [`run`] picks by whether it is inside Lambda. Where things are:
//! [`routes`] (one module per resource, each with its own router), [`extract`] (who
//! calls, and their JSON), [`domain`] (the values that carry a rule), [`store`]
//! (DynamoDB), [`error`] (the one error type and its response), [`middleware`] (what
//! wraps every request) and [`startup`] (building the app and serving it).

pub mod auth;
pub mod cleanup;
pub mod config;
pub mod domain;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;

use std::sync::Arc;

pub use clock::Clock;
pub use middleware::MAX_BODY_BYTES;
pub use startup::{app, app_with_clock, run, serve};
pub use store::client::client as dynamo_client;

use crate::auth::Verifier;
use crate::store::Store;

/// What every handler shares: built once per process (per Lambda instance).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub verifier: Arc<Verifier>,
    pub public_read: bool,
    pub quota: config::Quota,
    /// Whether a deleted post's comments beyond the first slice are removed by a task
    /// of this process (the local server) rather than by the cleanup function fed by
    /// the posts table's stream (inside Lambda).
    pub cleanup_in_process: bool,
}
