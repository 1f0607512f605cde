//! What matters in `infra/template.yaml`, read from the template itself: who the
//! authorizer trusts, what the sign-in client allows, what the function may touch, how
//! deep links and API errors travel, CORS, the table's schema, and the CloudFront
//! Functions' code run under Node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use serde_yaml::Value;
use serde_yaml::value::{Tag, TaggedValue};

fn template() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    let resource = &template["Resources"][name];
    assert!(resource.is_mapping(), "no resource {name}");
    resource
}

fn props<'a>(template: &'a Value, name: &str) -> &'a Value {
    &resource(template, name)["Properties"]
}

/// `!Tag value` as the YAML parser gives it.
fn tagged(tag: &str, value: impl Into<Value>) -> Value {
    Value::Tagged(Box::new(TaggedValue {
        tag: Tag::new(tag),
        value: value.into(),
    }))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_authorizer_trusts_this_pool_and_client_on_every_route_but_health_openapi_and_preflight() {
    let t = template();
    assert_eq!(resource(&t, "UserPool")["Type"], "AWS::Cognito::UserPool");
    assert_eq!(
        resource(&t, "UserPoolClient")["Type"],
        "AWS::Cognito::UserPoolClient"
    );
    let jwt = &props(&t, "JwtAuthorizer")["JwtConfiguration"];
    assert_eq!(
        jwt["Issuer"],
        tagged(
            "Sub",
            "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
        )
    );
    assert_eq!(
        jwt["Audience"],
        Value::Sequence(vec![tagged("Ref", "UserPoolClient")])
    );
    assert_eq!(props(&t, "JwtAuthorizer")["AuthorizerType"], "JWT");

    let routes: Vec<(&str, &Value)> = t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::ApiGatewayV2::Route")
        .map(|(_, r)| {
            (
                r["Properties"]["RouteKey"].as_str().unwrap(),
                &r["Properties"],
            )
        })
        .collect();
    assert_eq!(routes.len(), 22);
    for (key, route) in routes {
        match key {
            "GET /health" | "GET /openapi.json" | "OPTIONS /{proxy+}" => {
                assert_eq!(route["AuthorizationType"], "NONE", "{key}")
            }
            "GET /posts"
            | "GET /posts/{id}"
            | "GET /posts/{id}/comments"
            | "GET /moderation/log" => {
                assert_eq!(route["AuthorizationType"], "NONE", "{key}");
            }
            _ => {
                assert_eq!(route["AuthorizationType"], "JWT", "{key}");
                assert_eq!(
                    route["AuthorizerId"],
                    tagged("Ref", "JwtAuthorizer"),
                    "{key}"
                );
            }
        }
    }
}

#[test]
fn public_read_opens_exactly_the_read_routes_and_only_when_chosen() {
    let t = template();
    let parameter = &t["Parameters"]["PublicRead"];
    assert_eq!(parameter["Default"], "false");
    assert_eq!(
        t["Conditions"]["IsPublicRead"],
        tagged(
            "Equals",
            Value::Sequence(vec![tagged("Ref", "PublicRead"), Value::from("true")])
        )
    );
    let public: Vec<(&str, &Value)> = t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| {
            r["Type"] == "AWS::ApiGatewayV2::Route"
                && r["Properties"]["AuthorizationType"] == "NONE"
                && r["Properties"]["RouteKey"]
                    .as_str()
                    .is_some_and(|k| k.contains("/posts") || k.contains("/moderation"))
        })
        .map(|(_, r)| (r["Properties"]["RouteKey"].as_str().unwrap(), r))
        .collect();
    let mut keys: Vec<&str> = public.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "GET /moderation/log",
            "GET /posts",
            "GET /posts/{id}",
            "GET /posts/{id}/comments"
        ],
        "reads only, never writes"
    );
    for (key, route) in public {
        assert_eq!(route["Condition"], "IsPublicRead", "{key}");
    }
    assert_eq!(
        props(&t, "ApiFunction")["Environment"]["Variables"]["PUBLIC_READ"],
        tagged("Ref", "PublicRead"),
        "the backend lets visitors read exactly when the API does"
    );
}

#[test]
fn the_backend_trusts_only_cognitos_own_keys_for_the_same_pool_and_client() {
    let t = template();
    let env = &props(&t, "ApiFunction")["Environment"]["Variables"];
    assert_eq!(
        env["COGNITO_ISSUER"],
        tagged(
            "Sub",
            "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
        )
    );
    assert_eq!(env["COGNITO_CLIENT_ID"], tagged("Ref", "UserPoolClient"));
    assert!(
        env.get("COGNITO_JWKS_URL").is_none(),
        "the JWKS must be the pool's own (the default)"
    );
    assert_eq!(env["POSTS_TABLE"], tagged("Ref", "PostsTable"));
    let f = props(&t, "ApiFunction");
    assert_eq!(
        (f["Runtime"].as_str(), f["Architectures"][0].as_str()),
        (Some("provided.al2023"), Some("arm64"))
    );
    assert_eq!(
        resource(&t, "ApiFunction")["Metadata"]["BuildMethod"],
        "rust-cargolambda"
    );
    // The deploy builds the backend with its default features only: the benchmark's
    // `local-keys-in-lambda` would let the function trust keys from anywhere.
    assert_eq!(
        resource(&t, "ApiFunction")["Metadata"]["BuildProperties"],
        serde_yaml::from_str::<Value>("Binary: backend").unwrap()
    );
}

/// `!If [condition, then, else]` as its three parts.
fn if_parts(value: &Value) -> (&str, &Value, &Value) {
    let Value::Tagged(choice) = value else {
        panic!("not an !If: {value:?}")
    };
    assert_eq!(choice.tag, Tag::new("If"));
    let parts = choice.value.as_sequence().unwrap();
    (parts[0].as_str().unwrap(), &parts[1], &parts[2])
}

/// The site's address followed by `tail`: its own domain when the stack has one, else
/// the distribution's name.
fn site(tail: &str) -> Value {
    tagged(
        "If",
        Value::Sequence(vec![
            "HasDomain".into(),
            tagged("Sub", format!("https://${{Domain}}{tail}")),
            tagged("Sub", format!("https://${{Distribution.DomainName}}{tail}")),
        ]),
    )
}

