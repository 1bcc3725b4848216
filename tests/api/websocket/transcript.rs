//! The script every operation kind runs in, over HTTP or over the socket, and its
//! transcript: every answer and the events the subscription saw, ids replaced by their
//! order of appearance.

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use super::EVERYTHING;
use crate::documents::{ADD_PLANS_TO_USER, REMOVE_PLANS_FROM_USER};
use crate::helpers::*;
use crate::ws_client::{Protocol, Reply, WsClient};

/// Where a script's operations go: over HTTP, or over the WebSocket that also carries the
/// subscription.
struct Session<'a> {
    app: &'a TestApp,
    socket: WsClient,
    over_socket: bool,
    operations: usize,
}

impl Session<'_> {
    async fn run(&mut self, query: &str, variables: Value) -> Value {
        if !self.over_socket {
            return self.app.post(query, variables).await;
        }
        self.operations += 1;
        let id = format!("op{}", self.operations);
        self.socket.execute(&id, query, variables).await
    }

    /// The next event of the subscription that runs under id `sub`, if one comes within
    /// `wait`.
    async fn event(&mut self, wait: Duration) -> Option<Value> {
        match self.socket.next_of_within("sub", wait).await? {
            Reply::Result(result) => {
                assert!(result.get("errors").is_none(), "{result}");
                Some(result["data"]["membershipChanged"].clone())
            }
            Reply::Complete => panic!("the subscription ended"),
        }
    }

    /// Toggles the marker membership until the subscription reports it, and returns the events
    /// that came before (the marker's own left out): at the start, proof that the
    /// subscription is live (a subscription starts some time after it is asked for, and
    /// the protocol does not say when: a toggle it missed is simply repeated); at the end,
    /// everything the script changed, which was committed before the last toggle.
    async fn until_marker(&mut self, user: Uuid, plan: Uuid) -> Vec<Value> {
        let mut before = Vec::new();
        for attempt in 0..40 {
            let toggle = [ADD_PLANS_TO_USER, REMOVE_PLANS_FROM_USER][attempt % 2];
            let toggled = self
                .run(toggle, json!({ "userId": user, "planIds": [plan] }))
                .await;
            assert!(toggled.get("errors").is_none(), "{toggled}");
            while let Some(event) = self.event(Duration::from_millis(250)).await {
                if uuid(&event["planId"]) == plan {
                    return before;
                }
                before.push(event);
            }
        }
        panic!("the subscription never reported the marker");
    }
}

