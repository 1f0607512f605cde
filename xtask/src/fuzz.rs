//! `cargo xtask fuzz`: Schemathesis against the backend's own OpenAPI description.
//!
//! The backend runs as its local server on fresh tables (DynamoDB Local) and a fresh
//! user pool (moto), and
//! Schemathesis (pinned in `xtask/requirements.txt`) sends every operation generated
//! and mutated requests with a valid token, a moderator's (so the moderators' routes
//! answer past their role check) (examples, coverage, fuzzing and stateful
//! phases, the last following links it infers from the description: from a created
//! post to its comments, from a created comment to its edit and delete). Each answer is
//! checked: never a 5xx, a documented status, and a body that matches the documented
//! schema. The run's event log then shows that the stateful phase really reached the
//! comment routes from a created post ([`REQUIRED_LINKS`]); it gets more scenarios
//! than the other phases get cases (`--quick`: 25 cases, 150 scenarios), since with
//! two dozen operations one chain of links reaches a given link rarely. The seed is
//! fixed, so a run is repeatable.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use backend::store::Store;
use devstack::Options;
use serde_json::Value;

use crate::process::{ChildGuard, cargo, free_port, run_cmd, wait_for_port};
use crate::services::Services;
use crate::setup::VENV;
use crate::stack::backend_command;

/// How much fuzzing a run does.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    /// A few hundred cases, for `cargo xtask test`.
    Quick,
    /// Many more, for `cargo xtask fuzz`.
    Long,
}

/// The seed of every run, so a failure found once is found again.
const SEED: u64 = 20_261_127;

impl Budget {
    fn max_examples(self) -> &'static str {
        match self {
            Budget::Quick => "25",
            Budget::Long => "1000",
        }
    }

    /// Scenarios of the stateful phase: each walks one chain of links, and with many
    /// operations a chain reaches a given link rarely, so it gets more than the rest.
    fn scenarios(self) -> u32 {
        match self {
            Budget::Quick => 150,
            Budget::Long => 2000,
        }
    }
}

/// `cargo xtask fuzz`: builds the backend, starts the local services and fuzzes at
/// length.
pub fn run(root: &Path, quick: bool) -> Result<()> {
    crate::setup::run(root)?;
    run_cmd(
        cargo()
            .current_dir(root)
            .args(["build", "--quiet", "--package", "backend"]),
    )?;
    let services = Services::start(root)?;
    against(
        root,
        &services,
        if quick { Budget::Quick } else { Budget::Long },
    )
}

/// Fuzzes the debug backend (already built) on a fresh stack in `services`.
pub fn against(root: &Path, services: &Services, budget: Budget) -> Result<()> {
    let runtime = crate::runtime()?;
    let email = "fuzzer@example.com";
    let password = "Fuzz-board-2026";
    let (stack, token) = runtime.block_on(async {
        let moto = services.connect().await;
        let unique = uuid::Uuid::new_v4().simple();
        let options = Options {
            table: format!("fuzz-{unique}"),
            people_table: format!("fuzz-people-{unique}"),
            comments_table: format!("fuzz-comments-{unique}"),
            pool_name: "fuzz".to_owned(),
            ..Default::default()
        };
        let stack = moto.bootstrap(&options).await?;
        moto.create_user(&stack.user_pool_id, email, password)
            .await?;
        // A moderator, so the moderators' routes answer past their role check too.
        moto.add_moderator(&stack.user_pool_id, email).await?;
        let tokens = moto.sign_in(&stack.client_id, email, password).await?;
        // A named writer, so writes reach the store rather than stopping at the name.
        let sub = moto.user_sub(&stack.user_pool_id, email).await?;
        Store::new(moto.dynamo.clone(), stack.tables())
            .set_name(
                &backend::domain::Caller {
                    sub,
                    moderator: true,
                },
                &shared::validate::display_name("Fuzzer")?,
            )
            .await?;
        anyhow::Ok((stack, tokens.id_token))
    })?;

    let port = free_port()?;
    let mut backend = backend_command(
        &root.join("target/debug/backend"),
        &services.dynamodb.endpoint,
        &stack,
        port,
    );
    // The fuzzer writes far faster than a person: no quota in its way.
    backend
        .env("WRITES_PER_MINUTE", u32::MAX.to_string())
        .env("WRITES_PER_DAY", u32::MAX.to_string());
    backend.stdout(std::process::Stdio::null());
    let _backend = ChildGuard(backend.spawn().context("starting the backend")?);
    wait_for_port(port, Duration::from_secs(60), "the backend")?;

    let report = root.join("target/fuzz");
    std::fs::create_dir_all(&report)?;
    let events = report.join("events.ndjson");
    let schemathesis = root.join(VENV).join("bin/st");
    let config = report.join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "[phases.stateful]\nmax-steps = 10\n\n[phases.stateful.generation]\nmax-examples = {}\n",
            budget.scenarios()
        ),
    )?;
    println!(
        "fuzz: Schemathesis, seed {SEED}, up to {} cases per operation and phase",
        budget.max_examples()
    );
    run_cmd(
        Command::new(schemathesis)
            .current_dir(root)
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("http://127.0.0.1:{port}/openapi.json"))
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance",
            ])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--max-examples", budget.max_examples()])
            .args(["--seed", &SEED.to_string()])
            .args(["--workers", "1"])
            .args(["--generation-database", "none"])
            .args(["--request-timeout", "30"])
            .args(["--report", "junit,ndjson"])
            .arg("--report-dir")
            .arg(&report)
            .arg("--report-ndjson-path")
            .arg(&events)
            .arg("--no-color")
            // The token must not be printed in a failure's reproduction command.
            .args(["--output-sanitize", "true"]),
    )?;
    let log = std::fs::read_to_string(&events).context("reading Schemathesis's event log")?;
    let reached = stateful_links(&log)?;
    let missing: Vec<_> = REQUIRED_LINKS
        .iter()
        .filter(|(from, to, status)| {
            !reached
                .iter()
                .any(|(f, t, s)| from.contains(&f.as_str()) && t == to && s == status)
        })
        .collect();
    if !missing.is_empty() {
        bail!(
            "the stateful phase did not follow these links to a success: {missing:?}; it \
             followed {reached:?}"
        );
    }
    println!(
        "fuzz: the stateful phase followed {} kinds of link, the comment routes among them",
        reached.len()
    );
    Ok(())
}