#[test]
fn the_client_allows_only_the_chosen_grant_and_only_back_to_the_site() {
    let t = template();
    let client = props(&t, "UserPoolClient");
    let (condition, code, implicit) = if_parts(&client["AllowedOAuthFlows"]);
    assert_eq!(condition, "IsCodeGrant");
    assert_eq!(
        (strings(code), strings(implicit)),
        (vec!["code".to_owned()], vec!["implicit".to_owned()])
    );
    assert_eq!(t["Parameters"]["Grant"]["Default"], "implicit");
    assert_eq!(
        strings(&t["Parameters"]["Grant"]["AllowedValues"]),
        ["implicit", "code"]
    );
    assert_eq!(
        t["Conditions"]["IsCodeGrant"],
        tagged(
            "Equals",
            Value::Sequence(vec![tagged("Ref", "Grant"), "code".into()])
        )
    );
    assert_eq!(
        strings(&client["AllowedOAuthScopes"]),
        ["openid", "email", "profile"]
    );
    assert_eq!(client["GenerateSecret"], false);
    assert_eq!(client["AllowedOAuthFlowsUserPoolClient"], true);
    for key in ["CallbackURLs", "LogoutURLs"] {
        assert_eq!(client[key], Value::Sequence(vec![site("/")]), "{key}");
    }
    // The code grant's refresh token: renewable, revocable, short-lived.
    assert_eq!(client["EnableTokenRevocation"], true);
    assert_eq!(client["RefreshTokenValidity"], 12);
    assert_eq!(client["TokenValidityUnits"]["RefreshToken"], "hours");
}

/// The flows a client lists that sign someone in through Cognito's API, around the
/// hosted UI: every flow but refresh-token auth (renewal) and custom auth, which needs
/// the pool's challenge triggers.
fn api_sign_in_flows(flows: &Value) -> Vec<String> {
    strings(flows)
        .into_iter()
        .filter(|flow| !["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"].contains(&flow.as_str()))
        .collect()
}

#[test]
fn code_grant_refresh_tokens_rotate_and_no_flow_signs_in_around_the_hosted_ui() {
    let t = template();
    let rotation = |props: &Value| {
        assert_eq!(props["RefreshTokenRotation"]["Feature"], "ENABLED");
        assert_eq!(
            props["RefreshTokenRotation"]["RetryGracePeriodSeconds"].as_u64(),
            Some(hosted_ui::REFRESH_GRACE.as_secs()),
            "the imitation retires a replaced token when Cognito does"
        );
        // Cognito refuses ALLOW_REFRESH_TOKEN_AUTH on a rotating client.
        assert_eq!(strings(&props["ExplicitAuthFlows"]), ["ALLOW_CUSTOM_AUTH"]);
    };
    let client = props(&t, "UserPoolClient");
    let (condition, code, implicit) = if_parts(&client["RefreshTokenRotation"]);
    assert_eq!(condition, "IsCodeGrant");
    assert_eq!(
        implicit,
        &tagged("Ref", "AWS::NoValue"),
        "no refresh token to rotate"
    );
    let (condition, code_flows, implicit_flows) = if_parts(&client["ExplicitAuthFlows"]);
    assert_eq!(condition, "IsCodeGrant");
    let code_client = Value::Mapping(
        [
            ("RefreshTokenRotation".into(), code.clone()),
            ("ExplicitAuthFlows".into(), code_flows.clone()),
        ]
        .into_iter()
        .collect(),
    );
    rotation(&code_client);
    assert_eq!(strings(implicit_flows), ["ALLOW_REFRESH_TOKEN_AUTH"]);
    rotation(props(&t, "LocalDevClient"));

    for flows in [
        code_flows,
        implicit_flows,
        &props(&t, "LocalDevClient")["ExplicitAuthFlows"],
    ] {
        assert_eq!(api_sign_in_flows(flows), Vec::<String>::new());
    }
    // Custom auth signs nobody in without the pool's challenge triggers.
    assert_eq!(props(&t, "UserPool").get("LambdaConfig"), None);
}

#[test]
fn a_local_app_signs_in_through_a_client_of_its_own() {
    let t = template();
    let local = resource(&t, "LocalDevClient");
    assert_eq!(local["Condition"], "HasLocalDevUrl");
    let props = &local["Properties"];
    for key in ["CallbackURLs", "LogoutURLs"] {
        assert_eq!(
            props[key],
            Value::Sequence(vec![tagged("Ref", "LocalDevUrl")]),
            "{key}"
        );
    }
    assert_eq!(strings(&props["AllowedOAuthFlows"]), ["code", "implicit"]);
    assert_eq!(props["GenerateSecret"], false);
    let output = &t["Outputs"]["LocalDevClientId"];
    assert_eq!(output["Condition"], "HasLocalDevUrl");
    assert_eq!(output["Value"], tagged("Ref", "LocalDevClient"));
    assert_eq!(t["Outputs"]["Grant"]["Value"], tagged("Ref", "Grant"));
}