/// The script: each mutation kind, nested selections, errors, and queries, with every
/// answer recorded. Ids in the answers are replaced by their order of appearance, so two
/// servers' transcripts compare equal when they did the same thing.
async fn script(session: &mut Session<'_>) -> Vec<Value> {
    let mut transcript = Vec::new();
    let create_user = "mutation($e: String!, $n: String!) { createUser(input: { \
                       email: $e, name: $n }) { id email name planCount } }";
    let create_plan = "mutation($n: String!, $d: String) { createPlan(input: { \
                       name: $n, description: $d }) { id name description userCount } }";
    let marker_user = run(
        session,
        &mut transcript,
        create_user,
        json!({ "e": "marker@example.com", "n": "Marker" }),
    )
    .await;
    let marker_plan = run(
        session,
        &mut transcript,
        create_plan,
        json!({ "n": "Marker" }),
    )
    .await;
    let (marker_user, marker_plan) = (
        uuid(&marker_user["data"]["createUser"]["id"]),
        uuid(&marker_plan["data"]["createPlan"]["id"]),
    );
    session.start_subscription().await;
    session.until_marker(marker_user, marker_plan).await;

    let ada = run(
        session,
        &mut transcript,
        create_user,
        json!({ "e": "ada@example.com", "n": "Ada" }),
    )
    .await;
    let bob = run(
        session,
        &mut transcript,
        create_user,
        json!({ "e": "bob@example.com", "n": "Bob" }),
    )
    .await;
    let pro = run(
        session,
        &mut transcript,
        create_plan,
        json!({ "n": "Pro", "d": "For teams" }),
    )
    .await;
    let team = run(
        session,
        &mut transcript,
        create_plan,
        json!({ "n": "Team" }),
    )
    .await;
    let ada = uuid(&ada["data"]["createUser"]["id"]);
    let bob = uuid(&bob["data"]["createUser"]["id"]);
    let pro = uuid(&pro["data"]["createPlan"]["id"]);
    let team = uuid(&team["data"]["createPlan"]["id"]);

    let steps: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "mutation($id: UUID!) { updateUser(id: $id, input: { name: \"Ada L.\" }) { \
             id name email planCount } }",
            json!({ "id": ada }),
            None,
        ),
        (
            "mutation($id: UUID!) { updatePlan(id: $id, input: { description: null }) { \
             id name description } }",
            json!({ "id": pro }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: UUID!) { \
             createUserPlan(input: { userId: $u, planId: $p, role: OWNER }) { \
             role user { name } plan { name users { email } } } }",
            json!({ "u": ada, "p": pro }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: UUID!) { \
             createUserPlan(input: { userId: $u, planId: $p }) { role } }",
            json!({ "u": ada, "p": pro }),
            Some("CONFLICT"),
        ),
        (
            "mutation($u: UUID!, $p: UUID!) { \
             updateUserPlan(userId: $u, planId: $p, role: ADMIN) { role plan { userCount } } }",
            json!({ "u": ada, "p": pro }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: [UUID!]!) { \
             addPlansToUser(userId: $u, planIds: $p, role: MEMBER) { addedPlanIds unchangedPlanIds \
             user { plans { name users { email planCount } } } } }",
            json!({ "u": bob, "p": [pro, team] }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: [UUID!]!) { \
             addPlansToUser(userId: $u, planIds: $p) { addedPlanIds unchangedPlanIds } }",
            json!({ "u": bob, "p": [pro, Uuid::nil()] }),
            Some("NOT_FOUND"),
        ),
        (
            "mutation($u: UUID!, $p: [UUID!]!) { \
             removePlansFromUser(userId: $u, planIds: $p) { \
             removedPlanIds unchangedPlanIds user { planCount } } }",
            json!({ "u": bob, "p": [team, marker_plan] }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: [UUID!]!, $e: [UUID!]) { \
             setUserPlans(userId: $u, planIds: $p, expectedPlanIds: $e) { \
             addedPlanIds removedPlanIds unchangedPlanIds \
             user { memberships { role plan { name } } } } }",
            json!({ "u": ada, "p": [team], "e": [] }),
            Some("CONFLICT"),
        ),
        (
            "mutation($u: UUID!, $p: [UUID!]!, $e: [UUID!]) { \
             setUserPlans(userId: $u, planIds: $p, role: OWNER, expectedPlanIds: $e) { \
             addedPlanIds removedPlanIds unchangedPlanIds \
             user { memberships { role plan { name } } } } }",
            json!({ "u": ada, "p": [team], "e": [pro] }),
            None,
        ),
        (
            "mutation($p: UUID!, $u: [UUID!]!) { \
             addUsersToPlan(planId: $p, userIds: $u, role: ADMIN) { addedUserIds unchangedUserIds \
             plan { userCount users { name memberships { role } } } } }",
            json!({ "p": pro, "u": [ada, bob] }),
            None,
        ),
        (
            "mutation($p: UUID!, $u: [UUID!]!) { \
             removeUsersFromPlan(planId: $p, userIds: $u) { \
             removedUserIds unchangedUserIds plan { users { name } } } }",
            json!({ "p": pro, "u": [bob] }),
            None,
        ),
        (
            "mutation($p: UUID!, $u: [UUID!]!) { \
             setPlanUsers(planId: $p, userIds: $u, role: MEMBER) { \
             addedUserIds removedUserIds unchangedUserIds \
             plan { memberships { role user { email } } } } }",
            json!({ "p": team, "u": [bob] }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: UUID!) { \
             deleteUserPlan(userId: $u, planId: $p) { role userId planId } }",
            json!({ "u": bob, "p": team }),
            None,
        ),
        (
            "mutation($u: UUID!, $p: UUID!) { deleteUserPlan(userId: $u, planId: $p) { role } }",
            json!({ "u": bob, "p": team }),
            Some("NOT_FOUND"),
        ),
        (
            "query($id: UUID!) { user(id: $id) { name planCount \
             plans { name userCount users { email } } memberships { role plan { name } } } }",
            json!({ "id": ada }),
            None,
        ),
        (
            "{ users(orderBy: { field: EMAIL, direction: ASC }) { \
             totalCount pageInfo { hasNextPage } nodes { email plans { name } } } }",
            json!({}),
            None,
        ),
        (
            "{ plans(first: 2, filter: { nameContains: \"e\" }) { \
             totalCount edges { node { name users(first: 1) { name } } } } }",
            json!({}),
            None,
        ),
        (
            "query($u: UUID!, $p: UUID!) { userPlan(userId: $u, planId: $p) { \
             role user { email } plan { name } } }",
            json!({ "u": ada, "p": pro }),
            None,
        ),
        (
            "query($id: UUID!) { plan(id: $id) { name users { name } } }",
            json!({ "id": "not-a-uuid" }),
            Some("BAD_USER_INPUT"),
        ),
        (
            "{ users(first: 5000) { nodes { id } } }",
            json!({}),
            Some("BAD_USER_INPUT"),
        ),
        (
            "mutation($id: UUID!) { deleteUser(id: $id) }",
            json!({ "id": bob }),
            None,
        ),
        (
            "mutation($id: UUID!) { deletePlan(id: $id) }",
            json!({ "id": team }),
            None,
        ),
        (
            "mutation($id: UUID!) { deletePlan(id: $id) }",
            json!({ "id": team }),
            Some("NOT_FOUND"),
        ),
    ];
    for (query, variables, code) in steps {
        let answer = run(session, &mut transcript, query, variables).await;
        assert_eq!(error_code(&answer), code, "{query}: {answer:#}");
    }
    let events = session.until_marker(marker_user, marker_plan).await;
    transcript.push(json!({ "events": events }));
    normalized(transcript)
}

