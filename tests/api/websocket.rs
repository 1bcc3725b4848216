//! Every operation over `/graphql/ws`, not only subscriptions: clients such as Apollo's
//! GraphQLWsLink (without a split) and urql send queries and mutations over the socket too.
//! The same script of queries and of every mutation kind runs over HTTP on one server and
//! over a WebSocket (each protocol) on another; the answers must be the same, and a
//! subscription open on that socket must see every change the script made.

mod transcript;

use serde_json::json;

use transcript::transcript_of;

use crate::helpers::*;
use crate::on_both_databases;
use crate::ws_client::Protocol;

const EVERYTHING: &str = "subscription { membershipChanged { kind userId planId role } }";

on_both_databases!(every_operation_over_the_socket_answers_as_over_http);
async fn every_operation_over_the_socket_answers_as_over_http(app: TestApp) {
    let over_http = transcript_of(&app, Protocol::TransportWs, false).await;
    let events = over_http.last().unwrap()["events"]
        .as_array()
        .unwrap()
        .len();
    // 1 + 1 + 2 + 1 (bob leaves team) + 2 (ada: pro out, team in) + 2 + 1 + 1 + 1, and
    // deleting bob and team removes nothing more: the model of the script.
    assert_eq!(events, 12, "{:#}", over_http.last().unwrap());
    for protocol in Protocol::BOTH {
        let other = app.on_a_fresh_database().await;
        let over_socket = transcript_of(&other, protocol, true).await;
        assert_eq!(over_socket.len(), over_http.len());
        for (step, (ws, http)) in over_socket.iter().zip(&over_http).enumerate() {
            assert_eq!(ws, http, "{protocol:?}, step {step}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_over_http_is_pointed_to_the_socket() {
    let app = spawn_app(Backend::Sqlite).await;
    let error = app.error(EVERYTHING, json!({})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("/graphql/ws"), "{message}");
}

/// Opens `/graphql/ws` with this `Origin` header (none: a client that is not a browser)
/// and returns the handshake's HTTP status.
async fn upgrade_status(app: &TestApp, origin: Option<&str>) -> u16 {
    use tokio_tungstenite::tungstenite::Error;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{}/graphql/ws", app.address)
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    if let Some(origin) = origin {
        headers.insert("Origin", origin.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("{other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_its_own_origin_and_allowed_ones_may_open_the_socket() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &["--cors-origin", "https://app.example.com"],
    )
    .await;
    let own = format!("http://{}", app.address);
    assert_eq!(upgrade_status(&app, None).await, 101, "not a browser");
    assert_eq!(
        upgrade_status(&app, Some(&own)).await,
        101,
        "the server's own page"
    );
    assert_eq!(
        upgrade_status(&app, Some("https://app.example.com")).await,
        101,
        "--cors-origin"
    );
    for foreign in [
        "https://evil.example",
        "http://app.example.com",
        "null",
        "https://app.example.com.evil.example",
    ] {
        assert_eq!(upgrade_status(&app, Some(foreign)).await, 403, "{foreign}");
    }
    let open = spawn_app_with(Backend::Sqlite, &["--cors-origin", "*"]).await;
    assert_eq!(
        upgrade_status(&open, Some("https://anywhere.example")).await,
        101,
        "--cors-origin '*'"
    );
}
