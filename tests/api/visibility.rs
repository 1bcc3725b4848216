//! Who sees what (AUTH.md, "Who the viewer may see"): every read path, for an OWNER, an
//! ADMIN and a MEMBER of plans, an outsider, an administrator and the service, against a
//! small model of the rules that computes what each may see from the fixture's own
//! memberships.

mod model;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;
use model::{Eyes, World};

const SERVICE: &str = "the service's token";

/// The fragments' lists, three levels deep, are past the default cost limit.
const UNLIMITED: &[&str] = &["--max-complexity", "1000000000"];

/// Everything readable below a user, three levels deep.
const USER_FIELDS: &str = "fragment U on User { id email name planCount \
    plans { id name userCount \
      users { id planCount plans { id } } \
      memberships { userId role user { id planCount } } } \
    memberships { planId role plan { id userCount } } }";

/// Everything readable below a plan, three levels deep.
const PLAN_FIELDS: &str = "fragment P on Plan { id name userCount \
    users { id planCount \
      plans { id userCount users { id } } \
      memberships { planId role plan { id } } } \
    memberships { userId role user { id planCount } } }";

/// The viewers of the matrix.
#[derive(Clone, Copy, Debug)]
enum Who {
    Owner,
    Admin,
    Member,
    Outsider,
    Administrator,
    Service,
}

const EVERYONE: [Who; 6] = [
    Who::Owner,
    Who::Admin,
    Who::Member,
    Who::Outsider,
    Who::Administrator,
    Who::Service,
];

/// A server with sign-in and the service token, on the model's fixture.
struct Scene {
    app: TestApp,
    sign_in: SignIn,
    world: World,
}

impl Scene {
    async fn new(app: TestApp) -> Scene {
        let world = World::build(&app).await;
        let sign_in = SignIn::default();
        let mut options = sign_in.options();
        options.extend_from_slice(&["--api-token", SERVICE]);
        options.extend_from_slice(UNLIMITED);
        let app = app.restarted_with(&options).await;
        Scene {
            app,
            sign_in,
            world,
        }
    }

    fn eyes(&self, who: Who) -> Eyes {
        match who {
            Who::Owner => Eyes::Of(model::OWNER),
            Who::Admin => Eyes::Of(model::ADMIN),
            Who::Member => Eyes::Of(model::MEMBER),
            Who::Outsider => Eyes::Of(model::OUTSIDER),
            Who::Administrator | Who::Service => Eyes::All,
        }
    }

    fn bearer(&self, who: Who) -> String {
        let id = |n: usize| self.world.users[n].id;
        match who {
            Who::Service => SERVICE.to_owned(),
            Who::Administrator => self.sign_in.token_with(json!({
                "sub": id(model::ADMINISTRATOR),
                "roles": ["userplan-admin"],
            })),
            _ => match self.eyes(who) {
                Eyes::Of(n) => self.sign_in.token(id(n)),
                Eyes::All => unreachable!("only the two above see everything"),
            },
        }
    }

    /// The `data` of a request that must succeed.
    async fn data(&self, who: Who, query: &str, variables: Value) -> Value {
        let response = self.app.post_as(&self.bearer(who), query, variables).await;
        assert!(response.get("errors").is_none(), "{who:?}: {response:#}");
        response["data"].clone()
    }

    /// The whole response body, but for the time its statements took (`extensions.sql.
    /// millis`, which the tests' `--sql-stats` adds). As JSON, not bytes: async-graphql 7.2
    /// writes an object's fields in the order they finish resolving (`do_resolve_container`),
    /// not the query's, so two answers alike may list their fields in different orders.
    async fn body(&self, who: Who, query: &str, variables: Value) -> Value {
        let response = (self.app.client().post(self.app.url("/graphql")))
            .bearer_auth(self.bearer(who))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let mut body: Value = response.json().await.expect("a JSON body");
        let sql = &mut body["extensions"]["sql"];
        assert!(sql["millis"].is_number(), "{body}");
        sql["millis"] = json!(0);
        body
    }
}