#[test]
fn the_function_may_touch_only_its_table_index_and_log_group() {
    let t = template();
    let role = props(&t, "ApiFunctionRole");
    assert!(
        role.get("ManagedPolicyArns").is_none(),
        "no managed (broad) policies"
    );
    assert!(props(&t, "ApiFunction").get("Policies").is_none());
    let mut actions = Vec::new();
    for policy in role["Policies"].as_sequence().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
            assert_eq!(statement["Effect"], "Allow");
            let resource = &statement["Resource"];
            let allowed = [
                tagged("GetAtt", "PostsTable.Arn"),
                tagged("Sub", "${PostsTable.Arn}/index/feed-by-id"),
                tagged("GetAtt", "PeopleTable.Arn"),
                tagged("GetAtt", "CommentsTable.Arn"),
                tagged("GetAtt", "ApiFunctionLogs.Arn"),
            ];
            assert!(
                allowed.contains(resource),
                "unexpected resource {resource:?}"
            );
            for action in strings(&statement["Action"]) {
                assert!(!action.contains('*'), "{action}");
                actions.push(format!("{action} on {}", target(resource)));
            }
        }
    }
    actions.sort();
    assert_eq!(
        actions,
        [
            "dynamodb:BatchGetItem on PeopleTable.Arn",
            "dynamodb:BatchGetItem on PostsTable.Arn",
            "dynamodb:BatchWriteItem on CommentsTable.Arn",
            "dynamodb:ConditionCheckItem on CommentsTable.Arn",
            "dynamodb:ConditionCheckItem on PeopleTable.Arn",
            "dynamodb:ConditionCheckItem on PostsTable.Arn",
            "dynamodb:DeleteItem on CommentsTable.Arn",
            "dynamodb:DeleteItem on PeopleTable.Arn",
            "dynamodb:DeleteItem on PostsTable.Arn",
            "dynamodb:GetItem on CommentsTable.Arn",
            "dynamodb:GetItem on PeopleTable.Arn",
            "dynamodb:GetItem on PostsTable.Arn",
            "dynamodb:PutItem on CommentsTable.Arn",
            "dynamodb:PutItem on PeopleTable.Arn",
            "dynamodb:PutItem on PostsTable.Arn",
            "dynamodb:Query on ${PostsTable.Arn}/index/feed-by-id",
            "dynamodb:Query on CommentsTable.Arn",
            "dynamodb:UpdateItem on CommentsTable.Arn",
            "dynamodb:UpdateItem on PeopleTable.Arn",
            "dynamodb:UpdateItem on PostsTable.Arn",
            "logs:CreateLogStream on ApiFunctionLogs.Arn",
            "logs:PutLogEvents on ApiFunctionLogs.Arn",
        ]
    );
}

/// The name or expression a `!GetAtt` / `!Sub` resource points at.
fn target(resource: &Value) -> String {
    match resource {
        Value::Tagged(tagged) => tagged.value.as_str().unwrap().to_owned(),
        Value::String(any) if any == "*" => any.clone(),
        other => panic!("a resource that is not !GetAtt or !Sub: {other:?}"),
    }
}

