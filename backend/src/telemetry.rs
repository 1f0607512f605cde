//! Logging: JSON lines inside Lambda (CloudWatch adds the time), readable lines locally.
//! `RUST_LOG` sets the levels as `level` or `target=level` pairs (default `info`).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub fn init(json: bool) {
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    let filter = parse_filter(&spec).unwrap_or_else(|| {
        eprintln!("RUST_LOG={spec:?} is not a level list such as `info` or `info,backend=debug`; using `info`");
        Targets::new().with_default(tracing::Level::INFO)
    });
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        let layer = tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .with_ansi(false)
            .without_time();
        registry.with(layer).init();
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .compact()
                    .with_target(false),
            )
            .init();
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
    use tracing::Level;

    use super::*;

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
