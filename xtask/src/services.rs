//! The local stand-ins of the AWS services, started together: AWS's DynamoDB Local for
//! DynamoDB, and moto for what has no AWS-made local version (the Cognito user-pool
//! API and its signing keys). Dropping them stops both.

use std::path::Path;

use anyhow::Result;
use devstack::LocalAws;

use crate::dynamodb::{self, DynamoDbLocal};
use crate::moto::{self, MotoServer};

pub struct Services {
    pub moto: MotoServer,
    pub dynamodb: DynamoDbLocal,
}

impl Services {
    /// Both on free loopback ports, each started afresh (nothing is kept).
    pub fn start(root: &Path) -> Result<Self> {
        Ok(Self {
            dynamodb: dynamodb::start(root)?,
            moto: moto::start(root)?,
        })
    }

    /// Clients for both.
    pub async fn connect(&self) -> LocalAws {
        LocalAws::connect(&self.moto.endpoint, &self.dynamodb.endpoint).await
    }
}