#[test]
fn writes_have_their_own_lower_throttle_than_reads() {
    let t = template();
    let stage = props(&t, "ApiStage");
    let default = &stage["DefaultRouteSettings"];
    let (read_burst, read_rate) = (
        default["ThrottlingBurstLimit"].as_u64().unwrap(),
        default["ThrottlingRateLimit"].as_u64().unwrap(),
    );
    // Every write the API describes, so a new write route cannot go without one.
    let description = serde_json::to_value(backend::routes::description()).unwrap();
    let mut writes: Vec<String> = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["post", "put", "delete"].contains(&method.as_str()) {
                writes.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(writes.len() >= 9, "{writes:?}");
    let declared: Vec<&str> = t["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::ApiGatewayV2::Route")
        .filter_map(|r| r["Properties"]["RouteKey"].as_str())
        .collect();
    let settings = stage["RouteSettings"].as_mapping().unwrap();
    assert_eq!(settings.len(), writes.len());
    for key in &writes {
        assert!(
            declared.contains(&key.as_str()),
            "{key} is a route of its own"
        );
        let route = &settings[key.as_str()];
        let burst = route["ThrottlingBurstLimit"].as_u64().unwrap();
        let rate = route["ThrottlingRateLimit"].as_u64().unwrap();
        assert!(
            burst < read_burst && rate < read_rate,
            "{key}: {burst}/{rate}"
        );
    }
    let env = &props(&t, "ApiFunction")["Environment"]["Variables"];
    assert_eq!(env["WRITES_PER_MINUTE"], tagged("Ref", "WritesPerMinute"));
    assert_eq!(env["WRITES_PER_DAY"], tagged("Ref", "WritesPerDay"));
    assert_eq!(t["Parameters"]["WritesPerMinute"]["Default"], 5);
    assert_eq!(t["Parameters"]["WritesPerDay"]["Default"], 100);
}

#[test]
fn the_code_grants_tokens_are_short_since_it_renews_them_anyway() {
    let t = template();
    let client = props(&t, "UserPoolClient");
    for validity in ["IdTokenValidity", "AccessTokenValidity"] {
        assert_eq!(
            client[validity],
            tagged(
                "If",
                Value::Sequence(vec![
                    Value::from("IsCodeGrant"),
                    Value::from(15),
                    Value::from(60)
                ])
            ),
            "{validity}: 15 minutes with the code grant, an hour with the implicit one"
        );
    }
    assert_eq!(client["TokenValidityUnits"]["IdToken"], "minutes");
    assert_eq!(client["TokenValidityUnits"]["AccessToken"], "minutes");
}

#[test]
fn the_hosted_ui_imitation_ends_refresh_tokens_when_the_client_does() {
    let t = template();
    let client = props(&t, "UserPoolClient");
    assert_eq!(client["TokenValidityUnits"]["RefreshToken"], "hours");
    let hours = client["RefreshTokenValidity"].as_u64().unwrap();
    assert_eq!(
        hosted_ui::REFRESH_LIFETIME,
        std::time::Duration::from_secs(hours * 60 * 60)
    );
}

#[test]
fn names_and_roles_cannot_be_set_by_users_themselves() {
    let t = template();
    let client = props(&t, "UserPoolClient");
    assert_eq!(strings(&client["WriteAttributes"]), ["email"]);
    assert_eq!(
        strings(
            &props(&t, "UserPool")["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"]
        ),
        ["email"]
    );
    let group = props(&t, "ModeratorsGroup");
    assert_eq!(
        resource(&t, "ModeratorsGroup")["Type"],
        "AWS::Cognito::UserPoolGroup"
    );
    assert_eq!(group["GroupName"], backend::auth::MODERATORS);
    assert_eq!(group["UserPoolId"], tagged("Ref", "UserPool"));
    let env = &props(&t, "ApiFunction")["Environment"]["Variables"];
    assert_eq!(env["PEOPLE_TABLE"], tagged("Ref", "PeopleTable"));
}

#[test]
fn deep_links_reach_the_app_while_api_errors_pass_through() {
    let t = template();
    let config = &props(&t, "Distribution")["DistributionConfig"];
    assert!(
        config.get("CustomErrorResponses").is_none(),
        "error pages would turn the API's 403/404 into 200"
    );
    let site = &config["DefaultCacheBehavior"];
    assert_eq!(site["TargetOriginId"], "site");
    assert_eq!(
        site["FunctionAssociations"][0]["EventType"],
        "viewer-request"
    );
    assert_eq!(
        site["FunctionAssociations"][0]["FunctionARN"],
        tagged("GetAtt", "SpaRewriteFunction.FunctionMetadata.FunctionARN")
    );

    let behaviors = config["CacheBehaviors"].as_sequence().unwrap();
    assert_eq!(behaviors.len(), 1);
    let api = &behaviors[0];
    assert_eq!(
        (api["PathPattern"].as_str(), api["TargetOriginId"].as_str()),
        (Some("/api/*"), Some("api"))
    );
    let functions = api["FunctionAssociations"].as_sequence().unwrap();
    assert_eq!(functions.len(), 1);
    assert_eq!(
        functions[0]["FunctionARN"],
        tagged("GetAtt", "ApiPrefixFunction.FunctionMetadata.FunctionARN")
    );
    assert!(strings(&api["AllowedMethods"]).contains(&"DELETE".to_owned()));
    // Nothing from the API is cached, and the token reaches it.
    let cache = &props(&t, "ApiCachePolicy")["CachePolicyConfig"];
    assert_eq!(cache["DefaultTTL"], 0);
    assert_eq!(
        strings(&cache["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]),
        ["Authorization"]
    );
    assert_eq!(
        cache["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStringBehavior"],
        "all"
    );
}

#[test]
fn cors_names_no_wildcard() {
    let t = template();
    let env = &props(&t, "ApiFunction")["Environment"]["Variables"];
    assert_eq!(env["ALLOWED_ORIGINS"], site(""));
    assert!(
        props(&t, "HttpApi").get("CorsConfiguration").is_none(),
        "the backend answers CORS itself"
    );
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml"),
    )
    .unwrap();
    assert!(!text.contains("AllowOrigins"), "no gateway-level CORS list");
    assert!(
        !text.contains("Access-Control-Allow-Origin"),
        "no CORS header set at the edge"
    );
}

#[test]
fn the_table_has_the_schema_bootstrap_creates() {
    use backend::store::schema;
    let t = template();
    let table = props(&t, "PostsTable");
    let attributes: Vec<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().to_owned(),
                a["AttributeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = schema::attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_owned(),
                a.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(attributes, expected);

    let keys = |value: &Value| -> Vec<(String, String)> {
        value
            .as_sequence()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AttributeName"].as_str().unwrap().to_owned(),
                    k["KeyType"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let sdk_keys =
        |elements: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
            elements
                .iter()
                .map(|k| {
                    (
                        k.attribute_name().to_owned(),
                        k.key_type().as_str().to_owned(),
                    )
                })
                .collect()
        };
    assert_eq!(keys(&table["KeySchema"]), sdk_keys(&schema::key_schema()));

    let indexes = table["GlobalSecondaryIndexes"].as_sequence().unwrap();
    let expected = schema::global_secondary_indexes();
    assert_eq!(indexes.len(), expected.len());
    for (index, want) in indexes.iter().zip(&expected) {
        assert_eq!(index["IndexName"].as_str(), Some(want.index_name()));
        assert_eq!(keys(&index["KeySchema"]), sdk_keys(want.key_schema()));
        let projection = want
            .projection()
            .and_then(|p| p.projection_type())
            .map(|p| p.as_str());
        assert_eq!(index["Projection"]["ProjectionType"].as_str(), projection);
        let template_attrs: Vec<&str> = index["Projection"]["NonKeyAttributes"]
            .as_sequence()
            .map(|list| list.iter().filter_map(|a| a.as_str()).collect())
            .unwrap_or_default();
        let schema_attrs: Vec<&str> = want
            .projection()
            .map(|p| p.non_key_attributes().iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            template_attrs, schema_attrs,
            "the index projects the same attributes"
        );
    }
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
}

#[test]
fn a_failed_first_create_leaves_nothing_while_a_created_stack_keeps_its_data() {
    let t = template();
    for name in ["UserPool", "PostsTable", "PeopleTable"] {
        let r = resource(&t, name);
        assert_eq!(r["DeletionPolicy"], "RetainExceptOnCreate", "{name}");
        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{name}");
    }
    // Deletion protection would stop a failed create's rollback from removing them: it
    // follows DataProtection, which the deploy turns on once the create succeeded.
    assert_eq!(t["Parameters"]["DataProtection"]["Default"], "true");
    assert_eq!(
        t["Conditions"]["IsDataProtected"],
        tagged(
            "Equals",
            Value::Sequence(vec![tagged("Ref", "DataProtection"), Value::from("true")])
        )
    );
    let protected = |value: Value, off: Value| {
        tagged(
            "If",
            Value::Sequence(vec![Value::from("IsDataProtected"), value, off]),
        )
    };
    for table in ["PostsTable", "PeopleTable"] {
        assert_eq!(
            props(&t, table)["DeletionProtectionEnabled"],
            protected(Value::from(true), Value::from(false)),
            "{table}"
        );
    }
    assert_eq!(
        props(&t, "UserPool")["DeletionProtection"],
        protected(Value::from("ACTIVE"), Value::from("INACTIVE"))
    );
}

#[test]
fn the_hosted_ui_version_the_app_is_written_against_is_pinned() {
    let t = template();
    assert_eq!(props(&t, "UserPoolDomain")["ManagedLoginVersion"], 1);
}

#[test]
fn api_answers_are_compressed_at_the_edge() {
    let t = template();
    let parameters = &props(&t, "ApiCachePolicy")["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"];
    assert_eq!(parameters["EnableAcceptEncodingGzip"], true);
    assert_eq!(parameters["EnableAcceptEncodingBrotli"], true);
    let behaviours = &props(&t, "Distribution")["DistributionConfig"]["CacheBehaviors"];
    assert_eq!(behaviours[0]["PathPattern"], "/api/*");
    assert_eq!(behaviours[0]["Compress"], true);
}

#[test]
fn the_csp_allows_the_new_start_up_script_and_the_live_one_during_a_deploy() {
    let t = template();
    let csp = &props(&t, "SecurityHeaders")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        ["ContentSecurityPolicy"]["ContentSecurityPolicy"];
    let Value::Tagged(sub) = csp else {
        panic!("the CSP is not a !Sub")
    };
    let text = sub.value[0].as_str().unwrap();
    assert!(
        text.contains("script-src 'self' 'wasm-unsafe-eval'${ScriptHash}${PreviousScriptHash};"),
        "{text}"
    );
    for parameter in ["AppScriptHash", "PreviousAppScriptHash"] {
        assert_eq!(t["Parameters"][parameter]["Default"], "", "{parameter}");
    }
}

#[test]
fn the_csp_lets_only_the_code_grant_reach_the_hosted_uis_token_endpoint_and_names_no_api_address() {
    let t = template();
    let csp = &props(&t, "SecurityHeaders")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        ["ContentSecurityPolicy"]["ContentSecurityPolicy"];
    let Value::Tagged(sub) = csp else {
        panic!("the CSP is not a !Sub")
    };
    let text = sub.value[0].as_str().unwrap();
    assert!(
        text.contains("connect-src 'self'${TokenEndpoint};"),
        "{text}"
    );
    // The app calls the API on its own origin (/api): the API's own address, which
    // skips CloudFront and its per-address limit, is handed to nobody.
    assert!(!text.contains("execute-api"), "{text}");
    let (condition, code, implicit) = if_parts(&sub.value[1]["TokenEndpoint"]);
    assert_eq!(condition, "IsCodeGrant");
    assert_eq!(
        *code,
        tagged(
            "Sub",
            " https://${AuthDomainPrefix}.auth.${AWS::Region}.amazoncognito.com"
        )
    );
    assert_eq!(*implicit, Value::from(""));
}

#[test]
fn the_people_table_has_the_schema_bootstrap_creates() {
    use backend::store::schema;
    let t = template();
    let table = props(&t, "PeopleTable");
    assert_eq!(
        table["AttributeDefinitions"],
        serde_yaml::from_str::<Value>(&format!(
            "[{{AttributeName: {}, AttributeType: S}}]",
            schema::PEOPLE_KEY
        ))
        .unwrap()
    );
    assert_eq!(
        table["KeySchema"],
        serde_yaml::from_str::<Value>(&format!(
            "[{{AttributeName: {}, KeyType: HASH}}]",
            schema::PEOPLE_KEY
        ))
        .unwrap()
    );
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"],
        schema::TTL_ATTR
    );
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"], true);
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
}

#[test]
fn the_comments_table_has_the_schema_bootstrap_creates() {
    use backend::store::schema;
    let t = template();
    let table = props(&t, "CommentsTable");
    assert_eq!(
        table["AttributeDefinitions"],
        serde_yaml::from_str::<Value>(&format!(
            "[{{AttributeName: {}, AttributeType: S}}, {{AttributeName: {}, AttributeType: S}}]",
            schema::THREAD_KEY,
            schema::THREAD_SORT
        ))
        .unwrap()
    );
    let keys: Vec<(String, String)> = schema::comments_key_schema()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_owned(),
                k.key_type().as_str().to_owned(),
            )
        })
        .collect();
    let template_keys: Vec<(String, String)> = table["KeySchema"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_owned(),
                k["KeyType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(template_keys, keys);
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"],
        schema::TTL_ATTR
    );
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"], true);
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(
        props(&t, "ApiFunction")["Environment"]["Variables"]["COMMENTS_TABLE"],
        tagged("Ref", "CommentsTable")
    );
}

#[test]
fn the_site_bucket_is_private_and_read_only_through_cloudfront() {
    let t = template();
    let block = &props(&t, "SiteBucket")["PublicAccessBlockConfiguration"];
    for key in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[key], true, "{key}");
    }
    let statements = props(&t, "SiteBucketPolicy")["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap();
    let read = statements.iter().find(|s| s["Effect"] == "Allow").unwrap();
    assert_eq!(read["Principal"]["Service"], "cloudfront.amazonaws.com");
    assert_eq!(
        strings(&Value::Sequence(vec![read["Action"].clone()])),
        ["s3:GetObject"]
    );
    assert!(matches!(
        read["Condition"]["StringEquals"]["AWS:SourceArn"],
        Value::Tagged(_)
    ));
}