on_both_databases!(roots_show_what_the_viewer_sees_and_nothing_else);
async fn roots_show_what_the_viewer_sees_and_nothing_else(app: TestApp) {
    let scene = Scene::new(app).await;
    let world = &scene.world;
    let user = format!("query($id: UUID!) {{ user(id: $id) {{ ...U }} }} {USER_FIELDS}");
    let plan = format!("query($id: UUID!) {{ plan(id: $id) {{ ...P }} }} {PLAN_FIELDS}");
    let viewer = format!("{{ viewer {{ ...U }} }} {USER_FIELDS}");
    for who in EVERYONE {
        let eyes = scene.eyes(who);
        let users = world.users.iter().map(|u| u.id).chain([Uuid::now_v7()]);
        for id in users {
            let data = scene.data(who, &user, json!({ "id": id })).await;
            assert_eq!(
                data["user"],
                world.user_by_id(eyes, id),
                "{who:?} user {id}"
            );
        }
        for id in world.plans.iter().copied().chain([Uuid::now_v7()]) {
            let data = scene.data(who, &plan, json!({ "id": id })).await;
            assert_eq!(
                data["plan"],
                world.plan_by_id(eyes, id),
                "{who:?} plan {id}"
            );
        }
        let expected = match who {
            Who::Service => Value::Null,
            Who::Administrator => world.user(eyes, model::ADMINISTRATOR),
            _ => world.user(eyes, eyes.viewer().unwrap()),
        };
        assert_eq!(
            scene.data(who, &viewer, json!({})).await["viewer"],
            expected
        );
    }
}

on_both_databases!(aliases_read_every_object_and_link_in_one_request);
async fn aliases_read_every_object_and_link_in_one_request(app: TestApp) {
    let scene = Scene::new(app).await;
    let world = &scene.world;
    let mut fields = Vec::new();
    let mut expected = serde_json::Map::new();
    let nobody = Uuid::now_v7();
    for who in EVERYONE {
        let eyes = scene.eyes(who);
        fields.clear();
        expected.clear();
        let users = world.users.iter().map(|u| u.id).chain([nobody]);
        for (n, id) in users.enumerate() {
            fields.push(format!("u{n}: user(id: \"{id}\") {{ ...U }}"));
            expected.insert(format!("u{n}"), world.user_by_id(eyes, id));
            for (m, &plan) in world.plans.iter().enumerate() {
                fields.push(format!(
                    "l{n}_{m}: userPlan(userId: \"{id}\", planId: \"{plan}\") \
                     {{ role user {{ id planCount }} plan {{ id userCount }} }}"
                ));
                expected.insert(format!("l{n}_{m}"), world.user_plan(eyes, id, m));
            }
        }
        for (m, &id) in world.plans.iter().enumerate() {
            fields.push(format!("p{m}: plan(id: \"{id}\") {{ ...P }}"));
            expected.insert(format!("p{m}"), world.plan_by_id(eyes, id));
            // The same list under three argument sets, and twice under one.
            fields.push(format!(
                "q{m}: plan(id: \"{id}\") {{ all: users {{ id }} again: users {{ id }} \
                 owners: users(role: OWNER) {{ id }} one: users(first: 1) {{ id }} }}"
            ));
            expected.insert(format!("q{m}"), world.plan_lists(eyes, m));
        }
        let query = format!("{{ {} }} {USER_FIELDS} {PLAN_FIELDS}", fields.join(" "));
        let data = scene.data(who, &query, json!({})).await;
        assert_eq!(data, Value::Object(expected.clone()), "{who:?}");
    }
}

on_both_databases!(connections_list_and_count_visible_rows_under_every_filter);
async fn connections_list_and_count_visible_rows_under_every_filter(app: TestApp) {
    let scene = Scene::new(app).await;
    let world = &scene.world;
    let users = format!(
        "query($f: UserFilter, $o: UserOrder) {{ users(first: 100, filter: $f, orderBy: $o) \
         {{ totalCount nodes {{ ...U }} edges {{ node {{ id }} }} }} }} {USER_FIELDS}"
    );
    let plans = format!(
        "query($f: PlanFilter, $o: PlanOrder) {{ plans(first: 100, filter: $f, orderBy: $o) \
         {{ totalCount nodes {{ ...P }} edges {{ node {{ id }} }} }} }} {PLAN_FIELDS}"
    );
    for who in EVERYONE {
        let eyes = scene.eyes(who);
        for (filter, order) in world.user_filters() {
            let variables = json!({ "f": filter.json(), "o": order.json() });
            let data = scene.data(who, &users, variables.clone()).await;
            let expected = world.users_connection(eyes, &filter, order);
            assert_eq!(data["users"], expected, "{who:?} {variables}");
        }
        for (filter, order) in world.plan_filters() {
            let variables = json!({ "f": filter.json(), "o": order.json() });
            let data = scene.data(who, &plans, variables.clone()).await;
            let expected = world.plans_connection(eyes, &filter, order);
            assert_eq!(data["plans"], expected, "{who:?} {variables}");
        }
    }
}

