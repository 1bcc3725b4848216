//! A GraphQL-over-WebSocket client for tests, speaking `graphql-transport-ws` or the legacy
//! `graphql-ws`: several operations at once on one socket, each message filed under its
//! operation's id.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// How long a test waits for a message that must come.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`, what graphql-ws (Apollo's GraphQLWsLink, urql) speaks.
    TransportWs,
    /// The legacy `graphql-ws` of subscriptions-transport-ws.
    Legacy,
}

impl Protocol {
    pub const BOTH: [Protocol; 2] = [Protocol::TransportWs, Protocol::Legacy];

    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::Legacy => "graphql-ws",
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server said about one operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A result (`next`, or `data` in the legacy protocol): `{data, errors}`.
    Result(Value),
    Complete,
}

pub struct WsClient {
    socket: Socket,
    pub protocol: Protocol,
    /// Messages read while waiting for another operation's.
    filed: HashMap<String, VecDeque<Reply>>,
}

impl WsClient {
    /// Connects to the server at `address`, sends `connection_init` with `payload` and
    /// waits for `connection_ack`.
    pub async fn connect(
        address: impl std::fmt::Display,
        protocol: Protocol,
        payload: Value,
    ) -> Self {
        let mut client = Self::init(address, protocol, payload).await;
        let ack = client.message(WAIT).await.expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
    }

    /// Connects and sends `connection_init` with `payload`, which the server must refuse:
    /// how it closed the socket (`None`: without a close frame).
    pub async fn refused(
        address: impl std::fmt::Display,
        protocol: Protocol,
        payload: Value,
    ) -> Option<CloseFrame> {
        let mut client = Self::init(address, protocol, payload).await;
        client.closing(WAIT).await
    }

    /// How the server closes the socket, which it must do within `wait` with no message
    /// before.
    pub async fn closing(&mut self, wait: Duration) -> Option<CloseFrame> {
        match self.frame(wait).await {
            Some(Err(frame)) => frame,
            Some(Ok(message)) => panic!("a message instead of the close: {message}"),
            None => panic!("the socket is still open after {wait:?}"),
        }
    }

    async fn init(address: impl std::fmt::Display, protocol: Protocol, payload: Value) -> Self {
        let mut request = format!("ws://{address}/graphql/ws")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocol.name().parse().unwrap());
        let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            protocol.name()
        );
        let mut client = WsClient {
            socket,
            protocol,
            filed: HashMap::new(),
        };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        client
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    /// Starts an operation under `id` (`subscribe`, or `start` in the legacy protocol).
    pub async fn start(&mut self, id: &str, query: &str, variables: Value) {
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::Legacy => "start",
        };
        let payload = json!({ "query": query, "variables": variables });
        self.send(json!({ "id": id, "type": kind, "payload": payload }))
            .await;
    }

    /// Runs a query or mutation under `id` and returns its one result (`{data, errors}`),
    /// checking that the operation then completes. Messages of other operations that
    /// arrive meanwhile are kept for [`WsClient::next_of`].
    pub async fn execute(&mut self, id: &str, query: &str, variables: Value) -> Value {
        self.start(id, query, variables).await;
        let result = match self.next_of(id).await {
            Reply::Result(result) => result,
            Reply::Complete => panic!("operation {id} completed without a result"),
        };
        assert_eq!(self.next_of(id).await, Reply::Complete, "{id}: {result}");
        result
    }

    /// The next message of operation `id`, failing the test if none comes within [`WAIT`].
    pub async fn next_of(&mut self, id: &str) -> Reply {
        self.next_of_within(id, WAIT)
            .await
            .unwrap_or_else(|| panic!("no message for operation {id} within {WAIT:?}"))
    }

    /// The next message of operation `id`, or `None` if none comes within `wait`.
    pub async fn next_of_within(&mut self, id: &str, wait: Duration) -> Option<Reply> {
        loop {
            if let Some(reply) = self.filed.get_mut(id).and_then(VecDeque::pop_front) {
                return Some(reply);
            }
            let message = self.message(wait).await?;
            let reply = match message["type"].as_str() {
                Some("next" | "data") => Reply::Result(message["payload"].clone()),
                Some("complete") => Reply::Complete,
                _ => panic!("unexpected message: {message}"),
            };
            let of = message["id"].as_str().expect("an operation id").to_owned();
            self.filed.entry(of).or_default().push_back(reply);
        }
    }

    /// The next protocol message other than a keep-alive, or `None` if none comes within
    /// `wait`. A close frame fails the test: it would end every operation on the socket.
    async fn message(&mut self, wait: Duration) -> Option<Value> {
        match self.frame(wait).await? {
            Ok(message) => Some(message),
            Err(frame) => panic!("the server closed the socket: {frame:?}"),
        }
    }

    /// The next message, or how the server closed the socket (`Err`), or `None` if nothing
    /// comes within `wait`.
    pub async fn frame(&mut self, wait: Duration) -> Option<Result<Value, Option<CloseFrame>>> {
        loop {
            let message = match tokio::time::timeout(wait, self.socket.next()).await.ok()? {
                Some(Ok(message)) => message,
                // The connection ended without a close frame (1006 to a browser).
                Some(Err(_)) | None => return Some(Err(None)),
            };
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if matches!(value["type"].as_str(), Some("ka" | "ping" | "pong")) {
                        continue;
                    }
                    return Some(Ok(value));
                }
                Message::Close(frame) => return Some(Err(frame)),
                _ => continue,
            }
        }
    }
}