/// Runs a CloudFront Function's code from the template under Node for each URI.
fn run_function(name: &str, events: &[(&str, &str)]) -> Vec<(String, String)> {
    let with_headers: Vec<(&str, &str, &str)> = events.iter().map(|(u, q)| (*u, *q, "")).collect();
    run_function_with(name, &with_headers)
}

/// Runs the function on (uri, query, Accept-Encoding) requests.
fn run_function_with(name: &str, events: &[(&str, &str, &str)]) -> Vec<(String, String)> {
    let t = template();
    let code = props(&t, name)["FunctionCode"].as_str().unwrap().to_owned();
    let events_json: Vec<serde_json::Value> = events
        .iter()
        .map(|(uri, query, accept)| {
            let querystring: serde_json::Map<String, serde_json::Value> = query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (k.to_owned(), serde_json::json!({ "value": v }))
                })
                .collect();
            let headers = if accept.is_empty() {
                serde_json::json!({})
            } else {
                serde_json::json!({ "accept-encoding": { "value": accept } })
            };
            serde_json::json!({ "version": "1.0", "request": { "method": "GET", "uri": uri, "querystring": querystring, "headers": headers } })
        })
        .collect();
    let script = format!(
        "{code}\nconst events = {};\nconsole.log(JSON.stringify(events.map((e) => {{ const r = handler(e); \
         return [r.uri, Object.entries(r.querystring).map(([k, v]) => k + '=' + v.value).join('&')]; }})));",
        serde_json::Value::Array(events_json)
    );
    let out = Command::new("node")
        .args(["-e", &script])
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn deep_links_are_rewritten_to_the_app_and_files_are_not() {
    let results = run_function(
        "SpaRewriteFunction",
        &[
            ("/posts/7", ""),
            ("/posts/7/edit", ""),
            ("/", ""),
            ("/write", "x=1"),
            ("/frontend-abc.wasm", ""),
            ("/config.json", ""),
            ("/style-1a2b.css", ""),
        ],
    );
    let uris: Vec<&str> = results.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        uris,
        [
            "/index.html",
            "/index.html",
            "/index.html",
            "/index.html",
            "/frontend-abc.wasm",
            "/config.json",
            "/style-1a2b.css"
        ]
    );
}

