//! The board's resources in the local stand-ins of AWS: the posts and people tables in
//! DynamoDB Local, and in moto a Cognito user pool with email as the username, its
//! `moderators` group, an app client, and users signed in the way the app does.
//!
//! Used by `cargo xtask bootstrap`, the local stack and the integration tests, so all of
//! them set up exactly the same thing.

mod port;

pub use port::free_port;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType, OAuthFlowType,
    PasswordPolicyType, UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};
use aws_sdk_dynamodb as dynamodb;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// The region the local stack pretends to be in.
pub const REGION: &str = "us-east-1";
/// Scopes the app asks for.
pub const SCOPES: [&str; 3] = ["openid", "email", "profile"];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("DynamoDB: {0}")]
    Dynamo(String),
    #[error("Cognito: {0}")]
    Cognito(String),
    #[error("unexpected answer: {0}")]
    Unexpected(&'static str),
}

fn dynamo_err<E: std::error::Error>(e: E) -> Error {
    Error::Dynamo(dynamodb::error::DisplayErrorContext(e).to_string())
}

fn cognito_err<E: std::error::Error>(e: E) -> Error {
    Error::Cognito(cognito::error::DisplayErrorContext(e).to_string())
}

/// What the backend and the app need to know about a bootstrapped stack.
#[derive(Debug, Clone, Serialize)]
pub struct Stack {
    pub user_pool_id: String,
    pub client_id: String,
    pub issuer: String,
    pub jwks_url: String,
    pub table: String,
    pub people_table: String,
    pub comments_table: String,
}

impl Stack {
    /// The stack's tables, as the backend's store names them.
    pub fn tables(&self) -> backend::store::Tables {
        backend::store::Tables {
            posts: self.table.clone(),
            people: self.people_table.clone(),
            comments: self.comments_table.clone(),
        }
    }

    /// The environment of the backend's binary for this stack, with DynamoDB at
    /// `dynamo_endpoint` (DynamoDB Local). Everything else keeps its default.
    pub fn backend_env(&self, dynamo_endpoint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
            ("AWS_ENDPOINT_URL_DYNAMODB", dynamo_endpoint.to_owned()),
            ("POSTS_TABLE", self.table.clone()),
            ("PEOPLE_TABLE", self.people_table.clone()),
            ("COMMENTS_TABLE", self.comments_table.clone()),
            ("COGNITO_ISSUER", self.issuer.clone()),
            ("COGNITO_CLIENT_ID", self.client_id.clone()),
            ("COGNITO_JWKS_URL", self.jwks_url.clone()),
        ]
    }
}

/// The Cognito group whose members may delete any post.
pub const MODERATORS: &str = backend::auth::MODERATORS;

/// What to create.
#[derive(Debug, Clone)]
pub struct Options {
    pub table: String,
    pub people_table: String,
    pub comments_table: String,
    pub pool_name: String,
    /// Where the hosted UI may send the browser back to after sign-in.
    pub callback_urls: Vec<String>,
    /// Where the hosted UI may send the browser after sign-out.
    pub logout_urls: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            table: "posts".to_owned(),
            people_table: "people".to_owned(),
            comments_table: "comments".to_owned(),
            pool_name: "board".to_owned(),
            callback_urls: Vec::new(),
            logout_urls: Vec::new(),
        }
    }
}

/// Tokens from a sign-in.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    pub expires_in: i32,
}

/// Clients for the local stand-ins of the AWS parts: moto for the Cognito user-pool
/// API (and its keys), AWS's DynamoDB Local for DynamoDB.
#[derive(Clone)]
pub struct LocalAws {
    /// moto's URL, e.g. `http://127.0.0.1:5000`.
    pub cognito_endpoint: String,
    /// DynamoDB Local's URL, e.g. `http://127.0.0.1:8000`.
    pub dynamodb_endpoint: String,
    pub dynamo: dynamodb::Client,
    pub cognito: cognito::Client,
}

impl LocalAws {
    /// Clients for moto at `cognito_endpoint` and DynamoDB Local at
    /// `dynamodb_endpoint`, with dummy credentials: neither checks them.
    pub async fn connect(cognito_endpoint: &str, dynamodb_endpoint: &str) -> Self {
        let trim = |url: &str| url.trim_end_matches('/').to_owned();
        Self {
            cognito_endpoint: trim(cognito_endpoint),
            dynamodb_endpoint: trim(dynamodb_endpoint),
            dynamo: dynamodb::Client::new(&sdk_config(dynamodb_endpoint).await),
            cognito: cognito::Client::new(&sdk_config(cognito_endpoint).await),
        }
    }