on_both_databases!(pages_walk_the_visible_rows_both_ways);
async fn pages_walk_the_visible_rows_both_ways(app: TestApp) {
    let scene = Scene::new(app).await;
    for who in EVERYONE {
        let eyes = scene.eyes(who);
        for field in ["users", "plans"] {
            let expected = match field {
                "users" => scene.world.visible_users(eyes),
                _ => scene.world.visible_plans(eyes),
            };
            for forward in [true, false] {
                let walked = walk(&scene, who, field, forward, expected.len()).await;
                assert_eq!(walked, expected, "{who:?} {field} forward: {forward}");
            }
        }
    }
}

/// Every row of a connection, two a page, following the cursors forwards or backwards;
/// each page's totalCount is `total`.
async fn walk(scene: &Scene, who: Who, field: &str, forward: bool, total: usize) -> Vec<Uuid> {
    let (size, cursor, more, end) = if forward {
        ("first", "after", "hasNextPage", "endCursor")
    } else {
        ("last", "before", "hasPreviousPage", "startCursor")
    };
    let query = format!(
        "query($c: String) {{ {field}({size}: 2, {cursor}: $c) {{ totalCount \
         nodes {{ id }} pageInfo {{ {more} {end} }} }} }}"
    );
    let (mut ids, mut at) = (Vec::new(), Value::Null);
    loop {
        let data = scene.data(who, &query, json!({ "c": at })).await;
        let page = &data[field];
        assert_eq!(page["totalCount"], total, "{who:?} {field}");
        let mut page_ids = node_ids(&page["nodes"]);
        if !forward {
            page_ids.extend(ids);
            ids = page_ids;
        } else {
            ids.extend(page_ids);
        }
        if page["pageInfo"][more] != true {
            return ids;
        }
        assert!(ids.len() <= total, "{who:?} {field}: past the last row");
        at = page["pageInfo"][end].clone();
    }
}

/// Plan names out of their creation order, so that each ordering walks them otherwise; two
/// alike, which their ids order.
const PLAN_NAMES: [&str; 12] = ["k", "b", "f", "a", "j", "c", "l", "e", "h", "d", "b", "g"];

on_both_databases!(a_viewers_pages_of_plans_are_theirs_in_order_whatever_their_share);
/// A page of plans is read for a member on PostgreSQL by walking the page's first rows
/// and, when those do not fill it, the member's own plans after them: viewers in most,
/// half, few and one of the plans, every ordering, unfiltered and filtered by ids, page
/// sizes from 0 to past the end, both ways, each page against the viewer's plans sorted by
/// the test.
async fn a_viewers_pages_of_plans_are_theirs_in_order_whatever_their_share(app: TestApp) {
    let mut plans = Vec::new();
    for name in PLAN_NAMES {
        plans.push(app.create_plan(&format!("plan {name}")).await);
    }
    // The plans of each viewer, by their place in creation order.
    let shares: [&[usize]; 4] = [
        &[0, 1, 2, 3, 4, 6, 7, 8, 9, 11],
        &[0, 1, 2, 4, 6, 8, 10],
        &[10, 11],
        &[5],
    ];
    let mut viewers = Vec::new();
    for (n, share) in shares.into_iter().enumerate() {
        let viewer = (app.create_user(&format!("viewer{n}@example.com"), "Viewer")).await;
        let theirs: Vec<Uuid> = share.iter().map(|&plan| plans[plan]).collect();
        app.add_plans_to_user(viewer, &theirs).await.unwrap();
        viewers.push((viewer, share));
    }
    // Some of every viewer's plans and some of no one's.
    let named = [0, 1, 3, 5, 6, 9, 10];
    let named_ids: Vec<Uuid> = named.iter().map(|&plan| plans[plan]).collect();
    let filters = [
        (json!(null), None),
        (json!({ "ids": named_ids }), Some(named)),
    ];
    let sign_in = SignIn::default();
    let app = app.restarted_with(&sign_in.options()).await;
    let orders = ["INSERTED_AT", "NAME"].map(|field| [(field, "ASC"), (field, "DESC")]);
    for (viewer, share) in viewers {
        let token = sign_in.token(viewer);
        let cases = orders
            .iter()
            .flatten()
            .flat_map(|order| filters.iter().map(move |f| (order, f)));
        for ((field, direction), (filter, only)) in cases {
            let mut expected: Vec<usize> = (share.iter().copied())
                .filter(|plan| only.is_none_or(|only| only.contains(plan)))
                .collect();
            if *field == "NAME" {
                expected.sort_by_key(|&plan| (PLAN_NAMES[plan], plans[plan]));
            }
            if *direction == "DESC" {
                expected.reverse();
            }
            let expected: Vec<Uuid> = expected.iter().map(|&plan| plans[plan]).collect();
            let order = format!("{{ field: {field}, direction: {direction} }}");
            let none = format!(
                "query($f: PlanFilter) {{ plans(first: 0, filter: $f, orderBy: {order}) \
                 {{ nodes {{ id }} pageInfo {{ hasNextPage }} }} }}"
            );
            let page = &app.post_as(&token, &none, json!({ "f": filter })).await["data"]["plans"];
            let more = !expected.is_empty();
            assert_eq!(
                page,
                &json!({ "nodes": [], "pageInfo": { "hasNextPage": more } })
            );
            for size in [1, 2, 3, 5, 13] {
                for forward in [true, false] {
                    let walked = walk_plans(&app, &token, (filter, &order), size, forward).await;
                    let at = format!("{share:?} {filter} {order} size {size} forward: {forward}");
                    assert_eq!(walked, expected, "{at}");
                }
            }
        }
    }
}

