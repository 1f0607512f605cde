//! The board's API: a Lambda function inside AWS Lambda, a local HTTP server elsewhere.

use std::process::ExitCode;

use backend::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("backend: configuration error: {err}");
            return ExitCode::FAILURE;
        }
    };
    backend::telemetry::init(config.in_lambda);
    match backend::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "backend stopped");
            ExitCode::FAILURE
        }
    }
}
