//! The whole board on loopback: DynamoDB Local, moto (Cognito), the hosted-UI
//! imitation, the backend's local server and `trunk serve`, wired together. Used by
//! `cargo xtask dev` and by the browser tests, so both run exactly the same stack.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use backend::config::Quota;
use backend::store::Store;
use devstack::{LocalAws, Options, Stack};

use crate::dynamodb::DynamoDbLocal;
use crate::edge;
use crate::moto::MotoServer;
use crate::outputs::Grant;
use crate::process::{
    ChildGuard, cargo, free_port, preferred_or_free_port, run_cmd, tool_path, wait_for_port,
};

/// The demo user `dev` creates.
pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "Board-demo-2026";
/// The demo moderator `dev` creates: a member of the `moderators` group.
pub const DEMO_MODERATOR_EMAIL: &str = "moderator@example.com";
pub const DEMO_MODERATOR_PASSWORD: &str = "Board-mod-2026";

/// The demo people: email, password, display name, moderator.
const DEMO_PEOPLE: [(&str, &str, &str, bool); 2] = [
    (DEMO_EMAIL, DEMO_PASSWORD, "Demo", false),
    (DEMO_MODERATOR_EMAIL, DEMO_MODERATOR_PASSWORD, "Mina", true),
];

/// Ports tried first; a port in use is replaced by a free one.
pub struct Ports {
    pub dynamodb: u16,
    pub moto: u16,
    pub hosted_ui: u16,
    pub backend: u16,
    pub app: u16,
}

impl Ports {
    pub const PREFERRED: Ports = Ports {
        dynamodb: 8000,
        moto: 5000,
        hosted_ui: 9000,
        backend: 3000,
        app: 8080,
    };

    /// Any free ports (tests and benchmarks, beside whatever else runs).
    pub const ANY: Ports = Ports {
        dynamodb: 0,
        moto: 0,
        hosted_ui: 0,
        backend: 0,
        app: 0,
    };
}

/// How the stack serves the app.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AppServer {
    /// `trunk serve` of a debug build, `/api` proxied to the backend (development).
    Trunk,
    /// The release build already in `dist/`, through the local CloudFront stand-in
    /// with the template's headers and functions (as deployed).
    Edge,
}

pub struct StackOptions {
    pub ports: Ports,
    /// How the app is served.
    pub app: AppServer,
    /// The grant of each app served: the first on `ports.app`, any other (the edge
    /// only) on a free port of its own, all of them clients of the same pool.
    pub grants: Vec<Grant>,
    /// Where the hosted UI also writes confirmation codes (`email code` lines).
    pub mailbox: Option<PathBuf>,
    /// Hide the children's output (tests); `dev` shows it.
    pub quiet: bool,
    /// Writes per person, if not the backend's defaults.
    pub quota: Option<Quota>,
    /// With a plan, the backend reaches DynamoDB Local through the fault layer, which
    /// answers as busy DynamoDB does (`dev --faults`; the browser tests set plans of
    /// their own through its control path).
    pub faults: Option<faults::Plan>,
}

/// A running stack; dropping it stops every part.
pub struct RunningStack {
    // Dropped in this order: the app servers, the backend, then moto and DynamoDB Local.
    apps: Vec<AppProcess>,
    backend: ChildGuard,
    _faults: Option<faults::Proxy>,
    _runtime: tokio::runtime::Runtime,
    _moto: MotoServer,
    _dynamodb: DynamoDbLocal,
    /// The first grant's app.
    pub app_url: String,
    /// Every app served, by grant.
    pub app_urls: Vec<(Grant, String)>,
    /// moto's and DynamoDB Local's addresses, and what the stack made in them.
    pub moto_endpoint: String,
    pub dynamodb_endpoint: String,
    /// The fault layer's address, when the stack has one: `PUT {url}/_faults` with a
    /// plan changes what it injects.
    pub faults_url: Option<String>,
    pub stack: Stack,
    pub api_url: String,
    pub auth_url: String,
    /// With the app served through the edge (as deployed): the secret the stand-in
    /// sends the backend and the backend requires, as CloudFront's origin secret.
    /// Whoever calls the backend directly must send it in `x-origin-verify`.
    pub origin_secret: Option<String>,
}

