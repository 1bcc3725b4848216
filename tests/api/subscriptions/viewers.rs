//! `membershipChanged` for signed-in subscribers (AUTH.md, "Live updates"): each gets the
//! events of the plans they are a member of when the event happens, an administrator all
//! of them; the connection needs a valid token and ends with 4403 when it expires.
//! Changes are made with the service token. On PostgreSQL the subscribers are connected
//! to a second instance, so the events they get crossed instances.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use uuid::Uuid;

use super::Subscriber;
use crate::documents::{DELETE_PLAN, DELETE_USER};
use crate::helpers::*;
use crate::on_both_databases;
use crate::ws_client::{Protocol, WsClient};

const SERVICE: &str = "the service's own token";

/// A server with sign-in and the service token; requests of the test's own carry the
/// latter.
async fn signed_in(backend: Backend, sign_in: &SignIn) -> TestApp {
    let mut options = sign_in.options();
    options.extend(["--api-token", SERVICE]);
    spawn_app_with(backend, &options).await.with_bearer(SERVICE)
}

/// Another instance on `app`'s database on PostgreSQL, for the subscribers; none on SQLite
/// (one process only).
async fn subscribers_instance(app: &TestApp, sign_in: &SignIn) -> Option<TestApp> {
    match app.backend() {
        Backend::Postgres => Some(app.another_instance_with(&sign_in.options()).await),
        Backend::Sqlite => None,
    }
}

fn init(token: &str) -> Value {
    json!({ "Authorization": format!("Bearer {token}") })
}

/// An event as the subscription shows it: kind, user, plan, role.
type Event = (String, Uuid, Uuid, Option<String>);

fn read(event: &Value) -> Event {
    (
        event["kind"].as_str().unwrap().to_owned(),
        uuid(&event["userId"]),
        uuid(&event["planId"]),
        event["role"].as_str().map(str::to_owned),
    )
}

/// The links the test made and the events each change announces, in order.
struct Model {
    initial: HashSet<(Uuid, Uuid)>,
    events: Vec<Event>,
}

impl Model {
    fn record(&mut self, kind: &str, user: Uuid, plan: Uuid, role: Option<&str>) {
        self.events
            .push((kind.to_owned(), user, plan, role.map(str::to_owned)));
    }

    /// What `viewer` receives: the events of plans they are a member of just before or
    /// just after the event (so their own link's ADDED and REMOVED too).
    fn seen_by(&self, viewer: Uuid) -> Vec<Event> {
        let mut theirs: HashSet<Uuid> = (self.initial.iter())
            .filter(|(user, _)| *user == viewer)
            .map(|(_, plan)| *plan)
            .collect();
        let mut seen = Vec::new();
        for event in &self.events {
            let (kind, user, plan, _) = event;
            let before = theirs.contains(plan);
            if *user == viewer {
                match kind.as_str() {
                    "REMOVED" => theirs.remove(plan),
                    _ => theirs.insert(*plan),
                };
            }
            if before || theirs.contains(plan) {
                seen.push(event.clone());
            }
        }
        seen
    }
}

/// The events a subscriber receives up to and including `last`, but those of its sync
/// `marker` (a toggle the sync sent before the first one's event came back can still
/// arrive after it).
async fn events_until(subscriber: &mut Subscriber, marker: Uuid, last: &Event) -> Vec<Event> {
    let mut events = Vec::new();
    while events.last() != Some(last) {
        events.push(read(&subscriber.event_not_about(marker).await));
    }
    events
}

