//! The backend's integration tests: the router against DynamoDB Local with tokens moto issued,
//! the Lambda path with API Gateway events, and the token checks with keys made here.

// A failed unwrap is a failed test: that is what tests are for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod comments;
mod contention;
mod feed;
mod helpers;
mod lambda;
mod logs;
mod moderation;
mod notices;
mod people;
mod posts;
mod quota;
mod requests;
mod server;
mod tokens;
