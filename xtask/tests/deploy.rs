//! `cargo xtask deploy` offline: a dry run prints every step and writes `config.json`;
//! the rest runs the real deploy against fake `aws`, `sam` and `cargo lambda` on PATH
//! that answer with recorded CLI output and log every call, so the preflight checks,
//! the recovery from a failed first create and the upload order are tested without
//! an AWS account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn a_dry_run_writes_the_apps_config_from_the_stack_outputs_and_prints_every_step() {
    let out_dir = std::env::temp_dir().join(format!("deploy-dry-run-{}", std::process::id()));
    let config = out_dir.join("config.json");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(root())
        .args([
            "deploy",
            "--stage",
            "test",
            "--auth-domain-prefix",
            "board-test",
            "--grant",
            "code",
            "--dry-run",
        ])
        .arg("--outputs")
        .arg(root().join("infra/sample-outputs.json"))
        .arg("--config-out")
        .arg(&config)
        // No tool may run: an empty PATH makes any attempt fail.
        .env("PATH", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written,
        serde_json::json!({
            "api_base": "/api",
            "auth_domain": "https://board-test.auth.eu-west-1.amazoncognito.com",
            "client_id": "4k2j3h4g5f6d7s8a9p0o1i2u3y",
            "redirect_uri": "https://d1234abcd.cloudfront.net/",
            "logout_uri": "https://d1234abcd.cloudfront.net/",
            "scopes": ["openid", "email", "profile"],
            "grant": "code",
        })
    );
    for step in [
        "check: aws sts get-caller-identity",
        "check: aws cloudformation describe-stacks --stack-name board-test",
        "check: aws cognito-idp describe-user-pool-domain --domain board-test",
        "check: aws dynamodb describe-table --table-name board-test-posts",
        "check: aws dynamodb describe-table --table-name board-test-people",
        "check: aws dynamodb describe-table --table-name board-test-comments",
        "trunk build --release --offline",
        "sam build --template-file infra/template.yaml --beta-features",
        "sam deploy --stack-name board-test",
        "Grant=code StageName=test AuthDomainPrefix=board-test",
        "aws s3 sync",
        "aws cloudfront create-invalidation --distribution-id E2ABCDEF123456",
        "the board is at https://d1234abcd.cloudfront.net/",
    ] {
        assert!(stdout.contains(step), "missing step {step:?} in:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(out_dir);
}

/// A fake `aws`, `sam` and `cargo` on PATH: each call is logged, and answered by the
/// first rule whose command-line prefix matches (a `once:` rule answers one call).
struct Fakes {
    dir: PathBuf,
    dist: PathBuf,
}

const FAKE: &str = r#"#!/bin/sh
line="$(basename "$0") $*"
echo "$line" >> "$FAKE_DIR/log"
n=0
while IFS='	' read -r prefix code file; do
  n=$((n + 1))
  case "$line" in
    "$prefix"*)
      case "$code" in
        once:*) code=${code#once:}; sed -i "${n}d" "$FAKE_DIR/rules" ;;
      esac
      if [ -n "$file" ]; then
        if [ "$code" = 0 ]; then cat "$FAKE_DIR/$file"; else cat "$FAKE_DIR/$file" >&2; fi
      fi
      exit "$code" ;;
  esac
done < "$FAKE_DIR/rules"
exit 0
"#;

const INDEX: &str = r#"<html><head><link rel="stylesheet" href="/style-new.css"><script type="module">import init from '/frontend-new.js'; await init({ module_or_path: '/frontend-new_bg.wasm' });</script></head></html>"#;
const PREVIOUS_INDEX: &str = r#"<html><head><link rel="stylesheet" href="/style-old.css"><script type="module">import init from '/frontend-old.js'; await init({ module_or_path: '/frontend-old_bg.wasm' });</script></head></html>"#;

impl Fakes {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("deploy-fakes-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["aws", "sam", "cargo"] {
            let path = bin.join(tool);
            std::fs::write(&path, FAKE).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let dist = dir.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), INDEX).unwrap();
        std::fs::write(dist.join("frontend-new.js"), "js").unwrap();
        std::fs::write(
            dist.join("frontend-new_bg.wasm"),
            b"\0asm\x01\0\0\0".repeat(200),
        )
        .unwrap();
        std::fs::write(dir.join("rules"), "").unwrap();
        std::fs::write(dir.join("log"), "").unwrap();
        Self { dir, dist }
    }

    /// Answers calls starting with `prefix` with exit `code` (`once:N` for one call)
    /// and `body` on stdout (stderr when failing).
    fn rule(&self, prefix: &str, code: &str, body: &str) -> &Self {
        let file = format!("answer-{}", std::fs::read_dir(&self.dir).unwrap().count());
        std::fs::write(self.dir.join(&file), body).unwrap();
        let mut rules = std::fs::read_to_string(self.dir.join("rules")).unwrap();
        rules.push_str(&format!("{prefix}\t{code}\t{file}\n"));
        std::fs::write(self.dir.join("rules"), rules).unwrap();
        self
    }

    /// The calls the fakes answered, one a line.
    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("log"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// `cargo xtask ARGS` with the stand-ins first on PATH and in place of the
    /// deploy's own tools.
    fn xtask(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .current_dir(root())
            .args(args)
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.join("bin").display()),
            )
            .env("BOARD_DEPLOY_TOOLS", self.dir.join("bin"))
            .env("FAKE_DIR", &self.dir);
        command
    }

    /// The deploy of stage `t` in eu-west-1 with the fakes' build, and `extra`.
    fn deploy_command(&self, extra: &[&str]) -> Command {
        let mut command = self.xtask(&["deploy", "--stage", "t", "--region", "eu-west-1"]);
        command
            .args(["--skip-build", "--dist"])
            .arg(&self.dist)
            .args(extra);
        command
    }

    fn deploy(&self, extra: &[&str]) -> Output {
        self.deploy_command(&[&["--auth-domain-prefix", "board-t"], extra].concat())
            .output()
            .unwrap()
    }

    fn teardown(&self, extra: &[&str]) -> Output {
        self.xtask(&["teardown", "--stage", "t", "--region", "eu-west-1"])
            .args(extra)
            .output()
            .unwrap()
    }

    /// The index of the first logged call that starts with `prefix`.
    fn position(&self, prefix: &str) -> usize {
        let log = self.log();
        log.iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no call {prefix:?} in:\n{}", log.join("\n")))
    }

    fn called(&self, prefix: &str) -> bool {
        self.log().iter().any(|l| l.starts_with(prefix))
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const IDENTITY: &str =
    r#"{"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ada"}"#;
const NO_STACK: &str = "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id board-t does not exist";
const NO_TABLE: &str = "An error occurred (ResourceNotFoundException) when calling the DescribeTable operation: Requested resource not found";
const FREE_DOMAIN: &str = r#"{"DomainDescription": {}}"#;

fn stack_json(status: &str, script_hash: &str) -> String {
    let outputs = std::fs::read_to_string(root().join("infra/sample-outputs.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&outputs).unwrap();
    value["Stacks"][0]["StackStatus"] = status.into();
    value["Stacks"][0]["Parameters"] = serde_json::json!([
        {"ParameterKey": "AppScriptHash", "ParameterValue": script_hash},
        {"ParameterKey": "Grant", "ParameterValue": "code"},
    ]);
    value.to_string()
}

/// The rules of a healthy account where stack board-t is deployed as `stack` (the
/// describe-stacks answer), with a per-address limit in us-east-1.
fn deployed(f: &Fakes, stack: &str) {
    f.rule("cargo lambda --version", "0", "cargo-lambda 1.9.2")
        .rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule(
            &format!("aws cloudformation describe-stacks --stack-name {LIMIT_STACK}"),
            "0",
            &limit_stack_json(),
        )
        .rule("aws cloudformation describe-stacks", "0", stack);
    nothing_in_the_way(f);
}

/// The rules of a healthy account where stack board-t does not exist yet.
fn first_create(f: &Fakes) {
    f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5")
        .rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule("aws cloudformation describe-stacks", "once:255", NO_STACK)
        .rule(
            "aws cloudformation describe-stacks",
            "0",
            &stack_json("CREATE_COMPLETE", ""),
        );
    nothing_in_the_way(f);
}

/// The rules that let the preflight's other checks pass: the hosted-UI domain prefix
/// free, no table of the board's names left outside a stack, no live `index.html` in
/// the bucket.
fn nothing_in_the_way(f: &Fakes) {
    f.rule("aws cognito-idp describe-user-pool-domain", "0", FREE_DOMAIN)
        .rule("aws dynamodb describe-table", "255", NO_TABLE)
        .rule("aws s3 cp s3://", "1", "fatal error: An error occurred (404) when calling the HeadObject operation: Key \"index.html\" does not exist");
}

#[test]
fn a_first_deploy_checks_creates_without_protection_then_protects_and_uploads_in_order() {
    let f = Fakes::new("first");
    first_create(&f);
    let output = f.deploy(&[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("deploying to account 123456789012 in eu-west-1"));

    let order = [
        "aws sts get-caller-identity",
        "aws cloudformation describe-stacks",
        "aws cognito-idp describe-user-pool-domain --domain board-t",
        "aws dynamodb describe-table --table-name board-t-posts",
        "aws dynamodb describe-table --table-name board-t-people",
        "aws dynamodb describe-table --table-name board-t-comments",
        "sam build",
        "sam deploy",
    ];
    let positions: Vec<usize> = order.iter().map(|p| f.position(p)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{:#?}", f.log());

    let deploys: Vec<String> = f
        .log()
        .into_iter()
        .filter(|l| l.starts_with("sam deploy"))
        .collect();
    assert_eq!(deploys.len(), 2, "{deploys:#?}");
    assert!(
        deploys[0].contains("Grant=implicit") && deploys[0].contains("DataProtection=false"),
        "the first create can roll back whole"
    );
    assert!(
        deploys[1].contains("DataProtection=true"),
        "then the data is protected"
    );
    assert!(deploys[0].contains("--region eu-west-1"));
    assert!(
        deploys[0].contains(r#"PreviousAppScriptHash="" "#),
        "no release before: an empty value as SAM CLI's parser takes it"
    );

    // Hashed files (the brotli copy of the WebAssembly with its encoding), then
    // config.json, then index.html, then the invalidation, then the old files' removal.
    let bucket = "s3://board-test-sitebucket-1a2b3c4d5e6f/";
    let dist = f.dist.display();
    let log = f.log();
    let sync = f.position("aws s3 sync");
    assert!(sync > f.position("sam deploy"));
    assert!(log[sync].contains("--exclude config.json --exclude index.html --exclude *.br"));
    let expected = [
        format!(
            "aws s3 cp {dist}/frontend-new_bg.wasm.br {bucket}frontend-new_bg.wasm.br \
             --content-encoding br --content-type application/wasm"
        ),
        format!("aws s3 cp {dist}/config.json {bucket}config.json --cache-control no-cache"),
        format!("aws s3 cp {dist}/index.html {bucket}index.html --cache-control no-cache"),
        "aws cloudfront create-invalidation --distribution-id E2ABCDEF123456".to_owned(),
        "aws s3api list-objects-v2 --bucket board-test-sitebucket-1a2b3c4d5e6f".to_owned(),
    ];
    for (i, step) in expected.iter().enumerate() {
        assert!(
            log[sync + 1 + i].starts_with(step),
            "{step}\n{:#?}",
            &log[sync..]
        );
    }
    assert!(!f.called("aws s3 rm"), "an empty bucket has nothing old");
    assert!(
        !f.called("aws cloudfront wait"),
        "a new site has no visitor to wait for"
    );
    let config = std::fs::read_to_string(f.dist.join("config.json")).unwrap();
    assert!(config.contains("https://board-test.auth.eu-west-1.amazoncognito.com"));
}

#[test]
fn an_update_keeps_the_live_releases_files_and_script_hash_during_the_switch() {
    let f = Fakes::new("update");
    f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5")
        .rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule(
            "aws cloudformation describe-stacks",
            "0",
            &stack_json("UPDATE_COMPLETE", "sha256-OLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDO="),
        )
        .rule(
            "aws cognito-idp describe-user-pool-domain",
            "0",
            r#"{"DomainDescription": {"UserPoolId": "eu-west-1_AbCdEf123"}}"#,
        )
        .rule("aws dynamodb describe-table", "0", r#"{"Table": {}}"#)
        .rule(
            "aws cloudformation describe-stack-resource --stack-name board-t --logical-resource-id PostsTable",
            "0",
            r#"{"StackResourceDetail": {"PhysicalResourceId": "board-t-posts"}}"#,
        )
        .rule(
            "aws cloudformation describe-stack-resource --stack-name board-t --logical-resource-id PeopleTable",
            "0",
            r#"{"StackResourceDetail": {"PhysicalResourceId": "board-t-people"}}"#,
        )
        .rule(
            "aws cloudformation describe-stack-resource --stack-name board-t --logical-resource-id CommentsTable",
            "0",
            r#"{"StackResourceDetail": {"PhysicalResourceId": "board-t-comments"}}"#,
        )
        .rule("aws s3 cp s3://", "0", PREVIOUS_INDEX)
        .rule(
            "aws s3api list-objects-v2",
            "0",
            r#"["config.json", "index.html", "frontend-new.js", "frontend-new_bg.wasm",
                "frontend-new_bg.wasm.br", "frontend-old.js", "frontend-old_bg.wasm",
                "frontend-old_bg.wasm.br", "style-old.css", "frontend-older.js",
                "frontend-older_bg.wasm", "frontend-older_bg.wasm.br", "style-older.css"]"#,
        );
    let output = f.deploy(&[]);
    assert!(output.status.success(), "{}", text(&output));
    let log = f.log();
    let deploys: Vec<&String> = log.iter().filter(|l| l.starts_with("sam deploy")).collect();
    assert_eq!(deploys.len(), 1);
    assert!(deploys[0].contains("DataProtection=true"));
    assert!(
        deploys[0].contains("Grant=code"),
        "without --grant the stack keeps its grant: {}",
        deploys[0]
    );
    assert!(
        deploys[0]
            .contains("PreviousAppScriptHash=sha256-OLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDO="),
        "the live page's script stays allowed: {}",
        deploys[0]
    );
    // Only the release before the live one goes, and only after the switch.
    let removed: Vec<&str> = log
        .iter()
        .filter_map(|l| l.strip_prefix("aws s3 rm s3://board-test-sitebucket-1a2b3c4d5e6f/"))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        removed,
        [
            "frontend-older.js",
            "frontend-older_bg.wasm",
            "frontend-older_bg.wasm.br",
            "style-older.css"
        ]
    );
    assert!(f.position("aws s3 rm") > f.position("aws cloudfront create-invalidation"));
    // The new start-up script: index.html waits until every edge has the CSP for it.
    let wait = f.position("aws cloudfront wait distribution-deployed --id E2ABCDEF123456");
    let index = f.position(&format!("aws s3 cp {}/index.html", f.dist.display()));
    assert!(f.position("sam deploy") < wait && wait < index, "{log:#?}");
    assert!(f.position(&format!("aws s3 cp {}/config.json", f.dist.display())) < wait);
}

#[test]
fn a_stack_left_by_a_failed_first_create_is_explained_and_removed_only_with_yes() {
    let events = r#"{"StackEvents": [
        {"LogicalResourceId": "board-t", "ResourceType": "AWS::CloudFormation::Stack", "ResourceStatus": "ROLLBACK_COMPLETE", "ResourceStatusReason": null},
        {"LogicalResourceId": "PostsTable", "ResourceType": "AWS::DynamoDB::Table", "ResourceStatus": "CREATE_FAILED", "ResourceStatusReason": "Resource creation cancelled"},
        {"LogicalResourceId": "UserPoolDomain", "ResourceType": "AWS::Cognito::UserPoolDomain", "ResourceStatus": "CREATE_FAILED", "ResourceStatusReason": "Domain already associated with another user pool."},
        {"LogicalResourceId": "board-t", "ResourceType": "AWS::CloudFormation::Stack", "ResourceStatus": "CREATE_IN_PROGRESS", "ResourceStatusReason": "User Initiated"}
    ]}"#;
    let rules = |f: &Fakes| {
        f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5")
            .rule("aws sts get-caller-identity", "0", IDENTITY)
            .rule(
                "aws cloudformation describe-stacks",
                "once:0",
                &stack_json("ROLLBACK_COMPLETE", ""),
            )
            .rule("aws cloudformation describe-stack-events", "0", events)
            .rule(
                "aws cloudformation describe-stacks",
                "0",
                &stack_json("CREATE_COMPLETE", ""),
            );
        nothing_in_the_way(f);
    };

    let f = Fakes::new("rollback-ask");
    rules(&f);
    let output = f.deploy(&[]);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("UserPoolDomain (AWS::Cognito::UserPoolDomain): Domain already associated with another user pool."),
        "the first real failure, not the cancellations: {said}"
    );
    assert!(said.contains("--yes"), "{said}");
    assert!(!f.called("aws cloudformation delete-stack"));
    assert!(!f.called("sam build") && !f.called("sam deploy"));

    let f = Fakes::new("rollback-yes");
    rules(&f);
    let output = f.deploy(&["--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let delete = f.position("aws cloudformation delete-stack --stack-name board-t");
    let wait = f.position("aws cloudformation wait stack-delete-complete --stack-name board-t");
    let create = f.position("sam deploy");
    assert!(delete < wait && wait < create);
    assert!(
        f.log()[create].contains("DataProtection=false"),
        "created afresh"
    );
}

#[test]
fn a_stack_whose_first_change_set_never_ran_is_created_as_new() {
    let f = Fakes::new("review");
    f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5")
        .rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule(
            "aws cloudformation describe-stacks",
            "once:0",
            &stack_json("REVIEW_IN_PROGRESS", ""),
        )
        .rule(
            "aws cloudformation describe-stacks",
            "0",
            &stack_json("CREATE_COMPLETE", ""),
        );
    nothing_in_the_way(&f);
    let output = f.deploy(&[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("was never created"));
    let create = f.position("sam deploy");
    assert!(f.log()[create].contains("DataProtection=false"));
    assert!(!f.called("aws cloudformation delete-stack"));
}

#[test]
fn names_in_use_busy_stacks_and_bad_credentials_stop_the_deploy_before_anything_is_created() {
    type Setup = fn(&Fakes);
    let cases: [(&str, Setup, &str); 6] = [
        (
            "taken-domain",
            |f| {
                first_create(f);
                f.rule(
                    "aws cognito-idp describe-user-pool-domain",
                    "once:0",
                    r#"{"DomainDescription": {"UserPoolId": "eu-west-1_SomeoneElse"}}"#,
                );
                // The rule above must win over first_create's: rules match in order.
                move_last_rule_first(f);
            },
            "the hosted-UI domain prefix board-t is taken",
        ),
        (
            "leftover-table",
            |f| {
                first_create(f);
                f.rule(
                    "aws dynamodb describe-table --table-name board-t-posts",
                    "0",
                    r#"{"Table": {}}"#,
                );
                move_last_rule_first(f);
            },
            "table board-t-posts already exists outside stack board-t",
        ),
        (
            // The comments table too: every table the template declares is checked.
            "leftover-comments-table",
            |f| {
                first_create(f);
                f.rule(
                    "aws dynamodb describe-table --table-name board-t-comments",
                    "0",
                    r#"{"Table": {}}"#,
                );
                move_last_rule_first(f);
            },
            "table board-t-comments already exists outside stack board-t",
        ),
        (
            "busy",
            |f| {
                f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5")
                    .rule("aws sts get-caller-identity", "0", IDENTITY)
                    .rule(
                        "aws cloudformation describe-stacks",
                        "0",
                        &stack_json("UPDATE_IN_PROGRESS", ""),
                    );
            },
            "is busy (UPDATE_IN_PROGRESS)",
        ),
        (
            "credentials",
            |f| {
                f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5").rule(
                    "aws sts get-caller-identity",
                    "255",
                    "Unable to locate credentials. You can configure credentials by running \"aws configure\".",
                );
            },
            "the AWS credentials do not work",
        ),
        (
            "tools",
            |f| {
                f.rule("cargo lambda --version", "1", "no such command: `lambda`");
            },
            "cargo-lambda: installed by the deploy into .venv-deploy",
        ),
    ];
    for (name, setup, expected) in cases {
        let f = Fakes::new(name);
        setup(&f);
        let output = f.deploy(&[]);
        let said = text(&output);
        assert!(!output.status.success(), "{name}: {said}");
        assert!(said.contains(expected), "{name}: {said}");
        assert!(
            !f.called("sam build") && !f.called("sam deploy"),
            "{name}: {:#?}",
            f.log()
        );
        assert!(!f.called("aws s3"), "{name}");
    }
}

fn move_last_rule_first(f: &Fakes) {
    let rules = std::fs::read_to_string(f.dir.join("rules")).unwrap();
    let mut lines: Vec<&str> = rules.lines().collect();
    let last = lines.pop().unwrap();
    lines.insert(0, last);
    std::fs::write(f.dir.join("rules"), lines.join("\n") + "\n").unwrap();
}

#[test]
fn skip_infra_uploads_again_only_when_the_deployed_csp_allows_the_build() {
    let html = std::fs::read_to_string(Fakes::new("hash").dist.join("index.html")).unwrap();
    let hash = xtask_hash(&html);
    let rules = |f: &Fakes, deployed: &str| {
        f.rule("cargo lambda --version", "0", "cargo-lambda 1.8.5")
            .rule("aws sts get-caller-identity", "0", IDENTITY)
            .rule(
                "aws cloudformation describe-stacks",
                "0",
                &stack_json("UPDATE_COMPLETE", deployed),
            )
            .rule("aws s3 cp s3://", "0", PREVIOUS_INDEX);
    };
    let f = Fakes::new("skip-ok");
    rules(&f, &hash);
    let output = f.deploy(&["--skip-infra"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        !f.called("sam build") && !f.called("sam deploy"),
        "{:#?}",
        f.log()
    );
    assert!(!f.called("aws cognito-idp") && !f.called("aws dynamodb"));
    assert!(f.called("aws cloudfront create-invalidation"));

    let f = Fakes::new("skip-stale");
    rules(&f, "sha256-OLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDOLDO=");
    let output = f.deploy(&["--skip-infra"]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("deploy without --skip-infra"),
        "{}",
        text(&output)
    );
    assert!(!f.called("aws s3"));
}

/// The CSP hash of index.html's inline script, as the deploy computes it.
fn xtask_hash(html: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let start = html.find("<script").unwrap();
    let open_end = start + html[start..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find("</script>").unwrap();
    let digest = sha2::Sha256::digest(&html.as_bytes()[open_end..close]);
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[test]
fn a_first_deploy_refused_before_any_stack_exists_asks_for_no_removal() {
    let f = Fakes::new("refused-first");
    f.rule(
        "sam deploy",
        "2",
        "Error: Invalid value for '--parameter-overrides': X= is not a valid format.",
    )
    .rule("aws cloudformation describe-stack-events", "255", NO_STACK);
    first_create(&f);
    let output = f.deploy(&[]);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("sam deploy stopped before creating board-t")
            && said.contains("nothing to remove"),
        "{said}"
    );
    assert!(!said.contains("--yes"), "no stack to remove: {said}");
}

/// The real SAM CLI (`.venv-deploy`, pinned) in place of the fake `sam`: every call
/// runs it with the very arguments the deploy built, in a scratch directory whose
/// `infra/template.yaml` has nothing to compile (so `sam build` is seconds, not an
/// arm64 build), against moto (`AWS_ENDPOINT_URL`). Each call's exit code and output
/// are kept; the deploy is told it succeeded, so it goes on to its next command line.
const REAL_SAM: &str = r#"#!/bin/sh
echo "sam $*" >> "$FAKE_DIR/log"
cd "$FAKE_DIR/scratch" || exit 1
"$REAL_SAM" "$@" > "$FAKE_DIR/sam.out" 2>&1
code=$?
{ echo "=== sam $* → $code"; cat "$FAKE_DIR/sam.out"; } >> "$FAKE_DIR/sam-runs"
echo "$code" >> "$FAKE_DIR/sam-codes"
exit 0
"#;

/// A template with one parameterised resource and nothing to build.
const SCRATCH_TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Topic:
    Type: AWS::SNS::Topic
";

#[test]
fn every_sam_command_line_the_deploy_builds_is_taken_by_the_real_sam_cli() {
    let Ok(moto) = std::env::var("MOTO_ENDPOINT") else {
        panic!("MOTO_ENDPOINT: run through `cargo xtask test`");
    };
    let real = root().join(".venv-deploy/bin/sam");
    assert!(real.exists(), "the SAM CLI: run `cargo xtask setup`");
    // (stack state, the deploy's options): a first create, an update with a new build,
    // an unchanged build deployed again, and each option.
    let cases: Vec<(&str, Option<String>, Vec<&str>)> = vec![
        ("first", None, vec![]),
        (
            "update",
            Some(stack_json("UPDATE_COMPLETE", "sha256-OLD=")),
            vec!["--public-read"],
        ),
        (
            "unchanged",
            Some(stack_json("UPDATE_COMPLETE", "<same>")),
            vec![],
        ),
        (
            "options",
            Some(stack_json("UPDATE_COMPLETE", "sha256-OLD=")),
            vec![
                "--grant",
                "code",
                "--local-dev-url",
                "http://localhost:8080/",
            ],
        ),
        (
            "running",
            Some(stack_json("UPDATE_COMPLETE", "sha256-OLD=")),
            vec![
                "--domain",
                "board.example.com",
                "--certificate-arn",
                "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
                "--ses-identity",
                "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
                "--email-from",
                "The \"board\" <no-reply@example.com>",
                "--alarm-email",
                "ops@example.com",
                "--rate-limit",
                "300",
            ],
        ),
    ];
    for (name, existing, extra) in cases {
        let f = Fakes::new(&format!("real-sam-{name}"));
        let scratch = f.dir.join("scratch/infra");
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::write(scratch.join("template.yaml"), SCRATCH_TEMPLATE).unwrap();
        // The limit's template as it is: moto's CloudFormation takes it.
        std::fs::copy(root().join("infra/waf.yaml"), scratch.join("waf.yaml")).unwrap();
        let sam = f.dir.join("bin/sam");
        std::fs::write(&sam, REAL_SAM).unwrap();
        match existing {
            None => first_create(&f),
            Some(stack) => {
                // "Unchanged": the live page's script is this build's.
                let hash = scratch_hash(&f);
                deployed(&f, &stack.replace("<same>", &hash));
            }
        }
        let output = f
            .deploy_command(&[&["--auth-domain-prefix", "board-t"], extra.as_slice()].concat())
            .env("REAL_SAM", &real)
            .env("HOME", &f.dir)
            .env("SAM_CLI_TELEMETRY", "0")
            .env("AWS_ENDPOINT_URL", &moto)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .output()
            .unwrap();
        let runs = std::fs::read_to_string(f.dir.join("sam-runs")).unwrap_or_default();
        assert!(output.status.success(), "{name}: {}\n{runs}", text(&output));
        let codes: Vec<String> = std::fs::read_to_string(f.dir.join("sam-codes"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        let calls = f.log().iter().filter(|l| l.starts_with("sam ")).count();
        let builds = f
            .log()
            .iter()
            .filter(|l| l.starts_with("sam build"))
            .count();
        let deploys: Vec<&str> = runs
            .split("=== ")
            .filter(|run| run.starts_with("sam deploy"))
            .collect();
        assert_eq!(builds, 1, "{name}");
        assert!(!deploys.is_empty(), "{name}");
        assert_eq!(codes.len(), calls, "{name}: {runs}");
        // Click, which parses SAM CLI's command lines, exits 2 on a line it refuses.
        for refusal in [
            "Invalid value for",
            "No such option",
            "Missing option",
            "Got unexpected extra argument",
            "is not a valid format",
        ] {
            assert!(!runs.contains(refusal), "{name}: {refusal}:\n{runs}");
        }
        assert!(!codes.iter().any(|c| c == "2"), "{name}: {runs}");
        // The build ran for real; each deploy got past its command line to the work,
        // as far as moto takes it: `--resolve-s3` makes its managed stack, which
        // moto's CloudFormation leaves without the outputs SAM CLI then asks for.
        assert!(
            runs.contains("--beta-features → 0") && runs.contains("Build Succeeded"),
            "{name}: sam build:\n{runs}"
        );
        for deploy in deploys {
            if deploy.starts_with("sam deploy --template-file infra/waf.yaml") {
                // No artifacts, no bucket: moto's CloudFormation makes the change set.
                assert!(
                    deploy.contains("Changeset created successfully")
                        || deploy.contains("No changes to deploy"),
                    "{name}: the limit's stack:\n{deploy}"
                );
                continue;
            }
            assert!(
                deploy.contains("aws-sam-cli-managed-default"),
                "{name}: stopped before --resolve-s3:\n{deploy}"
            );
        }
        if extra.contains(&"--rate-limit") {
            assert!(
                runs.contains("=== sam deploy --template-file infra/waf.yaml"),
                "{runs}"
            );
        }
    }
}

/// The start-up script hash of the fakes' index.html, as the deploy computes it.
fn scratch_hash(f: &Fakes) -> String {
    use sha2::Digest;
    let html = std::fs::read_to_string(f.dist.join("index.html")).unwrap();
    let start = html.find("<script type=\"module\">").unwrap() + "<script type=\"module\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let digest = sha2::Sha256::digest(&html.as_bytes()[start..end]);
    use base64::Engine;
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// `sam validate --lint` (the pinned SAM CLI, with the cfn-lint it brings) takes the
/// template as it is.
#[test]
fn the_real_sam_cli_validates_and_lints_the_template() {
    let real = root().join(".venv-deploy/bin/sam");
    assert!(real.exists(), "the SAM CLI: run `cargo xtask setup`");
    let home = std::env::temp_dir().join(format!("sam-validate-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let output = Command::new(real)
        .current_dir(root())
        .args([
            "validate",
            "--lint",
            "--template-file",
            "infra/template.yaml",
        ])
        .env("HOME", &home)
        .env("SAM_CLI_TELEMETRY", "0")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("is a valid SAM Template"),
        "{}",
        text(&output)
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn a_prefix_cognito_would_refuse_stops_the_deploy_before_any_call() {
    let f = Fakes::new("bad-prefix");
    first_create(&f);
    let output = f
        .deploy_command(&["--auth-domain-prefix", "my-aws-board"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("which Cognito does not allow"),
        "{}",
        text(&output)
    );
    assert!(f.log().is_empty(), "nothing ran: {:#?}", f.log());
}

#[test]
fn a_redeploy_keeps_what_the_stack_has_unless_told_otherwise() {
    let stack = {
        let mut value: serde_json::Value =
            serde_json::from_str(&stack_json("UPDATE_COMPLETE", "sha256-OLD=")).unwrap();
        value["Stacks"][0]["Parameters"] = serde_json::json!([
            {"ParameterKey": "AppScriptHash", "ParameterValue": "sha256-OLD="},
            {"ParameterKey": "Grant", "ParameterValue": "implicit"},
            {"ParameterKey": "PublicRead", "ParameterValue": "true"},
            {"ParameterKey": "AuthDomainPrefix", "ParameterValue": "kept-prefix"},
            {"ParameterKey": "LocalDevUrl", "ParameterValue": "http://localhost:8080/"},
            {"ParameterKey": "Domain", "ParameterValue": "board.example.com"},
            {"ParameterKey": "CertificateArn", "ParameterValue": CERTIFICATE},
            {"ParameterKey": "SesIdentityArn", "ParameterValue": "arn:aws:ses:eu-west-1:123456789012:identity/example.com"},
            {"ParameterKey": "EmailFrom", "ParameterValue": "The board <no-reply@example.com>"},
            {"ParameterKey": "AlarmEmail", "ParameterValue": "ops@example.com"},
        ]);
        value.to_string()
    };
    let run = |name: &str, extra: &[&str]| {
        let f = Fakes::new(name);
        deployed(&f, &stack);
        let output = f.deploy_command(extra).output().unwrap();
        assert!(output.status.success(), "{name}: {}", text(&output));
        f.log()
            .into_iter()
            .find(|l| l.starts_with("sam deploy"))
            .unwrap()
    };
    let kept = run("keeps", &[]);
    for part in [
        "PublicRead=true",
        "AuthDomainPrefix=kept-prefix",
        "LocalDevUrl=http://localhost:8080/",
        "Domain=board.example.com",
        &format!("CertificateArn={CERTIFICATE}"),
        "SesIdentityArn=arn:aws:ses:eu-west-1:123456789012:identity/example.com",
        r#"EmailFrom="The board <no-reply@example.com>""#,
        "AlarmEmail=ops@example.com",
    ] {
        assert!(kept.contains(part), "{part} in {kept}");
    }
    let changed = run(
        "changes",
        &[
            "--public-read",
            "false",
            "--local-dev-url",
            "",
            "--alarm-email",
            "",
            "--domain",
            "",
            "--certificate-arn",
            "",
        ],
    );
    for part in [
        "PublicRead=false",
        r#"LocalDevUrl="""#,
        r#"AlarmEmail="""#,
        r#"Domain="""#,
        r#"CertificateArn="""#,
        "SesIdentityArn=arn:aws:ses:",
    ] {
        assert!(changed.contains(part), "{part} in {changed}");
    }
}

const CERTIFICATE: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";

#[test]
fn a_domain_without_a_us_east_1_certificate_stops_the_deploy_before_any_change() {
    for (name, extra) in [
        ("no-certificate", vec!["--domain", "board.example.com"]),
        (
            "wrong-region",
            vec![
                "--domain",
                "board.example.com",
                "--certificate-arn",
                "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
            ],
        ),
    ] {
        let f = Fakes::new(name);
        first_create(&f);
        let output = f.deploy(&extra);
        assert!(!output.status.success(), "{name}: {}", text(&output));
        assert!(
            text(&output).contains("us-east-1"),
            "{name}: {}",
            text(&output)
        );
        for change in ["sam build", "sam deploy", "aws s3"] {
            assert!(!f.called(change), "{name}: {:#?}", f.log());
        }
    }
}

const VERSIONS: &str = r#"{"Versions": [
    {"Key": "index.html", "VersionId": "v2"}, {"Key": "index.html", "VersionId": "v1"}],
  "DeleteMarkers": [{"Key": "frontend-old.js", "VersionId": "m1"}]}"#;
const MORE_VERSIONS: &str = r#"{"Versions": [{"Key": "frontend-old.js", "VersionId": "v0"}]}"#;
const BUCKET: &str = "board-test-sitebucket-1a2b3c4d5e6f";

#[test]
fn teardown_empties_the_versioned_bucket_then_deletes_the_stack_and_keeps_the_data() {
    let f = Fakes::new("teardown-keep");
    f.rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule(
            &format!("aws cloudformation describe-stacks --stack-name {LIMIT_STACK}"),
            "0",
            "{}",
        )
        .rule(
            "aws cloudformation describe-stacks",
            "0",
            &stack_json("UPDATE_COMPLETE", ""),
        )
        .rule("aws s3api list-object-versions", "once:0", VERSIONS)
        .rule("aws s3api list-object-versions", "once:0", MORE_VERSIONS)
        .rule("aws s3api list-object-versions", "0", "{}");
    let output = f.teardown(&["--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    let log = f.log();
    let deletes: Vec<&String> = log
        .iter()
        .filter(|l| l.starts_with(&format!("aws s3api delete-objects --bucket {BUCKET}")))
        .collect();
    assert_eq!(deletes.len(), 2, "{log:#?}");
    assert!(
        deletes[0].contains(r#"{"Key":"index.html","VersionId":"v2"},{"Key":"index.html","VersionId":"v1"},{"Key":"frontend-old.js","VersionId":"m1"}"#),
        "every version and delete marker: {}",
        deletes[0]
    );
    assert!(deletes[1].contains(r#""VersionId":"v0""#), "{}", deletes[1]);
    let stack_delete = f.position("aws cloudformation delete-stack --stack-name board-t");
    assert!(
        stack_delete
            > log
                .iter()
                .rposition(|l| l.contains("list-object-versions"))
                .unwrap()
    );
    let waited = f.position("aws cloudformation wait stack-delete-complete --stack-name board-t");
    assert!(waited > stack_delete);
    let limit_delete = f.position(&format!(
        "aws cloudformation delete-stack --stack-name {LIMIT_STACK} --region us-east-1"
    ));
    assert!(
        limit_delete > waited,
        "the limit's web ACL goes once no distribution uses it"
    );
    assert!(
        f.position(&format!(
            "aws cloudformation wait stack-delete-complete --stack-name {LIMIT_STACK} --region us-east-1"
        )) > limit_delete
    );
    for kept in [
        "aws dynamodb delete-table",
        "aws cognito-idp delete-user-pool",
        "update-table",
    ] {
        assert!(!f.called(kept), "without --delete-data: {kept}");
    }
    assert!(
        text(&output).contains("kept: the tables"),
        "{}",
        text(&output)
    );
}

#[test]
fn teardown_with_delete_data_removes_tables_and_pool_even_after_the_stack_is_gone() {
    // The stack went in an earlier teardown that kept the data.
    let f = Fakes::new("teardown-data");
    f.rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule("aws cloudformation describe-stacks", "255", NO_STACK)
        .rule(
            "aws cognito-idp list-user-pools",
            "0",
            r#"{"UserPools": [{"Id": "eu-west-1_Other", "Name": "board-other"},
                              {"Id": "eu-west-1_Kept", "Name": "board-t"}]}"#,
        )
        .rule(
            "aws dynamodb describe-table --table-name board-t-comments",
            "255",
            NO_TABLE,
        )
        .rule("aws dynamodb describe-table", "0", r#"{"Table": {}}"#);
    let output = f.teardown(&["--delete-data", "--yes"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!f.called("aws cloudformation delete-stack"));
    assert!(!f.called("aws s3api"), "no stack, no bucket of it");
    for table in ["board-t-posts", "board-t-people"] {
        let unprotect = f.position(&format!(
            "aws dynamodb update-table --table-name {table} --no-deletion-protection-enabled"
        ));
        assert!(unprotect < f.position(&format!("aws dynamodb delete-table --table-name {table}")));
    }
    assert!(
        !f.called("aws dynamodb delete-table --table-name board-t-comments"),
        "already gone"
    );
    assert!(
        f.position("aws cognito-idp update-user-pool --user-pool-id eu-west-1_Kept --deletion-protection INACTIVE")
            < f.position("aws cognito-idp delete-user-pool --user-pool-id eu-west-1_Kept")
    );
    assert!(!f.called("aws cognito-idp delete-user-pool --user-pool-id eu-west-1_Other"));
}

#[test]
fn teardown_without_yes_removes_nothing_and_says_how() {
    let f = Fakes::new("teardown-ask");
    f.rule("aws", "0", "{}");
    let output = f.teardown(&["--delete-data"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(f.log().is_empty(), "nothing ran: {:#?}", f.log());
    let said = text(&output);
    for step in [
        "delete every version and delete marker in <SiteBucketName>",
        "aws cloudformation delete-stack --stack-name board-t",
        "aws cloudformation wait stack-delete-complete --stack-name board-t",
        "aws dynamodb delete-table --table-name '<PostsTableName>'",
        "aws cognito-idp delete-user-pool --user-pool-id '<UserPoolId>'",
        "run again with --yes",
    ] {
        assert!(said.contains(step), "{step}: {said}");
    }
}

/// The per-address limit's stack of stage `t` in eu-west-1: in us-east-1.
const LIMIT_STACK: &str = "board-t-eu-west-1-limit";
const WEB_ACL: &str =
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/board-t-eu-west-1/0a1b2c3d";

/// describe-stacks of the limit's stack, with its web ACL.
fn limit_stack_json() -> String {
    serde_json::json!({"Stacks": [{
        "StackName": LIMIT_STACK,
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "WebAclArn", "OutputValue": WEB_ACL}],
    }]})
    .to_string()
}

/// A deployed stack of stage `t` with these parameters.
fn stack_with(parameters: &[(&str, &str)]) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&stack_json("UPDATE_COMPLETE", "sha256-OLD=")).unwrap();
    value["Stacks"][0]["Parameters"] = parameters
        .iter()
        .map(|(k, v)| serde_json::json!({"ParameterKey": k, "ParameterValue": v}))
        .collect();
    value.to_string()
}

/// The secret a `sam deploy` line sets, if any.
fn origin_secret(line: &str) -> Option<&str> {
    line.split(' ')
        .find_map(|arg| arg.strip_prefix("OriginSecret="))
}

#[test]
fn a_rate_limit_creates_its_web_acl_in_us_east_1_before_the_distribution_uses_it() {
    let f = Fakes::new("limit-first");
    f.rule(
        &format!("aws cloudformation describe-stacks --stack-name {LIMIT_STACK}"),
        "0",
        &limit_stack_json(),
    );
    first_create(&f);
    let output = f.deploy(&["--rate-limit", "300"]);
    assert!(output.status.success(), "{}", text(&output));

    let acl = f.position(&format!(
        "sam deploy --template-file infra/waf.yaml --stack-name {LIMIT_STACK} \
         --no-fail-on-empty-changeset --parameter-overrides AclName=board-t-eu-west-1 \
         RateLimit=300 --region us-east-1"
    ));
    let read = f.position(&format!(
        "aws cloudformation describe-stacks --stack-name {LIMIT_STACK} --region us-east-1"
    ));
    let board = f.position("sam deploy --stack-name board-t ");
    assert!(acl < read && read < board, "{:#?}", f.log());
    let deploys: Vec<String> = f
        .log()
        .into_iter()
        .filter(|l| l.starts_with("sam deploy --stack-name board-t "))
        .collect();
    assert_eq!(deploys.len(), 2);
    for deploy in &deploys {
        assert!(deploy.contains(&format!("WebAclArn={WEB_ACL}")), "{deploy}");
        assert!(deploy.contains("--region eu-west-1"), "{deploy}");
    }
    // One secret for the stack, in both of the first create's deploys, never printed.
    let secret = origin_secret(&deploys[0]).expect("a first create makes the secret");
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(origin_secret(&deploys[1]), Some(secret));
    let said = text(&output);
    assert!(!said.contains(secret), "{said}");
    assert!(said.contains("OriginSecret=<secret>"), "{said}");
}

#[test]
fn a_redeploy_keeps_the_origin_secret_and_the_limit_and_an_empty_rate_limit_removes_it_after() {
    let stack = stack_with(&[
        ("AppScriptHash", "sha256-OLD="),
        ("AuthDomainPrefix", "board-t"),
        ("OriginSecret", "****"),
        ("WebAclArn", WEB_ACL),
    ]);
    let run = |name: &str, extra: &[&str]| {
        let f = Fakes::new(name);
        deployed(&f, &stack);
        let output = f.deploy_command(extra).output().unwrap();
        assert!(output.status.success(), "{name}: {}", text(&output));
        f
    };

    let kept = run("limit-kept", &[]);
    let line = &kept.log()[kept.position("sam deploy --stack-name board-t ")];
    assert_eq!(
        origin_secret(line),
        None,
        "the stack's secret is kept by not giving it: {line}"
    );
    assert!(line.contains(&format!("WebAclArn={WEB_ACL}")), "{line}");
    assert!(!kept.called("sam deploy --template-file infra/waf.yaml"));
    assert!(!kept.called("aws cloudformation delete-stack"));

    let removed = run("limit-removed", &["--rate-limit", ""]);
    let board = removed.position("sam deploy --stack-name board-t ");
    assert!(removed.log()[board].contains(r#"WebAclArn="""#));
    let delete = removed.position(&format!(
        "aws cloudformation delete-stack --stack-name {LIMIT_STACK} --region us-east-1"
    ));
    assert!(
        delete > board,
        "the distribution lets go of the web ACL before it is deleted"
    );
    assert!(removed.called(&format!(
        "aws cloudformation wait stack-delete-complete --stack-name {LIMIT_STACK} --region us-east-1"
    )));

    let refused = Fakes::new("limit-refused");
    let output = refused.deploy(&["--rate-limit", "5"]);
    assert!(!output.status.success());
    assert!(text(&output).contains("10 or more"), "{}", text(&output));
    assert!(refused.log().is_empty(), "refused before any call");
}

const ACCESS_DENIED: &str = "An error occurred (AccessDenied) when calling the {} operation: User: arn:aws:iam::123456789012:user/ada is not authorized";

#[test]
fn a_live_index_html_that_cannot_be_read_stops_the_upload_before_anything_changes() {
    let f = Fakes::new("unreadable-index");
    deployed(&f, &stack_json("UPDATE_COMPLETE", ""));
    // Not "no such key": access denied, as an account without s3:GetObject answers.
    f.rule(
        "aws s3 cp s3://",
        "1",
        &format!("fatal error: {}", ACCESS_DENIED.replace("{}", "GetObject")),
    );
    move_last_rule_first(&f);
    let output = f.deploy(&[]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("AccessDenied"), "{}", text(&output));
    for never in ["aws s3 sync", "aws s3 rm", "aws s3api list-objects-v2"] {
        assert!(!f.called(never), "{never}: {:#?}", f.log());
    }
}

#[test]
fn teardown_stops_when_the_limit_stack_cannot_be_read_rather_than_leave_it_billing() {
    let f = Fakes::new("teardown-unreadable-limit");
    f.rule("aws sts get-caller-identity", "0", IDENTITY)
        .rule(
            &format!("aws cloudformation describe-stacks --stack-name {LIMIT_STACK}"),
            "255",
            &ACCESS_DENIED.replace("{}", "DescribeStacks"),
        )
        .rule("aws cloudformation describe-stacks", "255", NO_STACK)
        .rule("aws dynamodb describe-table", "255", NO_TABLE);
    let output = f.teardown(&["--yes"]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("cannot read the stack {LIMIT_STACK}")),
        "{}",
        text(&output)
    );
    assert!(!f.called(&format!(
        "aws cloudformation delete-stack --stack-name {LIMIT_STACK}"
    )));
}

#[test]
fn a_grant_switch_waits_for_every_edge_before_index_html_even_with_the_same_script() {
    let f = Fakes::new("grant-switch");
    let hash = xtask_hash(INDEX);
    // Deployed with the code grant and this very build's start-up script.
    deployed(&f, &stack_json("UPDATE_COMPLETE", &hash));
    let output = f.deploy(&["--grant", "implicit"]);
    assert!(output.status.success(), "{}", text(&output));
    let wait = f.position("aws cloudfront wait distribution-deployed");
    let index = f.position(&format!("aws s3 cp {}/index.html", f.dist.display()));
    assert!(wait < index, "{:#?}", f.log());

    // The same grant and script: nothing to wait for.
    let f = Fakes::new("grant-kept");
    deployed(&f, &stack_json("UPDATE_COMPLETE", &hash));
    let output = f.deploy(&["--grant", "code"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!f.called("aws cloudfront wait"), "{:#?}", f.log());
}

#[test]
fn a_new_domain_prefix_for_a_deployed_stage_is_refused_before_any_change() {
    let f = Fakes::new("prefix-change");
    deployed(
        &f,
        &stack_with(&[("AuthDomainPrefix", "board-t"), ("Grant", "implicit")]),
    );
    let output = f
        .deploy_command(&["--auth-domain-prefix", "board-t-new"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("it cannot change to board-t-new in place"),
        "{}",
        text(&output)
    );
    assert!(
        !f.called("sam build") && !f.called("sam deploy"),
        "{:#?}",
        f.log()
    );
    // The same prefix, or none given, goes on.
    let f = Fakes::new("prefix-kept");
    deployed(
        &f,
        &stack_with(&[("AuthDomainPrefix", "board-t"), ("Grant", "implicit")]),
    );
    let output = f.deploy_command(&[]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
}