on_both_databases!(each_subscriber_gets_the_events_of_the_plans_they_are_in);
async fn each_subscriber_gets_the_events_of_the_plans_they_are_in(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in(backend, &sign_in).await;
    let other_instance = subscribers_instance(&app, &sign_in).await;
    let live = other_instance.as_ref().unwrap_or(&app);
    let (member, outsider, admin, other) = (
        app.create_user("member@example.com", "Member").await,
        app.create_user("outsider@example.com", "Outsider").await,
        app.create_user("admin@example.com", "Admin").await,
        app.create_user("other@example.com", "Other").await,
    );
    let (plan, elsewhere) = (app.create_plan("P").await, app.create_plan("E").await);
    app.add_users_to_plan(plan, &[member, other]).await.unwrap();
    let mut model = Model {
        initial: HashSet::from([(member, plan), (other, plan)]),
        events: Vec::new(),
    };
    let admin_token = sign_in.token_with(json!({ "sub": admin, "roles": ["userplan-admin"] }));
    let tokens = [
        (member, sign_in.token(member)),
        (outsider, sign_in.token(outsider)),
        (admin, admin_token),
    ];
    let mut subscribers = Vec::new();
    for (user, token) in &tokens {
        let mut subscriber = Subscriber::connect_with(live, false, init(token), json!({})).await;
        // A marker plan of each subscriber's own, which the others are not in.
        let marker = app.create_plan("marker").await;
        subscriber.sync(&app, *user, marker).await;
        subscribers.push((*user, subscriber, marker));
    }

    app.add_plans_to_user(other, &[elsewhere]).await.unwrap();
    model.record("ADDED", other, elsewhere, Some("MEMBER"));
    app.update_user_plan(other, plan, "ADMIN").await.unwrap();
    model.record("UPDATED", other, plan, Some("ADMIN"));
    // The member joins a plan mid-stream: their ADDED, then that plan's events.
    app.add_plans_to_user(member, &[elsewhere]).await.unwrap();
    model.record("ADDED", member, elsewhere, Some("MEMBER"));
    app.update_user_plan(other, elsewhere, "OWNER")
        .await
        .unwrap();
    model.record("UPDATED", other, elsewhere, Some("OWNER"));
    // The member leaves: their REMOVED is the last event of that plan they get.
    app.remove_plans_from_user(member, &[plan]).await.unwrap();
    model.record("REMOVED", member, plan, None);
    app.update_user_plan(other, plan, "MEMBER").await.unwrap();
    model.record("UPDATED", other, plan, Some("MEMBER"));
    app.remove_users_from_plan(plan, &[other]).await.unwrap();
    model.record("REMOVED", other, plan, None);
    // Each subscriber's own new plan closes what it receives.
    let mut fences = Vec::new();
    for (user, _, _) in &subscribers {
        let fence = app.create_plan("fence").await;
        app.add_plans_to_user(*user, &[fence]).await.unwrap();
        model.record("ADDED", *user, fence, Some("MEMBER"));
        fences.push(model.events.last().unwrap().clone());
    }

    for ((user, subscriber, marker), fence) in subscribers.iter_mut().zip(&fences) {
        let expected = if *user == admin {
            model.events.clone()
        } else {
            model.seen_by(*user)
        };
        assert_eq!(
            events_until(subscriber, *marker, fence).await,
            expected,
            "{user}"
        );
    }
    assert_eq!(
        model.seen_by(outsider),
        fences[1..2],
        "the outsider sees only their own"
    );
}

on_both_databases!(a_deleted_plan_or_member_ends_with_the_removal);
async fn a_deleted_plan_or_member_ends_with_the_removal(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in(backend, &sign_in).await;
    let other_instance = subscribers_instance(&app, &sign_in).await;
    let live = other_instance.as_ref().unwrap_or(&app);
    let (member, other, gone) = (
        app.create_user("member@example.com", "Member").await,
        app.create_user("other@example.com", "Other").await,
        app.create_user("gone@example.com", "Gone").await,
    );
    let (plan, doomed, marker) = (
        app.create_plan("P").await,
        app.create_plan("Doomed").await,
        app.create_plan("marker").await,
    );
    app.add_users_to_plan(plan, &[member, gone]).await.unwrap();
    app.add_users_to_plan(doomed, &[member, other, gone])
        .await
        .unwrap();
    let token = sign_in.token(member);
    let mut subscriber = Subscriber::connect_with(live, false, init(&token), json!({})).await;
    subscriber.sync(&app, member, marker).await;

    app.data(DELETE_USER, json!({ "id": gone })).await;
    let mut removed_gone = vec![
        read(&subscriber.event_not_about(marker).await),
        read(&subscriber.event_not_about(marker).await),
    ];
    removed_gone.sort();
    let mut expected = vec![
        ("REMOVED".to_owned(), gone, plan, None),
        ("REMOVED".to_owned(), gone, doomed, None),
    ];
    expected.sort();
    assert_eq!(
        removed_gone, expected,
        "a member deleted: a removal per plan"
    );

    // The plan's links go in one change, in an order of the server's: whatever the member
    // gets of it ends with their own removal, and nothing of the plan comes after.
    app.data(DELETE_PLAN, json!({ "id": doomed })).await;
    let own = ("REMOVED".to_owned(), member, doomed, None);
    let deleted = events_until(&mut subscriber, marker, &own).await;
    let other_removed = ("REMOVED".to_owned(), other, doomed, None);
    assert!(
        deleted == [own.clone()] || deleted == [other_removed, own],
        "{deleted:?}"
    );
    let fence = app.create_plan("fence").await;
    app.add_plans_to_user(member, &[fence]).await.unwrap();
    let last = ("ADDED".to_owned(), member, fence, Some("MEMBER".to_owned()));
    assert_eq!(events_until(&mut subscriber, marker, &last).await, [last]);
}