/// Every plan of `plans(filter: filter, orderBy: order)` for this bearer, `size` a page,
/// following the cursors forwards or backwards.
async fn walk_plans(
    app: &TestApp,
    bearer: &str,
    (filter, order): (&Value, &str),
    size: u32,
    forward: bool,
) -> Vec<Uuid> {
    let (size_arg, cursor, more, end) = if forward {
        ("first", "after", "hasNextPage", "endCursor")
    } else {
        ("last", "before", "hasPreviousPage", "startCursor")
    };
    let query = format!(
        "query($c: String, $f: PlanFilter) {{ plans({size_arg}: {size}, {cursor}: $c, \
         filter: $f, orderBy: {order}) {{ nodes {{ id }} pageInfo {{ {more} {end} }} }} }}"
    );
    let (mut ids, mut at) = (Vec::new(), Value::Null);
    loop {
        let response = (app.post_as(bearer, &query, json!({ "c": at, "f": filter }))).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        let page = &response["data"]["plans"];
        let page_ids = node_ids(&page["nodes"]);
        assert!(page_ids.len() <= size as usize, "{query}: {page:#}");
        if forward {
            ids.extend(page_ids);
        } else {
            ids.splice(0..0, page_ids);
        }
        if page["pageInfo"][more] != true {
            return ids;
        }
        assert!(ids.len() <= PLAN_NAMES.len(), "{query}: past the last plan");
        at = page["pageInfo"][end].clone();
    }
}

on_both_databases!(batched_requests_each_show_what_the_viewer_sees);
async fn batched_requests_each_show_what_the_viewer_sees(app: TestApp) {
    let scene = Scene::new(app).await;
    let world = &scene.world;
    let users = format!("{{ users {{ totalCount nodes {{ ...U }} }} }} {USER_FIELDS}");
    let plans = format!("{{ plans {{ totalCount nodes {{ ...P }} }} }} {PLAN_FIELDS}");
    let user = format!("query($id: UUID!) {{ user(id: $id) {{ ...U }} }} {USER_FIELDS}");
    for who in EVERYONE {
        let eyes = scene.eyes(who);
        let others = world.users.iter().map(|u| u.id);
        let mut batch = vec![json!({ "query": users }), json!({ "query": plans })];
        batch.extend(others.map(|id| json!({ "query": user, "variables": { "id": id } })));
        let bearer = scene.bearer(who);
        let answers = scene.app.send(Some(&bearer), &Value::Array(batch)).await;
        let everything = model::Filter::default();
        let order = model::Order::default();
        let mut expected = vec![
            json!({ "users": without_edges(world.users_connection(eyes, &everything, order)) }),
            json!({ "plans": without_edges(world.plans_connection(eyes, &everything, order)) }),
        ];
        let others = world.users.iter().map(|u| u.id);
        expected.extend(others.map(|id| json!({ "user": world.user_by_id(eyes, id) })));
        let data: Vec<Value> = (answers.as_array().expect("one answer per request").iter())
            .map(|answer| answer["data"].clone())
            .collect();
        assert_eq!(data, expected, "{who:?}");
    }
}

