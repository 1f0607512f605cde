//! The AWS and SAM command lines, as the deploy runs them: each step printed, run
//! unless this is a dry run, and JSON answers read.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

pub struct Cli {
    pub dry_run: bool,
    pub root: PathBuf,
    /// The PATH every command runs with: the deploy's own tools first.
    pub path: std::ffi::OsString,
    /// `--region R`, for every `aws` and `sam deploy` call, when one was chosen.
    pub region: Vec<String>,
}

/// What a command that may fail answered.
pub enum Answer {
    Ok(Value),
    /// It failed; its error output.
    Failed(String),
}

impl Cli {
    /// The deploy's command lines for the repository at `root`, in `region` when one
    /// was chosen, run unless `dry_run`.
    pub fn new(root: &std::path::Path, dry_run: bool, region: Option<&str>) -> Self {
        Self {
            dry_run,
            root: root.to_path_buf(),
            path: crate::setup::deploy_tools_path(root),
            region: region
                .iter()
                .flat_map(|r| ["--region".to_owned(), (*r).to_owned()])
                .collect(),
        }
    }

    pub fn say(&self, step: &str) {
        println!("deploy: {step}");
    }

    /// Runs a step that changes something (printed as a shell would take it, so a
    /// dry run's lines can be pasted; skipped on a dry run).
    pub fn run(&self, args: &[&str]) -> Result<()> {
        self.run_hiding(args, None)
    }

    /// [`run`](Self::run), with `secret` printed as `<secret>` wherever it appears
    /// (that line cannot be pasted as it is).
    pub fn run_hiding(&self, args: &[&str], secret: Option<&str>) -> Result<()> {
        let shown = self.with_region(args);
        let line = match secret {
            Some(secret) if !secret.is_empty() => shell_line(&shown).replace(secret, "<secret>"),
            _ => shell_line(&shown),
        };
        self.say(&line);
        if self.dry_run {
            return Ok(());
        }
        // The error names the line as printed: never the secret.
        let status = self
            .command(&shown)
            .status()
            .with_context(|| format!("starting {}", shown[0]))?;
        if !status.success() {
            bail!("`{line}` failed ({status})");
        }
        Ok(())
    }

    /// `shown` as a command: in the root, with the deploy's tools first on PATH.
    pub fn command(&self, shown: &[String]) -> Command {
        let mut command = Command::new(&shown[0]);
        command
            .current_dir(&self.root)
            .args(&shown[1..])
            .env("PATH", &self.path);
        command
    }

    /// Runs a read-only `aws` call and parses its JSON (`--output json` is added).
    /// `None` on a dry run, where nothing runs.
    pub fn query(&self, args: &[&str]) -> Result<Option<Answer>> {
        let mut shown = self.with_region(args);
        shown.extend(["--output".to_owned(), "json".to_owned()]);
        let Some(out) = self.check(&shown)? else {
            return Ok(None);
        };
        if !out.status.success() {
            return Ok(Some(Answer::Failed(
                String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .with_context(|| format!("{} did not answer JSON: {text}", shown.join(" ")))?
        };
        Ok(Some(Answer::Ok(value)))
    }

    /// Like [`query`](Self::query), but a failure is an error.
    pub fn query_ok(&self, args: &[&str]) -> Result<Option<Value>> {
        match self.query(args)? {
            None => Ok(None),
            Some(Answer::Ok(value)) => Ok(Some(value)),
            Some(Answer::Failed(stderr)) => bail!("`{}` failed: {stderr}", args.join(" ")),
        }
    }

    /// Text a read-only command prints, or `None` if it failed (or on a dry run).
    pub fn text(&self, args: &[&str]) -> Result<Option<String>> {
        Ok(self.text_or_failure(args)?.and_then(Result::ok))
    }

    /// What a read-only command printed, or its error output when it failed; `None`
    /// on a dry run. For the callers that must tell "not there" from every other
    /// failure.
    pub fn text_or_failure(&self, args: &[&str]) -> Result<Option<Result<String, String>>> {
        let Some(out) = self.check(&self.with_region(args))? else {
            return Ok(None);
        };
        Ok(Some(if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }))
    }

    /// Runs a read-only command (said as a check) and returns what it printed; nothing
    /// runs on a dry run.
    fn check(&self, shown: &[String]) -> Result<Option<std::process::Output>> {
        self.say(&format!("check: {}", shown.join(" ")));
        if self.dry_run {
            return Ok(None);
        }
        self.command(shown)
            .output()
            .map(Some)
            .with_context(|| format!("running {}", shown.join(" ")))
    }

    pub(super) fn with_region(&self, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let regional =
            matches!(args.first(), Some(&"aws")) || matches!(args, ["sam", "deploy", ..]);
        if regional {
            all.extend(self.region.iter().cloned());
        }
        all
    }
}

/// `args` as one shell command line: an argument with anything a shell would read
/// (quotes, spaces, `$`, ...) is single-quoted, so pasting the line runs the same
/// command (`PreviousAppScriptHash=""` stays exactly that).
pub fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@+%".contains(&b));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_line_runs_the_same_command_when_pasted() {
        let args = [
            "sam",
            "deploy",
            "PreviousAppScriptHash=\"\"",
            "a b",
            "it's",
            "X=sha256-ab+c/d=",
        ]
        .map(str::to_owned);
        assert_eq!(
            shell_line(&args),
            r#"sam deploy 'PreviousAppScriptHash=""' 'a b' 'it'\''s' X=sha256-ab+c/d="#
        );
    }
}