/// How long the server may take to close a socket whose token ran out.
const CLOSE_WITHIN: Duration = Duration::from_secs(3);

fn unix_now() -> f64 {
    let since_epoch = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH);
    since_epoch.unwrap().as_secs_f64()
}

on_both_databases!(a_socket_closes_with_4403_when_its_token_expires);
async fn a_socket_closes_with_4403_when_its_token_expires(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in(backend, &sign_in).await;
    let user = app.create_user("brief@example.com", "Brief").await;
    for protocol in Protocol::BOTH {
        let expires_at = chrono::Utc::now().timestamp() + 2;
        let token = sign_in.token_with(json!({ "sub": user, "exp": expires_at }));
        let mut client = WsClient::connect(app.address, protocol, init(&token)).await;
        client
            .start(
                "1",
                "subscription { membershipChanged { kind } }",
                json!({}),
            )
            .await;
        let until_expiry = Duration::from_secs_f64((expires_at as f64 - unix_now()).max(0.0));
        let frame = client.closing(until_expiry + CLOSE_WITHIN).await;
        let closed_at = unix_now();
        let frame = frame.unwrap_or_else(|| panic!("{protocol:?}: no close frame"));
        assert_eq!(u16::from(frame.code), 4403, "{protocol:?}: {frame:?}");
        assert!(
            closed_at >= expires_at as f64,
            "{protocol:?}: closed {:.2} s before the token expired",
            expires_at as f64 - closed_at
        );
    }
}

on_both_databases!(a_missing_or_refused_token_closes_the_socket_with_4403);
async fn a_missing_or_refused_token_closes_the_socket_with_4403(backend: Backend) {
    let sign_in = SignIn::default();
    let app = signed_in(backend, &sign_in).await;
    let user = app.create_user("ws@example.com", "Ws").await;
    let expired = sign_in.token_with(json!({ "sub": user, "exp": 1_000_000_000 }));
    // Accepted over HTTP (the leeway allows for clocks that differ), but a socket would be
    // closed at once.
    let now = chrono::Utc::now().timestamp();
    let just_expired = sign_in.token_with(json!({ "sub": user, "exp": now - 5 }));
    let foreign = sign(
        &json!({ "sub": user, "iss": ISSUER, "aud": AUDIENCE, "exp": 4_000_000_000u64 }),
        b"another secret",
    );
    let refused = [
        ("no payload", json!({})),
        ("not a bearer", json!({ "Authorization": "Basic abc" })),
        ("not a token", init("wrong")),
        ("expired", init(&expired)),
        ("expired, within the leeway", init(&just_expired)),
        ("bad signature", init(&foreign)),
    ];
    for protocol in Protocol::BOTH {
        for (case, payload) in &refused {
            let frame = WsClient::refused(app.address, protocol, payload.clone()).await;
            let code = frame.map(|frame| u16::from(frame.code));
            assert_eq!(code, Some(4403), "{protocol:?}, {case}");
        }
        // A valid token is taken in each place clients put it, and so is the service's.
        let token = format!("Bearer {}", sign_in.token(user));
        for (payload, viewer) in [
            (json!({ "Authorization": token }), json!({ "id": user })),
            (json!({ "authorization": token }), json!({ "id": user })),
            (
                json!({ "headers": { "Authorization": token } }),
                json!({ "id": user }),
            ),
            (init(SERVICE), json!(null)),
        ] {
            let mut client = WsClient::connect(app.address, protocol, payload).await;
            let answer = client.execute("1", "{ viewer { id } }", json!({})).await;
            assert_eq!(answer["data"]["viewer"], viewer, "{protocol:?}: {answer}");
        }
    }
}
