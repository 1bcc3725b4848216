//! The API token: each kind of operation with no token, a wrong one and the right one, over
//! HTTP and WebSocket; and the refusal to serve openly on a public address.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::documents::{ADD_PLANS_TO_USER, CREATE_PLAN, CREATE_USER, REMOVE_PLANS_FROM_USER};
use crate::helpers::*;

const TOKEN: &str = "s3cret-token";
const QUERY: &str = "{ users { totalCount } }";
const MUTATION: &str = r#"mutation { createPlan(input: { name: "P" }) { id } }"#;

async fn code(app: &TestApp, query: &str, authorization: Option<&str>) -> Option<String> {
    let mut request = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "GraphQL conventions: errors travel with 200"
    );
    let body: Value = response.json().await.unwrap();
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_the_token() {
    let app = spawn_app_with(Backend::Sqlite, &["--api-token", TOKEN]).await;
    let right = format!("Bearer {TOKEN}");
    let unauthenticated = Some("UNAUTHENTICATED".to_owned());
    assert_eq!(code(&app, QUERY, None).await, None, "reads are open");
    assert_eq!(code(&app, MUTATION, None).await, unauthenticated);
    assert_eq!(
        code(&app, MUTATION, Some("Bearer wrong")).await,
        unauthenticated
    );
    assert_eq!(
        code(&app, MUTATION, Some(TOKEN)).await,
        unauthenticated,
        "Bearer is required"
    );
    assert!(app.snapshot().await.is_empty(), "nothing was written");
    assert_eq!(code(&app, MUTATION, Some(&right)).await, None);
    assert_eq!(app.snapshot().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_token_required_guards_queries_too() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{TOKEN}\n")).unwrap();
    let path = file.path().to_str().unwrap();
    let app = spawn_app_with(
        Backend::Sqlite,
        &["--api-token-file", path, "--read-token-required"],
    )
    .await;
    let unauthenticated = Some("UNAUTHENTICATED".to_owned());
    assert_eq!(code(&app, QUERY, None).await, unauthenticated);
    assert_eq!(
        code(&app, QUERY, Some("Bearer nope")).await,
        unauthenticated
    );
    assert_eq!(
        code(&app, QUERY, Some(&format!("Bearer {TOKEN}"))).await,
        None
    );
}

const SUBSCRIPTION: &str = "subscription { membershipChanged { kind } }";

/// Connects a `graphql-transport-ws` client with this `connection_init` payload and sends
/// `query`; returns the first message after that, or how the socket closed.
async fn subscribe(address: SocketAddr, payload: Value, query: &'static str) -> Value {
    let mut request = format!("ws://{address}/graphql/ws")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let send = |message: Value| Message::Text(message.to_string().into());
    socket
        .send(send(
            json!({ "type": "connection_init", "payload": payload }),
        ))
        .await
        .unwrap();
    let mut subscribed = false;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("an answer within 10 s");
        match next {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["type"] == "connection_ack" && !subscribed {
                    subscribed = true;
                    let start =
                        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
                    socket.send(send(start)).await.unwrap();
                } else if message["type"] != "ping" {
                    return message;
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return json!({ "closed": frame.map(|f| f.reason.to_string()) });
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return json!({ "closed": null }),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_need_the_token_in_connection_init() {
    let app = spawn_app_with(Backend::Sqlite, &["--api-token", TOKEN]).await;
    let without = subscribe(app.address, json!({}), SUBSCRIPTION).await;
    assert_eq!(
        without["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{without}"
    );
    // A mutation sent over the socket needs the token as much as one sent over HTTP.
    let mutation = subscribe(app.address, json!({}), MUTATION).await;
    assert_eq!(
        mutation["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{mutation}"
    );
    assert!(app.snapshot().await.is_empty(), "nothing was written");
    let wrong = subscribe(
        app.address,
        json!({ "Authorization": "Bearer wrong" }),
        SUBSCRIPTION,
    )
    .await;
    assert!(
        wrong.get("closed").is_some(),
        "a wrong token closes the connection: {wrong}"
    );
    // The right token (any letter case): the subscription is live, so a change arrives as
    // its first message.
    let right = json!({ "authorization": format!("Bearer {TOKEN}") });
    let mut subscriber = tokio::spawn(subscribe(app.address, right, SUBSCRIPTION));
    let write = async |query: &str, variables: Value| {
        app.client()
            .post(app.url("/graphql"))
            .bearer_auth(TOKEN)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let input = json!({ "email": "ws@example.com", "name": "Ws" });
    let created = write(CREATE_USER, json!({ "input": input })).await;
    let user = uuid(&created["data"]["createUser"]["id"]);
    let created = write(CREATE_PLAN, json!({ "input": { "name": "Ws" } })).await;
    let plan = uuid(&created["data"]["createPlan"]["id"]);
    // Toggle the membership until the subscriber, connecting meanwhile, has seen an event.
    let mut event = None;
    for attempt in 0..40 {
        let toggle = [ADD_PLANS_TO_USER, REMOVE_PLANS_FROM_USER][attempt % 2];
        write(toggle, json!({ "userId": user, "planIds": [plan] })).await;
        if let Ok(received) =
            tokio::time::timeout(Duration::from_millis(250), &mut subscriber).await
        {
            event = Some(received.unwrap());
            break;
        }
    }
    let event = event.expect("the subscriber saw an event");
    assert_eq!(event["type"], "next", "{event}");
    assert!(
        event["payload"]["data"]["membershipChanged"]["kind"].is_string(),
        "{event}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_open_server_on_a_public_address_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("open.db").display());
    let cli = <userplan::config::Cli as clap::Parser>::parse_from([
        "userplan",
        "--database-url",
        &url,
        "--listen",
        "0.0.0.0:0",
    ]);
    let refused = userplan::run(cli).await.expect_err("refused");
    assert!(
        refused.to_string().contains("--allow-unauthenticated"),
        "{refused}"
    );
}