#[test]
fn a_browser_that_accepts_brotli_gets_the_brotli_copy_of_the_webassembly() {
    let results = run_function_with(
        "SpaRewriteFunction",
        &[
            ("/frontend-abc_bg.wasm", "", "gzip, deflate, br, zstd"),
            ("/frontend-abc_bg.wasm", "", "br;q=1.0, gzip;q=0.8"),
            ("/frontend-abc_bg.wasm", "", "gzip, deflate"),
            ("/frontend-abc_bg.wasm", "", "br;q=0, gzip"),
            ("/frontend-abc_bg.wasm", "", "brotli-ish"),
            ("/frontend-abc_bg.wasm", "", ""),
            ("/frontend-abc.js", "", "br"),
            ("/posts/7", "", "br"),
        ],
    );
    let uris: Vec<&str> = results.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(
        uris,
        [
            "/frontend-abc_bg.wasm.br",
            "/frontend-abc_bg.wasm.br",
            "/frontend-abc_bg.wasm",
            "/frontend-abc_bg.wasm",
            "/frontend-abc_bg.wasm",
            "/frontend-abc_bg.wasm",
            "/frontend-abc.js",
            "/index.html",
        ]
    );
}

#[test]
fn the_api_prefix_is_stripped_and_the_query_kept() {
    let results = run_function(
        "ApiPrefixFunction",
        &[
            ("/api/posts", "limit=5"),
            ("/api/posts/7", ""),
            ("/api", ""),
            ("/api/", ""),
            ("/apiary/x", ""),
        ],
    );
    assert_eq!(
        results,
        [
            ("/posts".to_owned(), "limit=5".to_owned()),
            ("/posts/7".to_owned(), String::new()),
            ("/".to_owned(), String::new()),
            ("/".to_owned(), String::new()),
            ("/apiary/x".to_owned(), String::new()),
        ]
    );
}

/// CloudFront's own limits on a function, which the local stand-in cannot measure
/// (it runs the code in Node, where a wall clock on a busy machine says nothing about
/// CloudFront's compute budget): checked here on the code itself.
#[test]
fn every_cloudfront_function_fits_the_runtimes_limits() {
    // Quotas and restricted features of CloudFront Functions (JavaScript runtime 2.0):
    // 10 KB of code, a `handler(event)`, no dynamic code, no timers, no network or
    // file system, and only the runtime's own modules.
    const MAX_CODE_BYTES: usize = 10 * 1024;
    const NOT_IN_THE_RUNTIME: [&str; 14] = [
        "eval(",
        "Function(",
        "setTimeout",
        "setInterval",
        "setImmediate",
        "queueMicrotask",
        "fetch(",
        "XMLHttpRequest",
        "process.",
        "globalThis",
        "async ",
        "await ",
        "WebAssembly",
        "import(",
    ];
    const MODULES: [&str; 4] = ["crypto", "querystring", "buffer", "cloudfront"];
    let t = template();
    let functions: Vec<(&str, &Value)> = t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudFront::Function")
        .map(|(name, r)| (name.as_str().unwrap(), &r["Properties"]))
        .collect();
    assert_eq!(functions.len(), 2, "the SPA rewrite and the API prefix");
    for (name, props) in functions {
        assert_eq!(
            props["FunctionConfig"]["Runtime"], "cloudfront-js-2.0",
            "{name}"
        );
        let code = props["FunctionCode"].as_str().unwrap();
        assert!(code.len() <= MAX_CODE_BYTES, "{name}: {} bytes", code.len());
        assert!(code.contains("function handler(event)"), "{name}");
        for word in NOT_IN_THE_RUNTIME {
            assert!(!code.contains(word), "{name} uses {word}");
        }
        for (at, _) in code.match_indices("require(") {
            let module = code[at + "require(".len()..]
                .trim_start_matches(['\'', '"'])
                .split(['\'', '"'])
                .next()
                .unwrap();
            assert!(MODULES.contains(&module), "{name} requires {module}");
        }
    }
}

