//! Subscriptions over WebSocket at `/graphql/ws`, in the `graphql-transport-ws` protocol
//! or the legacy `graphql-ws` one (the client's `Sec-WebSocket-Protocol` chooses). The
//! `connection_init` payload carries the credential HTTP requests carry in their header, as
//! `{"Authorization": "Bearer <token>"}`. A refused one closes the connection with 4403, as
//! does, with sign-in, a missing one, and a signed-in caller's connection is closed with
//! 4403 when their token expires, so the client reconnects with a fresh one.

use std::any::TypeId;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor, Request, Response};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use futures_util::{SinkExt, StreamExt, future};

use super::{AppState, operation};
use crate::auth::Caller;

/// How often an idle connection is pinged, so proxies do not close it and clients notice
/// a dead server.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// At shutdown, how long a connection waits for more of its last messages before closing.
const DRAIN: Duration = Duration::from_millis(100);

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|protocols| {
            protocols
                .split(',')
                .find_map(|protocol| protocol.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws (or graphql-ws) WebSocket subprotocol",
        )
            .into_response();
    };
    // Browsers let any page open a WebSocket to any server, with the visitor's network
    // position and cookies, and send its Origin; CORS does not apply. Without this check a
    // page elsewhere could read the event stream through a visitor's browser.
    if let Some(origin) = headers.get(header::ORIGIN)
        && !same_origin(origin, headers.get(header::HOST))
        && !state.allowed_origins().permits(origin)
    {
        return (
            StatusCode::FORBIDDEN,
            "this page's origin may not open a WebSocket to this server; the server allows \
             its own origin and those given with --cors-origin",
        )
            .into_response();
    }
    let sockets = state.sockets.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| sockets.track_future(serve(socket, state, protocol)))
}

async fn serve(socket: WebSocket, state: AppState, protocol: WebSocketProtocols) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let credentials = state.credentials.clone();
    let db = state.db.clone();
    let events = state.events.clone();
    let (verdict, verdict_received) = tokio::sync::oneshot::channel();
    let messages = async_graphql::http::WebSocket::new(Gated(state), input, protocol)
        .on_connection_init(move |payload| async move {
            let authorization = payload_authorization(&payload);
            let caller = credentials.caller(&db, authorization).await;
            let refused = credentials.refuses_connection(&caller, authorization);
            // A token past its `exp` but within the verifier's leeway (for clock skew) would
            // be closed at once: refused, so a client does not reconnect with it in a loop.
            let refused = refused || caller.expires_at.is_some_and(|at| until(at).is_zero());
            if refused {
                let _ = verdict.send(Verdict::Refused);
                // The connection loop closes the socket with 4403 (async-graphql would
                // close it with 1002, or not at all in the legacy protocol).
                return future::pending().await;
            }
            let _ = verdict.send(Verdict::Admitted {
                expires_at: caller.expires_at,
            });
            let mut data = Data::default();
            data.insert(caller);
            Ok(data)
        });
    futures_util::pin_mut!(messages);
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    let closed = events.closed();
    futures_util::pin_mut!(closed);
    let forbidden = forbidden(verdict_received);
    futures_util::pin_mut!(forbidden);
    loop {
        let outgoing = tokio::select! {
            message = messages.next() => match message {
                Some(message) => frame(message),
                None => return,
            },
            _ = pings.tick() => Message::Text(keepalive(protocol).into()),
            () = &mut closed => break,
            reason = &mut forbidden => {
                let _ = sink.send(Message::Close(Some(CloseFrame {
                    code: FORBIDDEN,
                    reason: reason.into(),
                }))).await;
                return;
            }
        };
        if sink.send(outgoing).await.is_err() {
            return;
        }
    }
    // Shutting down: each subscription has ended and says `complete` as soon as its stream
    // is polled; once nothing more comes, the close frame tells the client the server goes
    // away (1001), rather than the connection just dropping (1006).
    while let Ok(Some(message)) = tokio::time::timeout(DRAIN, messages.next()).await {
        if sink.send(frame(message)).await.is_err() {
            return;
        }
    }
    let goodbye = CloseFrame {
        code: axum::extract::ws::close_code::AWAY,
        reason: "the server is shutting down".into(),
    };
    let _ = sink.send(Message::Close(Some(goodbye))).await;
}

/// The close code of a refused or expired credential: graphql-transport-ws's Forbidden,
/// which clients take as "get a fresh token and reconnect".
const FORBIDDEN: u16 = 4403;

/// What `connection_init` decided about the credential it carried.
enum Verdict {
    Refused,
    Admitted { expires_at: Option<u64> },
}

/// Resolves, with the reason to give, when the connection must close with 4403: at once
/// for a refused credential, when it expires for a token with an `exp`; never otherwise.
async fn forbidden(verdict: tokio::sync::oneshot::Receiver<Verdict>) -> &'static str {
    match verdict.await {
        Ok(Verdict::Refused) => "the credential in connection_init is missing or was refused",
        Ok(Verdict::Admitted {
            expires_at: Some(expires_at),
        }) => {
            // A timer, not a check per message: an idle subscription must end too.
            tokio::time::sleep(until(expires_at)).await;
            "the token expired: reconnect with a fresh one"
        }
        // No expiry, or connection_init never came.
        Ok(Verdict::Admitted { expires_at: None }) | Err(_) => future::pending().await,
    }
}

/// How long until `at` (seconds since the epoch); zero once it has passed.
fn until(at: u64) -> Duration {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH);
    Duration::from_secs(at).saturating_sub(now.unwrap_or_default())
}

fn frame(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })),
    }
}

/// The server's operations for a WebSocket connection, with the caller that
/// `connection_init` established: each runs through [`operation::over_socket`], as HTTP
/// requests run through [`operation::execute`].
#[derive(Clone)]
struct Gated(AppState);

impl Executor for Gated {
    async fn execute(&self, request: Request) -> Response {
        let mut responses = self.execute_stream(request, None);
        responses.next().await.unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let session = session_data.unwrap_or_default();
        let caller = session
            .get(&TypeId::of::<Caller>())
            .and_then(|caller| caller.downcast_ref::<Caller>())
            .copied()
            .unwrap_or(Caller::NOBODY);
        operation::over_socket(self.0.clone(), request, caller, session)
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the host the request was sent to.
fn same_origin(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(HeaderValue::to_str)) else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// The protocol's own keep-alive message.
fn keepalive(protocol: WebSocketProtocols) -> &'static str {
    match protocol {
        WebSocketProtocols::GraphQLWS => r#"{"type":"ping"}"#,
        WebSocketProtocols::SubscriptionsTransportWS => r#"{"type":"ka"}"#,
    }
}

/// `Authorization` in the `connection_init` payload, at its top level or under `headers`
/// (clients differ), in any letter case.
fn payload_authorization(payload: &serde_json::Value) -> Option<&str> {
    fn find(object: &serde_json::Value) -> Option<&str> {
        object.as_object()?.iter().find_map(|(key, value)| {
            key.eq_ignore_ascii_case("authorization")
                .then(|| value.as_str())
                .flatten()
        })
    }
    find(payload).or_else(|| find(payload.get("headers")?))
}
