//! `membershipChanged` over a real WebSocket: the events of every kind of membership change, the
//! filters, no event for a no-op, cascades, the legacy protocol, large changes, and (on
//! PostgreSQL) events crossing from one server instance to another.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::documents::{DELETE_PLAN, DELETE_USER};
use crate::helpers::*;
use crate::on_both_databases;

mod viewers;

const SUBSCRIBE: &str = "subscription($u: UUID, $p: UUID) { \
                         membershipChanged(userId: $u, planId: $p) { \
                         kind userId planId role at actorId } }";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client subscribed to `membershipChanged`.
struct Subscriber {
    socket: Socket,
    legacy: bool,
}

impl Subscriber {
    /// Connects with `graphql-transport-ws` (or, with `legacy`, the older `graphql-ws`)
    /// and subscribes with the given filters.
    async fn connect(app: &TestApp, legacy: bool, variables: Value) -> Self {
        Self::connect_with(app, legacy, json!({}), variables).await
    }

    /// [`Subscriber::connect`] with this `connection_init` payload (a credential).
    async fn connect_with(app: &TestApp, legacy: bool, init: Value, variables: Value) -> Self {
        let mut request = format!("ws://{}/graphql/ws", app.address)
            .into_client_request()
            .unwrap();
        let protocol = if legacy {
            "graphql-ws"
        } else {
            "graphql-transport-ws"
        };
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
        let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
        let mut subscriber = Subscriber { socket, legacy };
        subscriber
            .send(json!({ "type": "connection_init", "payload": init }))
            .await;
        let ack = subscriber
            .receive(Duration::from_secs(10))
            .await
            .expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let start = if legacy { "start" } else { "subscribe" };
        let payload = json!({ "query": SUBSCRIBE, "variables": variables });
        subscriber
            .send(json!({ "id": "1", "type": start, "payload": payload }))
            .await;
        subscriber
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    /// The next protocol message, or `None` if none comes within `wait`.
    async fn receive(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(wait, self.socket.next())
                .await
                .ok()??
                .unwrap();
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    // Keep-alive messages of either protocol carry nothing.
                    if value["type"] == "ka" || value["type"] == "ping" {
                        continue;
                    }
                    return Some(value);
                }
                Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// The next event, failing the test if none arrives within 10 seconds.
    async fn event(&mut self) -> Value {
        let message = self
            .receive(Duration::from_secs(10))
            .await
            .expect("an event within 10 s");
        let data_type = if self.legacy { "data" } else { "next" };
        assert_eq!(message["type"], data_type, "{message}");
        assert!(message["payload"].get("errors").is_none(), "{message}");
        message["payload"]["data"]["membershipChanged"].clone()
    }

    /// The next event that does not concern the `ignored` plan (the sync marker's).
    async fn event_not_about(&mut self, ignored: Uuid) -> Value {
        loop {
            let event = self.event().await;
            if uuid(&event["planId"]) != ignored {
                return event;
            }
        }
    }

    /// Waits until the subscription is live. A subscription starts after the WebSocket
    /// messages that ask for it, and the protocol does not say when: so `writer` toggles
    /// the membership (user, marker plan) until one of its events arrives, and everything before
    /// it is read. Later marker events are skipped by [`Subscriber::event_not_about`].
    async fn sync(&mut self, writer: &TestApp, user: Uuid, marker_plan: Uuid) {
        self.sync_by(writer, None, user, marker_plan).await
    }

    /// As [`Subscriber::sync`], the toggles sent with `bearer` when there is one.
    async fn sync_by(
        &mut self,
        writer: &TestApp,
        bearer: Option<&str>,
        user: Uuid,
        marker_plan: Uuid,
    ) {
        for attempt in 0..40 {
            let toggle = if attempt % 2 == 0 {
                writer.add_plans_to_user(user, &[marker_plan])
            } else {
                writer.remove_plans_from_user(user, &[marker_plan])
            };
            let toggled = match bearer {
                Some(bearer) => toggle.by(bearer).await,
                None => toggle.await,
            };
            toggled.unwrap();
            // Changes committed just before the subscription started may still be on their way
            // (the history's reader delivers them); they come before the marker's event,
            // which therefore closes the sync.
            while let Some(message) = self.receive(Duration::from_millis(250)).await {
                let data_type = if self.legacy { "data" } else { "next" };
                assert_eq!(message["type"], data_type, "{message}");
                let event = &message["payload"]["data"]["membershipChanged"];
                if uuid(&event["planId"]) == marker_plan {
                    return;
                }
            }
        }
        panic!("the subscription never delivered an event");
    }
}

fn assert_event(event: &Value, kind: &str, user: Uuid, plan: Uuid, role: Option<&str>) {
    assert_eq!(event["kind"], kind, "{event}");
    assert_eq!(uuid(&event["userId"]), user, "{event}");
    assert_eq!(uuid(&event["planId"]), plan, "{event}");
    assert_eq!(event["role"], json!(role), "{event}");
    // Without sign-in nobody is signed in: no actor.
    assert_eq!(event["actorId"], Value::Null, "{event}");
    assert!(
        event["at"].as_str().is_some_and(|at| at.starts_with("20")),
        "{event}"
    );
}

on_both_databases!(each_membership_change_is_announced_once_committed);
async fn each_membership_change_is_announced_once_committed(app: TestApp) {
    let user = app.create_user("live@example.com", "Live").await;
    let (marker, plan, other) = (
        app.create_plan("marker").await,
        app.create_plan("P").await,
        app.create_plan("Q").await,
    );
    let mut subscriber = Subscriber::connect(&app, false, json!({})).await;
    subscriber.sync(&app, user, marker).await;

    app.create_user_plan(user, plan)
        .role("ADMIN")
        .await
        .unwrap();
    assert_event(
        &subscriber.event_not_about(marker).await,
        "ADDED",
        user,
        plan,
        Some("ADMIN"),
    );
    app.update_user_plan(user, plan, "OWNER").await.unwrap();
    assert_event(
        &subscriber.event_not_about(marker).await,
        "UPDATED",
        user,
        plan,
        Some("OWNER"),
    );
    app.delete_user_plan(user, plan).await.unwrap();
    assert_event(
        &subscriber.event_not_about(marker).await,
        "REMOVED",
        user,
        plan,
        None,
    );

    // Two memberships added: two events. Then a no-op append, then one real removal: the
    // next event is the removal, so the no-op announced nothing.
    app.add_plans_to_user(user, &[plan, other]).await.unwrap();
    let mut added = vec![
        uuid(&subscriber.event_not_about(marker).await["planId"]),
        uuid(&subscriber.event_not_about(marker).await["planId"]),
    ];
    added.sort();
    assert_eq!(added, sorted([plan, other]));
    app.add_plans_to_user(user, &[plan]).await.unwrap();
    app.remove_plans_from_user(user, &[other]).await.unwrap();
    assert_event(
        &subscriber.event_not_about(marker).await,
        "REMOVED",
        user,
        other,
        None,
    );

    // A failed call (an unknown plan) announces nothing either: what it would have
    // announced (other added as ADMIN) differs from the next real event (as MEMBER).
    let before = app.snapshot().await;
    let error = app
        .add_plans_to_user(user, &[other, Uuid::now_v7()])
        .role("ADMIN")
        .await
        .unwrap_err();
    assert_eq!(error["extensions"]["code"], "NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
    app.set_user_plans(user, &[plan, other, marker])
        .role("MEMBER")
        .await
        .unwrap();
    let event = subscriber.event_not_about(marker).await;
    assert_event(&event, "ADDED", user, other, Some("MEMBER"));
}

on_both_databases!(filters_keep_one_user_or_one_plan);
async fn filters_keep_one_user_or_one_plan(app: TestApp) {
    let (mine, theirs) = (
        app.create_user("mine@example.com", "Mine").await,
        app.create_user("theirs@example.com", "Theirs").await,
    );
    let (marker, plan, other) = (
        app.create_plan("marker").await,
        app.create_plan("P").await,
        app.create_plan("Q").await,
    );

    let mut by_user = Subscriber::connect(&app, false, json!({ "u": mine })).await;
    by_user.sync(&app, mine, marker).await;
    app.add_plans_to_user(theirs, &[plan]).await.unwrap();
    app.add_plans_to_user(mine, &[plan]).await.unwrap();
    assert_event(
        &by_user.event_not_about(marker).await,
        "ADDED",
        mine,
        plan,
        Some("MEMBER"),
    );

    let mut by_plan = Subscriber::connect(&app, false, json!({ "p": marker })).await;
    by_plan.sync(&app, theirs, marker).await;
    let mut by_pair = Subscriber::connect(&app, false, json!({ "u": theirs, "p": other })).await;
    // The pair filter lets only (theirs, other) through: sync on exactly that membership.
    by_pair.sync(&app, theirs, other).await;
    // Whatever state the syncs left: both of their memberships exist, then both go.
    app.add_plans_to_user(theirs, &[other, marker])
        .await
        .unwrap();
    app.add_plans_to_user(mine, &[other]).await.unwrap();
    app.remove_plans_from_user(theirs, &[other, marker])
        .await
        .unwrap();
    for (subscriber, plan) in [(&mut by_pair, other), (&mut by_plan, marker)] {
        loop {
            let event = subscriber.event().await;
            assert_eq!(uuid(&event["userId"]), theirs, "{event}");
            assert_eq!(uuid(&event["planId"]), plan, "{event}");
            if event["kind"] == "REMOVED" {
                break;
            }
        }
    }
}

on_both_databases!(deleting_a_user_announces_each_of_its_memberships);
async fn deleting_a_user_announces_each_of_its_memberships(app: TestApp) {
    let (user, bystander) = (
        app.create_user("gone@example.com", "Gone").await,
        app.create_user("stays@example.com", "Stays").await,
    );
    let (marker, plan, other) = (
        app.create_plan("marker").await,
        app.create_plan("P").await,
        app.create_plan("Q").await,
    );
    app.add_plans_to_user(user, &[plan, other]).await.unwrap();
    let mut subscriber = Subscriber::connect(&app, false, json!({})).await;
    subscriber.sync(&app, bystander, marker).await;
    app.data(DELETE_USER, json!({ "id": user })).await;
    let mut removed = Vec::new();
    for _ in 0..2 {
        let event = subscriber.event_not_about(marker).await;
        assert_eq!(event["kind"], "REMOVED");
        assert_eq!(uuid(&event["userId"]), user);
        removed.push(uuid(&event["planId"]));
    }
    removed.sort();
    assert_eq!(removed, sorted([plan, other]));
    app.data(DELETE_PLAN, json!({ "id": marker })).await;
    // The plan's memberships are announced as well (the bystander's marker membership, if the sync
    // left it in place), and nothing about the deleted user comes again.
    app.add_plans_to_user(bystander, &[plan]).await.unwrap();
    loop {
        let event = subscriber.event().await;
        assert_ne!(uuid(&event["userId"]), user, "{event}");
        if uuid(&event["planId"]) == plan {
            assert_event(&event, "ADDED", bystander, plan, Some("MEMBER"));
            break;
        }
        assert_event(&event, "REMOVED", bystander, marker, None);
    }
}

on_both_databases!(the_legacy_graphql_ws_protocol_works_too);
async fn the_legacy_graphql_ws_protocol_works_too(app: TestApp) {
    let user = app.create_user("old@example.com", "Old").await;
    let (marker, plan) = (app.create_plan("marker").await, app.create_plan("P").await);
    let mut subscriber = Subscriber::connect(&app, true, json!({ "u": user })).await;
    subscriber.sync(&app, user, marker).await;
    app.add_plans_to_user(user, &[plan]).await.unwrap();
    assert_event(
        &subscriber.event_not_about(marker).await,
        "ADDED",
        user,
        plan,
        Some("MEMBER"),
    );
}

on_both_databases!(a_change_of_ten_thousand_memberships_arrives_whole);
async fn a_change_of_ten_thousand_memberships_arrives_whole(app: TestApp) {
    app.seed(Seed {
        users: 10_000,
        plans: 1,
        memberships_per_user: 0,
        random_seed: 5,
    })
    .await;
    let users = app
        .data(
            "{ users(first: 1000) { totalCount nodes { id } } plans { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(users["users"]["totalCount"], 10_000);
    let plan = node_ids(&users["plans"]["nodes"])[0];
    let someone = node_ids(&users["users"]["nodes"])[0];
    let mut subscriber = Subscriber::connect(&app, false, json!({ "p": plan })).await;
    // Sync on the plan itself (its filter hides the marker plan), then clear it.
    subscriber.sync(&app, someone, plan).await;
    app.set_plan_users(plan, &[]).await.unwrap();

    let ids = app.ids("users").await;
    let set = app.set_plan_users(plan, &ids).await.unwrap();
    assert_eq!(set.added.len(), 10_000);
    // The sync's and the clearing's events may still be ahead of the big change's.
    let mut announced = std::collections::BTreeSet::new();
    for _ in 0..10_100 {
        let event = subscriber.event().await;
        if event["kind"] == "ADDED" {
            announced.insert(uuid(&event["userId"]));
        }
        if announced.len() == 10_000 {
            break;
        }
    }
    assert_eq!(announced.len(), 10_000, "every membership announced");
}

/// Two instances on one PostgreSQL: a change made through B reaches a subscriber of A.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_instances_on_postgres() {
    let Some(a) = spawn_postgres_app().await else {
        return;
    };
    let b = a.another_instance().await;
    assert_ne!(a.address, b.address);
    let user = b.create_user("far@example.com", "Far").await;
    let (marker, plan) = (b.create_plan("marker").await, b.create_plan("P").await);
    let mut on_a = Subscriber::connect(&a, false, json!({ "u": user })).await;
    on_a.sync(&b, user, marker).await;
    b.add_plans_to_user(user, &[plan]).await.unwrap();
    assert_event(
        &on_a.event_not_about(marker).await,
        "ADDED",
        user,
        plan,
        Some("MEMBER"),
    );
    b.data(DELETE_PLAN, json!({ "id": plan })).await;
    assert_event(
        &on_a.event_not_about(marker).await,
        "REMOVED",
        user,
        plan,
        None,
    );
}

on_both_databases!(an_event_names_the_signed_in_user_who_made_the_change);
async fn an_event_names_the_signed_in_user_who_made_the_change(backend: Backend) {
    const SERVICE: &str = "service-secret";
    let (app, sign_in) = spawn_signed_in_app(backend, SERVICE).await;
    let create_user =
        "mutation($e: String!) { createUser(input: { email: $e, name: \"U\" }) { id } }";
    let create_plan = "mutation { createPlan(input: { name: \"P\" }) { id } }";
    let user = async |email: &str| {
        let created = app
            .post_as(SERVICE, create_user, json!({ "e": email }))
            .await;
        uuid(&created["data"]["createUser"]["id"])
    };
    let (owner, newcomer) = (
        user("owner@example.com").await,
        user("new@example.com").await,
    );
    let token = sign_in.token(owner);
    let created = app.post_as(&token, create_plan, json!({})).await;
    let plan = uuid(&created["data"]["createPlan"]["id"]);
    let marker = app.post_as(SERVICE, create_plan, json!({})).await;
    let marker = uuid(&marker["data"]["createPlan"]["id"]);
    let init = json!({ "Authorization": format!("Bearer {SERVICE}") });
    let mut subscriber = Subscriber::connect_with(&app, false, init, json!({})).await;
    subscriber
        .sync_by(&app, Some(SERVICE), newcomer, marker)
        .await;

    app.add_users_to_plan(plan, &[newcomer])
        .by(&token)
        .await
        .unwrap();
    let added = subscriber.event_not_about(marker).await;
    assert_event_by(&added, "ADDED", newcomer, plan, Some("MEMBER"), owner);

    app.remove_users_from_plan(plan, &[newcomer])
        .by(SERVICE)
        .await
        .unwrap();
    let removed = subscriber.event_not_about(marker).await;
    assert_eq!(removed["kind"], "REMOVED", "{removed}");
    assert_eq!(
        removed["actorId"],
        Value::Null,
        "the service is nobody: {removed}"
    );

    // A signed-in creator becomes the new plan's OWNER, and that is announced as theirs.
    let created = app.post_as(&token, create_plan, json!({})).await;
    let second = uuid(&created["data"]["createPlan"]["id"]);
    let owned = subscriber.event_not_about(marker).await;
    assert_event_by(&owned, "ADDED", owner, second, Some("OWNER"), owner);
}

fn assert_event_by(
    event: &Value,
    kind: &str,
    user: Uuid,
    plan: Uuid,
    role: Option<&str>,
    by: Uuid,
) {
    assert_eq!(event["kind"], kind, "{event}");
    assert_eq!(
        (uuid(&event["userId"]), uuid(&event["planId"])),
        (user, plan),
        "{event}"
    );
    assert_eq!(event["role"], json!(role), "{event}");
    assert_eq!(uuid(&event["actorId"]), by, "{event}");
}