#[test]
fn no_other_window_keeps_a_handle_and_unused_powerful_features_are_off() {
    let t = template();
    let items = &props(&t, "SecurityHeaders")["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]
        ["Items"];
    let header = |name: &str| {
        items
            .as_sequence()
            .unwrap()
            .iter()
            .find(|i| i["Header"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .clone()
    };
    let coop = header("Cross-Origin-Opener-Policy");
    assert_eq!(coop["Value"], "same-origin");
    assert_eq!(coop["Override"], true);
    let permissions = header("Permissions-Policy");
    assert_eq!(permissions["Override"], true);
    let value = permissions["Value"].as_str().unwrap();
    let off: Vec<&str> = value.split(", ").collect();
    for feature in [
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "fullscreen",
    ] {
        assert!(
            off.contains(&format!("{feature}=()").as_str()),
            "{feature}: {value}"
        );
    }
    assert!(
        off.iter().all(|f| f.ends_with("=()")),
        "every listed feature is off for every origin: {value}"
    );
}

#[test]
fn a_removed_posts_comments_are_cleaned_up_by_the_stream_function_with_least_privilege() {
    let t = template();
    assert_eq!(
        props(&t, "PostsTable")["StreamSpecification"]["StreamViewType"],
        "KEYS_ONLY"
    );
    let function = props(&t, "CleanupFunction");
    assert_eq!(function["Handler"], backend::config::CLEANUP_HANDLER);
    assert_eq!(
        resource(&t, "CleanupFunction")["Metadata"],
        resource(&t, "ApiFunction")["Metadata"],
        "the same binary"
    );
    let event = &function["Events"]["PostRemoved"];
    assert_eq!(event["Type"], "DynamoDB");
    assert_eq!(
        event["Properties"]["Stream"],
        tagged("GetAtt", "PostsTable.StreamArn")
    );
    assert_eq!(
        event["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"],
        r#"{"eventName": ["REMOVE"]}"#
    );
    let role = props(&t, "CleanupFunctionRole");
    let mut actions = Vec::new();
    for policy in role["Policies"].as_sequence().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
            for action in strings(&statement["Action"]) {
                actions.push(format!("{action} on {}", target(&statement["Resource"])));
            }
        }
    }
    actions.sort();
    assert_eq!(
        actions,
        [
            "dynamodb:BatchWriteItem on CommentsTable.Arn",
            "dynamodb:DescribeStream on PostsTable.StreamArn",
            "dynamodb:GetRecords on PostsTable.StreamArn",
            "dynamodb:GetShardIterator on PostsTable.StreamArn",
            "dynamodb:ListStreams on *",
            "dynamodb:Query on CommentsTable.Arn",
            "logs:CreateLogStream on CleanupFunctionLogs.Arn",
            "logs:PutLogEvents on CleanupFunctionLogs.Arn",
        ]
    );
}

/// CloudFront's names are the account's, across regions: each names its region, so one
/// stage can be deployed in two.
#[test]
fn account_wide_names_include_the_region() {
    let t = template();
    let names = [
        &props(&t, "SiteOriginAccessControl")["OriginAccessControlConfig"]["Name"],
        &props(&t, "SpaRewriteFunction")["Name"],
        &props(&t, "ApiPrefixFunction")["Name"],
        &props(&t, "ApiCachePolicy")["CachePolicyConfig"]["Name"],
        &props(&t, "SecurityHeaders")["ResponseHeadersPolicyConfig"]["Name"],
    ];
    for name in names {
        let Value::Tagged(sub) = name else {
            panic!("{name:?} is not a !Sub")
        };
        let text = sub.value.as_str().unwrap();
        assert!(
            text.contains("${StageName}") && text.contains("${AWS::Region}"),
            "{text}"
        );
    }
}

#[test]
fn the_site_bucket_forgets_old_versions_and_their_delete_markers() {
    let t = template();
    let rules = props(&t, "SiteBucket")["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .unwrap();
    assert!(
        rules.iter().any(|r| r["Status"] == "Enabled"
            && r["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30)
    );
    assert!(
        rules
            .iter()
            .any(|r| r["Status"] == "Enabled" && r["ExpiredObjectDeleteMarker"] == true)
    );
}

#[test]
fn a_custom_domain_moves_the_site_its_sign_in_callbacks_and_cors_together() {
    let t = template();
    assert_eq!(t["Outputs"]["SiteUrl"]["Value"], site("/"));
    assert_eq!(t["Parameters"]["Domain"]["Default"], "");
    let config = &props(&t, "Distribution")["DistributionConfig"];
    let (condition, aliases, none) = if_parts(&config["Aliases"]);
    assert_eq!(condition, "HasDomain");
    assert_eq!(aliases, &Value::Sequence(vec![tagged("Ref", "Domain")]));
    assert_eq!(none, &tagged("Ref", "AWS::NoValue"));
    let (condition, own, default) = if_parts(&config["ViewerCertificate"]);
    assert_eq!(condition, "HasDomain");
    assert_eq!(own["AcmCertificateArn"], tagged("Ref", "CertificateArn"));
    assert_eq!(own["SslSupportMethod"], "sni-only");
    assert_eq!(own["MinimumProtocolVersion"], "TLSv1.2_2021");
    assert_eq!(default["CloudFrontDefaultCertificate"], true);
    // CloudFront takes its certificates from us-east-1 only, and a domain needs one.
    let pattern = t["Parameters"]["CertificateArn"]["AllowedPattern"]
        .as_str()
        .unwrap();
    assert!(pattern.contains(":acm:us-east-1:"), "{pattern}");
    let rule = &t["Rules"]["DomainNeedsCertificate"];
    assert_eq!(
        rule["Assertions"][0]["Assert"],
        tagged(
            "Not",
            Value::Sequence(vec![tagged(
                "Equals",
                Value::Sequence(vec![tagged("Ref", "CertificateArn"), "".into()])
            )])
        )
    );
}

#[test]
fn the_pool_sends_email_through_ses_only_when_given_an_identity() {
    let t = template();
    let (condition, ses, default) = if_parts(&props(&t, "UserPool")["EmailConfiguration"]);
    assert_eq!(condition, "HasSesIdentity");
    assert_eq!(ses["EmailSendingAccount"], "DEVELOPER");
    assert_eq!(ses["SourceArn"], tagged("Ref", "SesIdentityArn"));
    assert_eq!(default["EmailSendingAccount"], "COGNITO_DEFAULT");
    assert_eq!(t["Parameters"]["SesIdentityArn"]["Default"], "");
}

#[test]
fn alarms_exist_only_with_an_address_and_cover_functions_api_tables_and_edge() {
    let t = template();
    assert_eq!(t["Parameters"]["AlarmEmail"]["Default"], "");
    let topic = resource(&t, "AlarmTopic");
    assert_eq!(topic["Condition"], "HasAlarms");
    assert_eq!(
        topic["Properties"]["Subscription"][0]["Endpoint"],
        tagged("Ref", "AlarmEmail")
    );
    let mut watched = Vec::new();
    for (name, alarm) in t["Resources"].as_mapping().unwrap() {
        if alarm["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let name = name.as_str().unwrap();
        let condition = alarm["Condition"].as_str().unwrap();
        assert!(
            ["HasAlarms", "HasEdgeAlarm"].contains(&condition),
            "{name} exists without an address"
        );
        let p = &alarm["Properties"];
        let topic = Value::Sequence(vec![tagged("Ref", "AlarmTopic")]);
        assert_eq!(p["AlarmActions"], topic, "{name}");
        assert_eq!(p["OKActions"], topic, "{name}");
        assert_eq!(p["TreatMissingData"], "notBreaching", "{name}");
        match p["MetricName"].as_str() {
            Some(metric) => watched.push(format!(
                "{}/{metric}/{}",
                p["Namespace"].as_str().unwrap(),
                serde_yaml::to_string(&p["Dimensions"][0]["Value"])
                    .unwrap()
                    .trim()
            )),
            None => {
                let Value::Tagged(query) = &p["Metrics"][0]["Expression"] else {
                    panic!("{name}: no metric")
                };
                let query = query.value.as_str().unwrap();
                for table in ["PostsTable", "PeopleTable", "CommentsTable"] {
                    assert!(
                        query.contains(&format!("'${{{table}}}'")),
                        "{name}: {query}"
                    );
                }
                let metric = query.split(['(', ')']).nth(1).unwrap();
                watched.push(format!("AWS/DynamoDB/{metric}"));
            }
        }
    }
    watched.sort();
    assert_eq!(
        watched,
        [
            "AWS/ApiGateway/5xx/!Ref HttpApi",
            "AWS/CloudFront/5xxErrorRate/!Ref Distribution",
            "AWS/DynamoDB/SystemErrors",
            "AWS/DynamoDB/ThrottledRequests",
            "AWS/Lambda/Errors/!Ref ApiFunction",
            "AWS/Lambda/Errors/!Ref CleanupFunction",
            "AWS/Lambda/Throttles/!Ref ApiFunction",
        ]
    );
    // CloudFront's metrics live in us-east-1 only.
    assert_eq!(
        resource(&t, "EdgeErrorRateAlarm")["Condition"],
        "HasEdgeAlarm"
    );
}

#[test]
fn the_api_answers_only_requests_that_came_through_the_distribution() {
    let t = template();
    let secret = &t["Parameters"]["OriginSecret"];
    assert_eq!(secret["NoEcho"], true, "never shown by CloudFormation");
    assert_eq!(secret["AllowedPattern"], "^[0-9a-f]{64}$");
    assert_eq!(secret.get("Default"), None, "never a known value");

    let origins = props(&t, "Distribution")["DistributionConfig"]["Origins"]
        .as_sequence()
        .unwrap();
    let api = origins.iter().find(|o| o["Id"] == "api").unwrap();
    let headers = api["OriginCustomHeaders"].as_sequence().unwrap();
    assert_eq!(headers.len(), 1);
    assert_eq!(
        headers[0]["HeaderName"],
        backend::middleware::ORIGIN_SECRET_HEADER.as_str()
    );
    assert_eq!(headers[0]["HeaderValue"], tagged("Ref", "OriginSecret"));
    let site = origins.iter().find(|o| o["Id"] == "site").unwrap();
    assert_eq!(
        site.get("OriginCustomHeaders"),
        None,
        "the bucket needs none"
    );

    let env = &props(&t, "ApiFunction")["Environment"]["Variables"];
    assert_eq!(env["ORIGIN_SECRET"], tagged("Ref", "OriginSecret"));
    let cleanup = &props(&t, "CleanupFunction")["Environment"]["Variables"];
    assert_eq!(cleanup.get("ORIGIN_SECRET"), None, "no requests to check");
}

#[test]
fn the_per_address_limit_is_attached_only_when_given() {
    let t = template();
    assert_eq!(t["Parameters"]["WebAclArn"]["Default"], "");
    let config = &props(&t, "Distribution")["DistributionConfig"];
    let (condition, attached, none) = if_parts(&config["WebACLId"]);
    assert_eq!(condition, "HasWebAcl");
    assert_eq!(attached, &tagged("Ref", "WebAclArn"));
    assert_eq!(none, &tagged("Ref", "AWS::NoValue"));
}

fn waf_template() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/waf.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_limit_counts_each_addresss_api_requests_over_five_minutes_and_answers_429() {
    let t = waf_template();
    let acl = props(&t, "WebAcl");
    assert_eq!(acl["Scope"], "CLOUDFRONT");
    assert!(acl["DefaultAction"]["Allow"].is_mapping());
    let rules = acl["Rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 1, "one rule: one rule's fee");
    let rule = &rules[0];
    let rate = &rule["Statement"]["RateBasedStatement"];
    assert_eq!(rate["AggregateKeyType"], "IP");
    assert_eq!(rate["EvaluationWindowSec"], 300);
    assert_eq!(rate["Limit"], tagged("Ref", "RateLimit"));
    let scope = &rate["ScopeDownStatement"]["ByteMatchStatement"];
    assert_eq!(scope["PositionalConstraint"], "STARTS_WITH");
    assert_eq!(scope["SearchString"], "/api/");
    assert!(scope["FieldToMatch"]["UriPath"].is_mapping());
    // `/%61pi/` is `/api/` to CloudFront: the path is decoded before it is matched.
    let transformations = scope["TextTransformations"].as_sequence().unwrap();
    assert_eq!(transformations.len(), 1);
    assert_eq!(transformations[0]["Type"], "URL_DECODE");
    assert_eq!(t["Parameters"]["RateLimit"]["MinValue"], 10);
    // An address is one IPv4 address, but a whole /64 for one IPv6 host: while a
    // limit is set, the distribution takes IPv4 only.
    let board = template();
    assert_eq!(
        props(&board, "Distribution")["DistributionConfig"]["IPV6Enabled"],
        tagged(
            "If",
            Value::Sequence(vec!["HasWebAcl".into(), false.into(), true.into()])
        )
    );

    let block = &rule["Action"]["Block"]["CustomResponse"];
    assert_eq!(block["ResponseCode"], 429);
    let key = block["CustomResponseBodyKey"].as_str().unwrap();
    let body = &acl["CustomResponseBodies"][key];
    assert_eq!(body["ContentType"], "APPLICATION_JSON");
    let parsed: shared::ErrorBody =
        serde_json::from_str(body["Content"].as_str().unwrap()).expect("the API's own error shape");
    assert_eq!(parsed.error.code, shared::ErrorCode::TooManyRequests);
    assert_eq!(
        t["Outputs"]["WebAclArn"]["Value"],
        tagged("GetAtt", "WebAcl.Arn")
    );
}

#[test]
fn the_distribution_changes_whenever_the_csp_does() {
    let t = template();
    // The CSP follows the start-up script's hash and the grant; the distribution's
    // comment names both, so the deploy's wait for the distribution waits for the CSP.
    let comment = &props(&t, "Distribution")["DistributionConfig"]["Comment"];
    let Value::Tagged(sub) = comment else {
        panic!("the comment is not a !Sub: {comment:?}")
    };
    let text = sub.value.as_str().unwrap();
    assert!(text.contains("${AppScriptHash}"), "{text}");
    assert!(text.contains("${Grant}"), "{text}");
    // CloudFront takes at most 128 characters: a stage name of 20, a grant and a hash.
    let longest = text
        .replace("${StageName}", &"s".repeat(20))
        .replace("${Grant}", "implicit")
        .replace("${AppScriptHash}", &format!("sha256-{}", "A".repeat(44)));
    assert!(
        longest.len() <= 128,
        "{} characters: {longest}",
        longest.len()
    );
}
