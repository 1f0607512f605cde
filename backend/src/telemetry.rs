//! Logging: JSON lines inside Lambda (CloudWatch adds the time), readable lines locally.
//! `RUST_LOG` sets the levels as `level` or `target=level` pairs (default `info`).
//!
//! Whatever `RUST_LOG` says, the libraries that see raw requests log at INFO at most:
//! below that, the Lambda runtime logs the whole event (the bearer token with it), the
//! HTTP and SDK stacks log headers, and the request signer logs the canonical request
//! with the session token in it. Tokens and credentials must never reach a log.

use tracing::{Level, Metadata};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, Targets, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Targets (and their children) capped at INFO, however verbose `RUST_LOG` is.
const CAPPED_TARGETS: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "aws_lambda_events",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_sdk_dynamodb",
    "aws_sigv4",
    "aws_runtime",
    "aws_credential_types",
    "aws_types",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "hyper_rustls",
    "tower_http",
    "axum",
];

/// Whether an event or span of `metadata` may be logged at all.
fn allowed(metadata: &Metadata<'_>) -> bool {
    *metadata.level() <= Level::INFO || !is_capped(metadata.target())
}

fn is_capped(target: &str) -> bool {
    CAPPED_TARGETS.iter().any(|capped| {
        target
            .strip_prefix(capped)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

pub fn init(json: bool) {
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    let filter = parse_filter(&spec).unwrap_or_else(|| {
        eprintln!("RUST_LOG={spec:?} is not a level list such as `info` or `info,backend=debug`; using `info`");
        Targets::new().with_default(tracing::Level::INFO)
    });
    let filter = filter.and(filter_fn(allowed));
    let registry = tracing_subscriber::registry();
    if json {
        let layer = tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .with_ansi(false)
            .without_time();
        registry.with(layer.with_filter(filter)).init();
    } else {
        // Colours for a person at a terminal, plain text for a file or a pipe.
        let layer = tracing_subscriber::fmt::layer()
            .compact()
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
        registry.with(layer.with_filter(filter)).init();
    }
}

/// `RUST_LOG` as directives; empty means `info`.
fn parse_filter(spec: &str) -> Option<Targets> {
    if spec.trim().is_empty() {
        return Some(Targets::new().with_default(tracing::Level::INFO));
    }
    spec.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_that_see_raw_requests_are_capped_at_info() {
        assert!(is_capped("lambda_runtime"));
        assert!(is_capped("lambda_runtime::layers::trace"));
        assert!(is_capped("aws_smithy_runtime::client::http"));
        assert!(is_capped("aws_sigv4::http_request::sign"));
        assert!(is_capped("hyper_rustls"));
        assert!(
            !is_capped("lambda_runtime_x"),
            "only the crate and its modules"
        );
        assert!(!is_capped("backend::routes"));
    }

    #[test]
    fn levels_parse_and_garbage_does_not() {
        let targets = parse_filter("warn,backend=debug").unwrap();
        assert!(targets.would_enable("backend::routes", &Level::DEBUG));
        assert!(!targets.would_enable("hyper", &Level::INFO));
        assert!(
            parse_filter("")
                .unwrap()
                .would_enable("anything", &Level::INFO)
        );
        assert!(parse_filter("backend=loud").is_none());
    }
}