fn without_edges(mut connection: Value) -> Value {
    connection.as_object_mut().unwrap().remove("edges");
    connection
}

on_both_databases!(hidden_objects_read_exactly_like_missing_ones);
async fn hidden_objects_read_exactly_like_missing_ones(app: TestApp) {
    let scene = Scene::new(app).await;
    let world = &scene.world;
    let user = format!("query($id: UUID!) {{ user(id: $id) {{ ...U }} }} {USER_FIELDS}");
    let plan = format!("query($id: UUID!) {{ plan(id: $id) {{ ...P }} }} {PLAN_FIELDS}");
    let membership = "query($u: UUID!, $p: UUID!) { userPlan(userId: $u, planId: $p) { role } }";
    let of_plan = format!(
        "query($id: UUID) {{ users(filter: {{ planId: $id }}) {{ totalCount nodes {{ ...U }} \
         pageInfo {{ hasNextPage endCursor }} }} }} {USER_FIELDS}"
    );
    let by_email = "query($e: String) { users(filter: { email: $e }) { totalCount nodes { id } } }";
    let of_user = format!(
        "query($id: UUID) {{ plans(filter: {{ userId: $id }}) {{ totalCount nodes {{ ...P }} }} }} \
         {PLAN_FIELDS}"
    );
    let mut compared = 0;
    for who in [Who::Owner, Who::Admin, Who::Member, Who::Outsider] {
        let eyes = scene.eyes(who);
        let missing = Uuid::now_v7();
        let same = async |query: &str, hidden: Value, absent: Value| {
            let seen = scene.body(who, query, hidden.clone()).await;
            assert_eq!(
                seen,
                scene.body(who, query, absent).await,
                "{who:?} {hidden}"
            );
        };
        for (n, person) in world.users.iter().enumerate() {
            if world.sees_user(eyes, n) {
                continue;
            }
            same(&user, json!({ "id": person.id }), json!({ "id": missing })).await;
            same(
                &of_user,
                json!({ "id": person.id }),
                json!({ "id": missing }),
            )
            .await;
            let email = json!({ "e": person.email });
            same(by_email, email, json!({ "e": "nobody@example.com" })).await;
            compared += 1;
        }
        for (m, &id) in world.plans.iter().enumerate() {
            if world.sees_plan(eyes, m) {
                continue;
            }
            same(&plan, json!({ "id": id }), json!({ "id": missing })).await;
            same(&of_plan, json!({ "id": id }), json!({ "id": missing })).await;
            for link in world.links.iter().filter(|link| link.plan == m) {
                let user = world.users[link.user].id;
                let absent = json!({ "u": user, "p": missing });
                same(membership, json!({ "u": user, "p": id }), absent).await;
            }
            compared += 1;
        }
    }
    assert!(
        compared >= 10,
        "the fixture hides enough from its viewers: {compared}"
    );
}