/// Links the stateful phase must follow to a success: (the operations the link may
/// start from, the operation it leads to, that operation's status).
const REQUIRED_LINKS: &[(&[&str], &str, u16)] = &[
    (
        &["POST /posts", "POST /post"],
        "POST /posts/{id}/comments",
        201,
    ),
    (
        &["POST /posts", "POST /post"],
        "GET /posts/{id}/comments",
        200,
    ),
    (
        &["POST /posts/{id}/comments"],
        "PUT /posts/{id}/comments/{comment_id}",
        200,
    ),
    (
        &["POST /posts/{id}/comments"],
        "DELETE /posts/{id}/comments/{comment_id}",
        204,
    ),
];

/// The links the stateful phase followed, from Schemathesis's NDJSON event log: for each
/// request made through a link, (the operation it came from, the one it called, the
/// answer's status).
fn stateful_links(ndjson: &str) -> Result<BTreeSet<(String, String, u16)>> {
    let mut links = BTreeSet::new();
    for line in ndjson.lines().filter(|l| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line).context("an event that is not JSON")?;
        let Some(finished) = event.get("ScenarioFinished") else {
            continue;
        };
        if finished["phase"] != "stateful" {
            continue;
        }
        let recorder = &finished["recorder"];
        let Some(cases) = recorder["cases"].as_object() else {
            continue;
        };
        for (id, case) in cases {
            if case["is_transition_applied"] != true {
                continue;
            }
            // "POST /posts -> [201] PostPost -> POST /posts/{id}/comments"
            let Some(link) = case["transition"]["id"].as_str() else {
                continue;
            };
            let (Some(from), Some(to)) = (link.split(" -> ").next(), link.rsplit(" -> ").next())
            else {
                continue;
            };
            let Some(status) = recorder["interactions"][id]["response"]["status_code"].as_u64()
            else {
                continue;
            };
            links.insert((from.to_owned(), to.to_owned(), status as u16));
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_followed_are_read_from_the_event_log_with_their_answers() {
        let events = [
            serde_json::json!({"ScenarioStarted": {"phase": "stateful"}}),
            // Another phase's links do not count.
            serde_json::json!({"ScenarioFinished": {"phase": "fuzzing", "recorder": {
                "cases": {"a": {"transition": {"id": "POST /x -> [201] L -> GET /y"},
                    "is_transition_applied": true}},
                "interactions": {"a": {"response": {"status_code": 200}}}}}}),
            serde_json::json!({"ScenarioFinished": {"phase": "stateful", "recorder": {
                "cases": {
                    "b": {"transition": {"id": "POST /posts -> [201] PostPost -> POST /posts/{id}/comments"},
                        "is_transition_applied": true},
                    // A link chosen but not applied, and a request made without one.
                    "c": {"transition": {"id": "POST /posts -> [201] X-Inferred-Link-2 -> DELETE /posts/{id}"},
                        "is_transition_applied": false},
                    "d": {"transition": null}},
                "interactions": {
                    "b": {"response": {"status_code": 201}},
                    "c": {"response": {"status_code": 204}},
                    "d": {"response": {"status_code": 201}}}}}}),
        ];
        let log = events.map(|e| e.to_string()).join("\n");
        assert_eq!(
            stateful_links(&log).unwrap(),
            BTreeSet::from([(
                "POST /posts".to_owned(),
                "POST /posts/{id}/comments".to_owned(),
                201
            )])
        );
        assert!(stateful_links("not json").is_err());
    }
}