impl RunningStack {
    pub fn start(root: &Path, options: StackOptions) -> Result<Self> {
        let started = Instant::now();
        let backend_binary = root.join("target/debug/backend");
        step("building the backend");
        run_cmd(
            cargo()
                .current_dir(root)
                .args(["build", "--quiet", "--package", "backend"]),
        )?;

        let dynamodb_port = preferred_or_free_port("DynamoDB Local", options.ports.dynamodb)?;
        let moto_port = preferred_or_free_port("moto", options.ports.moto)?;
        let ui_port = preferred_or_free_port("the hosted-UI imitation", options.ports.hosted_ui)?;
        let backend_port = preferred_or_free_port("the backend", options.ports.backend)?;
        if options.grants.is_empty()
            || (options.app == AppServer::Trunk && options.grants.len() > 1)
        {
            bail!("serve one app with trunk, or one or more through the edge");
        }
        let mut app_ports = vec![preferred_or_free_port("the app", options.ports.app)?];
        for _ in 1..options.grants.len() {
            app_ports.push(free_port()?);
        }
        let app_urls: Vec<(Grant, String)> = options
            .grants
            .iter()
            .zip(&app_ports)
            .map(|(grant, port)| (*grant, format!("http://127.0.0.1:{port}/")))
            .collect();
        let app_url = app_urls[0].1.clone();
        let auth_url = format!("http://127.0.0.1:{ui_port}");
        let api_url = format!("http://127.0.0.1:{backend_port}");

        step("starting DynamoDB Local and moto");
        let dynamodb = crate::dynamodb::start_on(root, dynamodb_port)?;
        let moto = crate::moto::start_on(root, moto_port)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let urls: Vec<String> = app_urls.iter().map(|(_, url)| url.clone()).collect();
        let options_for_pool = Options {
            callback_urls: urls.clone(),
            logout_urls: urls,
            ..Default::default()
        };
        let (moto_endpoint, dynamodb_endpoint) = (moto.endpoint.clone(), dynamodb.endpoint.clone());
        let (client, stack) = runtime.block_on(async {
            let client = LocalAws::connect(&moto_endpoint, &dynamodb_endpoint).await;
            let stack = client.bootstrap(&options_for_pool).await?;
            let store = Store::new(client.dynamo.clone(), stack.tables());
            for (email, password, name, moderator) in DEMO_PEOPLE {
                client
                    .create_user(&stack.user_pool_id, email, password)
                    .await?;
                if moderator {
                    client.add_moderator(&stack.user_pool_id, email).await?;
                }
                let sub = client.user_sub(&stack.user_pool_id, email).await?;
                let person = backend::domain::Caller { sub, moderator };
                store
                    .set_name(&person, &shared::validate::display_name(name)?)
                    .await
                    .with_context(|| format!("naming {email}"))?;
            }
            anyhow::Ok((client, stack))
        })?;

        step("starting the hosted-UI imitation");
        let signer = hosted_ui::Signer::moto(&root.join(crate::setup::VENV))
            .map_err(|e| anyhow::anyhow!("the hosted-UI imitation's signing key: {e}"))?;
        let ui =
            hosted_ui::HostedUi::new(client, stack.user_pool_id.clone(), options.mailbox.clone())
                .with_nonce_signer(signer);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, ui_port))?;
        listener.set_nonblocking(true)?;
        runtime.spawn(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let _ = axum::serve(listener, hosted_ui::router(Arc::new(ui))).await;
        });

        let faults = match options.faults {
            Some(plan) => {
                step("starting the fault layer in front of DynamoDB Local");
                Some(runtime.block_on(faults::Proxy::start(&dynamodb_endpoint, plan))?)
            }
            None => None,
        };
        let faults_url = faults.as_ref().map(faults::Proxy::endpoint);
        step("starting the backend");
        let mut backend = backend_command(
            &backend_binary,
            faults_url.as_deref().unwrap_or(&dynamodb_endpoint),
            &stack,
            backend_port,
        );
        // Behind the edge, as deployed: the API answers only what came through it.
        // trunk's proxy sends no such header, so a trunk-served stack has none.
        let origin_secret = (options.app == AppServer::Edge).then(crate::secret::new_origin_secret);
        if let Some(secret) = &origin_secret {
            backend.env("ORIGIN_SECRET", secret);
        }
        if let Some(quota) = options.quota {
            backend
                .env("WRITES_PER_MINUTE", quota.per_minute.to_string())
                .env("WRITES_PER_DAY", quota.per_day.to_string());
        }
        quiet(&mut backend, options.quiet);
        let backend = ChildGuard(backend.spawn().context("starting the backend")?);
        wait_for_port(backend_port, Duration::from_secs(60), "the backend")?;

        std::fs::create_dir_all(root.join("target/dev"))?;
        let mut apps = Vec::new();
        for ((grant, url), app_port) in app_urls.iter().zip(&app_ports) {
            let config_path = config_path(root, *grant);
            let config = local_config(&auth_url, &stack.client_id, url, *grant);
            std::fs::write(&config_path, serde_json::to_string_pretty(&config)?)?;
            apps.push(match options.app {
                AppServer::Trunk => {
                    step("starting the app (trunk serve; the first build takes a few minutes)");
                    AppProcess::Trunk(trunk_serve(
                        root,
                        *app_port,
                        &api_url,
                        &config_path,
                        options.quiet,
                    )?)
                }
                AppServer::Edge => {
                    step(&format!(
                        "starting the CloudFront stand-in for the release build in dist/ ({grant} grant)"
                    ));
                    let local = edge::Local {
                        dist: &root.join("dist"),
                        config_json: &config_path,
                        api_url: &api_url,
                        auth_url: &auth_url,
                        grant: *grant,
                        origin_secret: origin_secret.as_deref().unwrap_or_default(),
                    };
                    AppProcess::Edge(edge::start(root, &local, *app_port, options.quiet)?)
                }
            });
        }
        for (_, url) in &app_urls {
            wait_for_page(url, Duration::from_secs(20 * 60))?;
        }
        step(&format!(
            "ready in {:.1} s",
            started.elapsed().as_secs_f64()
        ));

        Ok(Self {
            apps,
            backend,
            _faults: faults,
            _runtime: runtime,
            _moto: moto,
            _dynamodb: dynamodb,
            app_url,
            app_urls,
            moto_endpoint,
            dynamodb_endpoint,
            faults_url,
            stack,
            api_url,
            auth_url,
            origin_secret,
        })
    }

    /// The URL of the app served for `grant`.
    pub fn app_url_for(&self, grant: Grant) -> Result<String> {
        self.app_urls
            .iter()
            .find(|(g, _)| *g == grant)
            .map(|(_, url)| url.clone())
            .with_context(|| format!("no app is served for the {grant} grant"))
    }

    /// Whether every child is still running.
    pub fn check_alive(&mut self) -> Result<()> {
        for app in &mut self.apps {
            let stopped = match app {
                AppProcess::Trunk(trunk) => trunk.0.try_wait()?,
                AppProcess::Edge(edge) => edge.try_wait()?,
            };
            if let Some(status) = stopped {
                bail!("the app's server stopped ({status})");
            }
        }
        if let Some(status) = self.backend.0.try_wait()? {
            bail!("the backend stopped ({status})");
        }
        Ok(())
    }
}