impl Session<'_> {
    async fn start_subscription(&mut self) {
        self.socket.start("sub", EVERYTHING, json!({})).await;
    }
}

async fn run(
    session: &mut Session<'_>,
    transcript: &mut Vec<Value>,
    query: &str,
    variables: Value,
) -> Value {
    let mut answer = session.run(query, variables).await;
    let errors = answer.get_mut("errors").and_then(Value::as_array_mut);
    for error in errors.into_iter().flatten() {
        let id = error["extensions"]
            .as_object_mut()
            .and_then(|extensions| extensions.remove("requestId"));
        assert!(
            id.as_ref().is_some_and(Value::is_string),
            "every error carries its request id: {error}"
        );
    }
    // The statement count must agree too (same loaders, same prefetch); the time cannot.
    let sql = answer
        .get_mut("extensions")
        .and_then(|extensions| extensions.get_mut("sql"));
    if let Some(sql) = sql.and_then(Value::as_object_mut) {
        sql.remove("millis");
    }
    transcript.push(answer.clone());
    answer
}

/// Each UUID (also inside messages) replaced by `#n`, its order of first appearance.
fn normalized(transcript: Vec<Value>) -> Vec<Value> {
    fn token(id: &str, seen: &mut Vec<String>) -> String {
        let n = seen
            .iter()
            .position(|known| known == id)
            .unwrap_or_else(|| {
                seen.push(id.to_owned());
                seen.len() - 1
            });
        format!("#{n}")
    }
    fn text(text: &str, seen: &mut Vec<String>) -> String {
        let mut out = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.get(..36).filter(|head| head.parse::<Uuid>().is_ok()) {
                Some(id) => {
                    out.push_str(&token(id, seen));
                    rest = &rest[36..];
                }
                None => {
                    let next = rest.chars().next().unwrap();
                    out.push(next);
                    rest = &rest[next.len_utf8()..];
                }
            }
        }
        out
    }
    fn walk(value: &mut Value, seen: &mut Vec<String>) {
        match value {
            Value::String(string) => *string = text(string, seen),
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, seen)),
            Value::Object(fields) => fields.values_mut().for_each(|field| walk(field, seen)),
            _ => {}
        }
    }
    let mut seen = Vec::new();
    let mut transcript = Value::Array(transcript);
    walk(&mut transcript, &mut seen);
    match transcript {
        Value::Array(items) => items,
        _ => unreachable!(),
    }
}

pub(super) async fn transcript_of(
    app: &TestApp,
    protocol: Protocol,
    over_socket: bool,
) -> Vec<Value> {
    let socket = WsClient::connect(app.address, protocol, json!({})).await;
    let mut session = Session {
        app,
        socket,
        over_socket,
        operations: 0,
    };
    script(&mut session).await
}