    /// Creates the tables, the user pool with its `moderators` group, and its app client.
    pub async fn bootstrap(&self, options: &Options) -> Result<Stack, Error> {
        backend::store::schema::create_table(&self.dynamo, &options.table)
            .await
            .map_err(dynamo_err)?;
        backend::store::schema::create_people_table(&self.dynamo, &options.people_table)
            .await
            .map_err(dynamo_err)?;
        backend::store::schema::create_comments_table(&self.dynamo, &options.comments_table)
            .await
            .map_err(dynamo_err)?;

        let password_policy = PasswordPolicyType::builder()
            .minimum_length(8)
            .require_lowercase(true)
            .require_uppercase(true)
            .require_numbers(true)
            .require_symbols(false)
            .build();
        let pool = self
            .cognito
            .create_user_pool()
            .pool_name(&options.pool_name)
            .username_attributes(UsernameAttributeType::Email)
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .policies(
                UserPoolPolicyType::builder()
                    .password_policy(password_policy)
                    .build(),
            )
            .send()
            .await
            .map_err(cognito_err)?;
        let user_pool_id = pool
            .user_pool
            .and_then(|p| p.id)
            .ok_or(Error::Unexpected("CreateUserPool returned no id"))?;

        self.cognito
            .create_group()
            .user_pool_id(&user_pool_id)
            .group_name(MODERATORS)
            .description("May delete any post")
            .send()
            .await
            .map_err(cognito_err)?;

        let client = self
            .cognito
            .create_user_pool_client()
            .user_pool_id(&user_pool_id)
            .client_name(format!("{}-web", options.pool_name))
            .generate_secret(false)
            // The hosted-UI imitation signs people in through InitiateAuth with their
            // password; the deployed client (infra/template.yaml) allows neither this
            // nor SRP, since Cognito's own hosted UI needs no client flow.
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .allowed_o_auth_flows_user_pool_client(true)
            // Both grants, so one local stack serves an app of either kind; the deployed
            // client allows the one its stack was deployed for.
            .allowed_o_auth_flows(OAuthFlowType::Implicit)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .enable_token_revocation(true)
            .set_allowed_o_auth_scopes(Some(SCOPES.iter().map(|s| s.to_string()).collect()))
            .supported_identity_providers("COGNITO")
            .set_callback_urls(
                (!options.callback_urls.is_empty()).then(|| options.callback_urls.clone()),
            )
            .set_logout_urls((!options.logout_urls.is_empty()).then(|| options.logout_urls.clone()))
            .send()
            .await
            .map_err(cognito_err)?;
        let client_id = client
            .user_pool_client
            .and_then(|c| c.client_id)
            .ok_or(Error::Unexpected("CreateUserPoolClient returned no id"))?;

        let issuer = format!("https://cognito-idp.{REGION}.amazonaws.com/{user_pool_id}");
        let jwks_url = format!(
            "{}/{user_pool_id}/.well-known/jwks.json",
            self.cognito_endpoint
        );
        Ok(Stack {
            user_pool_id,
            client_id,
            issuer,
            jwks_url,
            table: options.table.clone(),
            people_table: options.people_table.clone(),
            comments_table: options.comments_table.clone(),
        })
    }

    /// The `sub` of the user whose username (email) is `email`.
    pub async fn user_sub(&self, user_pool_id: &str, email: &str) -> Result<String, Error> {
        let out = self
            .cognito
            .admin_get_user()
            .user_pool_id(user_pool_id)
            .username(email)
            .send()
            .await
            .map_err(cognito_err)?;
        out.user_attributes()
            .iter()
            .find(|a| a.name() == "sub")
            .and_then(|a| a.value())
            .map(str::to_owned)
            .ok_or(Error::Unexpected("AdminGetUser returned no sub"))
    }

    /// Makes the user a moderator (their next sign-in's tokens say so).
    pub async fn add_moderator(&self, user_pool_id: &str, email: &str) -> Result<(), Error> {
        self.cognito
            .admin_add_user_to_group()
            .user_pool_id(user_pool_id)
            .username(email)
            .group_name(MODERATORS)
            .send()
            .await
            .map_err(cognito_err)?;
        Ok(())
    }

    /// Creates a confirmed user with a verified email and a permanent password.
    pub async fn create_user(
        &self,
        user_pool_id: &str,
        email: &str,
        password: &str,
    ) -> Result<(), Error> {
        let attribute =
            |name: &str, value: &str| AttributeType::builder().name(name).value(value).build();
        self.cognito
            .admin_create_user()
            .user_pool_id(user_pool_id)
            .username(email)
            .user_attributes(attribute("email", email).map_err(cognito_err)?)
            .user_attributes(attribute("email_verified", "true").map_err(cognito_err)?)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map_err(cognito_err)?;
        self.cognito
            .admin_set_user_password()
            .user_pool_id(user_pool_id)
            .username(email)
            .password(password)
            .permanent(true)
            .send()
            .await
            .map_err(cognito_err)?;
        Ok(())
    }

    /// Signs a user in with their password, as the hosted UI does.
    pub async fn sign_in(
        &self,
        client_id: &str,
        email: &str,
        password: &str,
    ) -> Result<Tokens, Error> {
        let out = self
            .cognito
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(client_id)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .send()
            .await
            .map_err(cognito_err)?;
        let result = out.authentication_result.ok_or(Error::Unexpected(
            "InitiateAuth returned a challenge, not tokens",
        ))?;
        match (result.id_token, result.access_token) {
            (Some(id_token), Some(access_token)) => Ok(Tokens {
                id_token,
                access_token,
                expires_in: result.expires_in,
            }),
            _ => Err(Error::Unexpected("InitiateAuth returned no tokens")),
        }
    }
}

/// SDK settings for a local endpoint.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    let credentials = dynamodb::config::Credentials::new("local", "local", None, None, "devstack");
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// The claims of a JWT, read without verifying it (for tests and tools only).
pub fn unverified_claims(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}