on_both_databases!(a_payload_shows_its_owner_and_lists_what_is_visible_after_the_change);
async fn a_payload_shows_its_owner_and_lists_what_is_visible_after_the_change(app: TestApp) {
    let scene = Scene::new(app).await;
    let world = &scene.world;
    let (member, plan) = (world.users[model::MEMBER].id, world.plans[0]);
    // MEMBER leaves plan 0, their only plan: it is hidden from them afterwards, but the
    // payload still shows it; its lists (and the link's ends) show what MEMBER sees now.
    let leave = "mutation($u: UUID!, $p: UUID!) { removeUsersFromPlan(planId: $p, \
                 userIds: [$u]) { removedUserIds plan { id name userCount users { id } \
                 memberships { userId } } } }";
    let data = scene
        .data(Who::Member, leave, json!({ "u": member, "p": plan }))
        .await;
    let expected = json!({
        "removedUserIds": [member],
        "plan": { "id": plan, "name": "Plan 0", "userCount": 0, "users": [], "memberships": [] },
    });
    assert_eq!(data["removeUsersFromPlan"], expected);
    let after = format!("query($id: UUID!) {{ plan(id: $id) {{ ...P }} }} {PLAN_FIELDS}");
    let data = scene.data(Who::Member, &after, json!({ "id": plan })).await;
    assert_eq!(data["plan"], Value::Null, "hidden from MEMBER now");

    // OWNER takes MEMBER back, and removes them again: MEMBER, whom OWNER saw through
    // plan 0 only, is hidden from OWNER afterwards but is the payload's owner.
    let join = "mutation($u: UUID!, $p: UUID!) { addUsersToPlan(planId: $p, userIds: [$u]) \
                { addedUserIds } }";
    let both = json!({ "u": member, "p": plan });
    scene.data(Who::Owner, join, both.clone()).await;
    let remove = "mutation($u: UUID!, $p: UUID!) { removePlansFromUser(userId: $u, \
                  planIds: [$p]) { user { id planCount plans { id } memberships { planId } } } }";
    let data = scene.data(Who::Owner, remove, both.clone()).await;
    let alone = json!({ "id": member, "planCount": 0, "plans": [], "memberships": [] });
    assert_eq!(data["removePlansFromUser"]["user"], alone);
    let user = "query($id: UUID!) { user(id: $id) { id } }";
    let data = scene.data(Who::Owner, user, json!({ "id": member })).await;
    assert_eq!(data["user"], Value::Null, "hidden from OWNER now");

    // Back in, MEMBER deletes the link: the join row's ends are shown.
    scene.data(Who::Owner, join, both.clone()).await;
    let delete = "mutation($u: UUID!, $p: UUID!) { deleteUserPlan(userId: $u, planId: $p) \
                  { user { id planCount plans { id } } plan { id userCount } } }";
    let data = scene.data(Who::Member, delete, both).await;
    let expected = json!({
        "user": { "id": member, "planCount": 0, "plans": [] },
        "plan": { "id": plan, "userCount": 0 },
    });
    assert_eq!(data["deleteUserPlan"], expected);
}

on_both_databases!(the_service_and_administrators_run_the_statements_of_a_server_without_sign_in);
async fn the_service_and_administrators_run_the_statements_of_a_server_without_sign_in(
    app: TestApp,
) {
    let world = World::build(&app).await;
    let (user, plan) = (world.users[model::OWNER].id, world.plans[0]);
    let queries = [
        format!("query($u: UUID!) {{ user(id: $u) {{ ...U }} }} {USER_FIELDS}"),
        format!("query($p: UUID!) {{ plan(id: $p) {{ ...P }} }} {PLAN_FIELDS}"),
        format!(
            "query($u: UUID, $p: UUID) {{ users(filter: {{ planId: $p }}) {{ totalCount \
             nodes {{ ...U }} }} plans(filter: {{ userId: $u }}) {{ totalCount nodes {{ ...P }} }} \
             }} {USER_FIELDS} {PLAN_FIELDS}"
        ),
        "query($u: UUID!, $p: UUID!) { userPlan(userId: $u, planId: $p) { role user { id } } }"
            .to_owned(),
    ];
    let variables = json!({ "u": user, "p": plan });
    let app = app.restarted_with(UNLIMITED).await;
    let mut without_sign_in = Vec::new();
    for query in &queries {
        without_sign_in.push(statements(&app, None, query, &variables).await);
    }
    let sign_in = SignIn::default();
    let mut options = sign_in.options();
    options.extend_from_slice(&["--api-token", SERVICE]);
    options.extend_from_slice(UNLIMITED);
    let scene = Scene {
        app: app.restarted_with(&options).await,
        sign_in,
        world,
    };
    for who in [Who::Service, Who::Administrator] {
        let bearer = scene.bearer(who);
        for (query, expected) in queries.iter().zip(&without_sign_in) {
            let sql = statements(&scene.app, Some(&bearer), query, &variables).await;
            assert_eq!(&sql, expected, "{who:?}: {query}");
        }
    }
    // And none of them tests what anyone sees: that is the members' condition.
    for sql in without_sign_in.iter().flatten() {
        assert!(!sql.contains(" seen") && !sql.contains(" mine"), "{sql}");
    }
    // Which the members' statements do have.
    let member = scene.bearer(Who::Member);
    let sql = statements(&scene.app, Some(&member), &queries[0], &variables).await;
    assert!(sql.iter().any(|sql| sql.contains(" seen")), "{sql:#?}");
}

/// The text of the statements a request ran, sorted: root fields resolve concurrently, so
/// their statements interleave in any order.
async fn statements(
    app: &TestApp,
    bearer: Option<&str>,
    query: &str,
    variables: &Value,
) -> Vec<String> {
    let statements = app.sql_of_as(bearer, query, variables.clone()).await;
    let mut texts: Vec<String> = statements.into_iter().map(|s| s.sql).collect();
    texts.sort();
    texts
}