/// Where the running stack keeps the `config.json` of its app for `grant`.
pub fn config_path(root: &Path, grant: Grant) -> PathBuf {
    root.join("target/dev").join(format!("config-{grant}.json"))
}

/// The local app's `config.json`: the API through the app's origin and the hosted-UI
/// imitation.
fn local_config(auth_url: &str, client_id: &str, app_url: &str, grant: Grant) -> serde_json::Value {
    serde_json::json!({
        "api_base": "/api",
        "auth_domain": auth_url,
        "client_id": client_id,
        "redirect_uri": app_url,
        "logout_uri": app_url,
        "scopes": devstack::SCOPES,
        "grant": grant.as_str(),
        // The hosted-UI imitation puts the nonce in the id token as Cognito does, so
        // the local app checks it as a deployed one.
        "require_nonce": true,
    })
}

/// What serves the app.
enum AppProcess {
    Trunk(ChildGuard),
    Edge(edge::Edge),
}

/// `trunk serve` (debug build) on `port`, `/api` proxied to the backend at `api_url`.
fn trunk_serve(
    root: &Path,
    port: u16,
    api_url: &str,
    config_path: &Path,
    quiet_output: bool,
) -> Result<ChildGuard> {
    let mut trunk = Command::new("trunk");
    trunk
        .current_dir(root)
        .arg("serve")
        .args([
            "--offline",
            "--address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args([
            "--proxy-backend",
            &format!("{api_url}/"),
            "--proxy-rewrite",
            "/api/",
        ])
        .args(["--no-autoreload"])
        .env("PATH", tool_path(root))
        .env("BOARD_CONFIG_JSON", config_path);
    quiet(&mut trunk, quiet_output);
    let trunk = ChildGuard(
        trunk
            .spawn()
            .context("starting trunk (run `cargo xtask setup`)")?,
    );
    wait_for_port(port, Duration::from_secs(20 * 60), "trunk serve")?;
    Ok(trunk)
}

/// The backend's local server on `port`, for `stack`, with DynamoDB at
/// `dynamodb_endpoint`.
pub fn backend_command(
    binary: &Path,
    dynamodb_endpoint: &str,
    stack: &Stack,
    port: u16,
) -> Command {
    let mut backend = Command::new(binary);
    backend
        .envs(stack.backend_env(dynamodb_endpoint))
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env_remove("AWS_LAMBDA_RUNTIME_API");
    backend
}

fn step(message: &str) {
    println!("stack: {message}");
}

fn quiet(cmd: &mut Command, quiet: bool) {
    if quiet {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
    }
}

/// Waits until the app's page is served (trunk opens its port before the first build
/// is done).
fn wait_for_page(url: &str, timeout: Duration) -> Result<()> {
    let started = Instant::now();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    while started.elapsed() < timeout {
        if let Ok(mut stream) = TcpStream::connect(&addr) {
            use std::io::{Read, Write};
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            let mut response = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut response).is_ok()
                && response.starts_with("HTTP/1.1 200")
                && response.contains("<script")
            {
                return Ok(());
            }
        }
        sleep(Duration::from_millis(500));
    }
    bail!("the app was not served at {url} within {timeout:?}")
}
