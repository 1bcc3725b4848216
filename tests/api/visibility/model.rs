//! The fixture of the visibility tests, and what AUTH.md says each viewer sees of it,
//! computed from the fixture's own memberships (never from the server).

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;

/// The users' positions in the fixture that the matrix's viewers are.
pub const OWNER: usize = 0;
pub const ADMIN: usize = 1;
pub const MEMBER: usize = 2;
pub const OUTSIDER: usize = 6;
/// The user the administrator's token names (a member of a plan of their own).
pub const ADMINISTRATOR: usize = 5;

const PEOPLE: [&str; 8] = ["Olga", "Adam", "Mia", "Tom", "Una", "Sam", "Otto", "Vic"];
const PLANS: usize = 5;
/// (user, plan, role), in the order they are made. OWNER owns plan 0 and is a MEMBER of
/// plan 1, ADMIN is the ADMIN of plan 0 and owns plan 2, MEMBER is only in plan 0; plan 4
/// has nobody and OUTSIDER no plan.
const LINKS: [(usize, usize, &str); 11] = [
    (OWNER, 0, "OWNER"),
    (ADMIN, 0, "ADMIN"),
    (MEMBER, 0, "MEMBER"),
    (3, 1, "OWNER"),
    (OWNER, 1, "MEMBER"),
    (ADMIN, 2, "OWNER"),
    (3, 2, "MEMBER"),
    (4, 2, "ADMIN"),
    (ADMINISTRATOR, 3, "OWNER"),
    (4, 3, "MEMBER"),
    (7, 3, "MEMBER"),
];

pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

pub struct Link {
    pub user: usize,
    pub plan: usize,
    pub role: &'static str,
    /// Its place in the order the links were made.
    made: usize,
}

pub struct World {
    pub users: Vec<Person>,
    pub plans: Vec<Uuid>,
    pub links: Vec<Link>,
}

/// Whose eyes: everything (administrators, the service), or a user's (their position).
#[derive(Clone, Copy, Debug)]
pub enum Eyes {
    All,
    Of(usize),
}

impl Eyes {
    pub fn viewer(self) -> Option<usize> {
        match self {
            Eyes::All => None,
            Eyes::Of(n) => Some(n),
        }
    }
}

/// A connection's filter, as the model reads it; `json` is the GraphQL input.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    ids: Option<Vec<Uuid>>,
    email: Option<String>,
    name_contains: Option<String>,
    plan_id: Option<Uuid>,
    user_id: Option<Uuid>,
}

impl Filter {
    pub fn json(&self) -> Value {
        let mut input = serde_json::Map::new();
        let mut set = |name: &str, value: Value| input.insert(name.to_owned(), value);
        if let Some(ids) = &self.ids {
            set("ids", json!(ids));
        }
        if let Some(email) = &self.email {
            set("email", json!(email));
        }
        if let Some(needle) = &self.name_contains {
            set("nameContains", json!(needle));
        }
        if let Some(plan) = self.plan_id {
            set("planId", json!(plan));
        }
        if let Some(user) = self.user_id {
            set("userId", json!(user));
        }
        Value::Object(input)
    }
}

/// A connection's `orderBy`: the default (oldest first), or a field and a direction.
#[derive(Clone, Copy, Debug, Default)]
pub struct Order(Option<(&'static str, bool)>);

impl Order {
    pub fn json(self) -> Value {
        match self.0 {
            None => Value::Null,
            Some((field, descending)) => {
                json!({ "field": field, "direction": if descending { "DESC" } else { "ASC" } })
            }
        }
    }
}

impl World {
    /// The fixture, made through the API of a server without credentials.
    pub async fn build(app: &TestApp) -> World {
        let mut builder = app.fixture();
        for name in PEOPLE {
            builder = builder.user(&email_of(name), name);
        }
        for n in 0..PLANS {
            builder = builder.plan(&format!("Plan {n}"));
        }
        for (user, plan, role) in LINKS {
            builder = builder.create_user_plan(user, plan, role);
        }
        let fixture = builder.build().await;
        let users = (fixture.users.iter().zip(PEOPLE))
            .map(|(&id, name)| Person {
                id,
                email: email_of(name),
                name: name.to_owned(),
            })
            .collect();
        let links = (LINKS.iter().enumerate())
            .map(|(made, &(user, plan, role))| Link {
                user,
                plan,
                role,
                made,
            })
            .collect();
        World {
            users,
            plans: fixture.plans,
            links,
        }
    }

    fn plan_name(&self, plan: usize) -> String {
        format!("Plan {plan}")
    }

    fn is_member(&self, user: usize, plan: usize) -> bool {
        (self.links.iter()).any(|link| link.user == user && link.plan == plan)
    }

    /// A user sees the plans they are a member of.
    pub fn sees_plan(&self, eyes: Eyes, plan: usize) -> bool {
        match eyes {
            Eyes::All => true,
            Eyes::Of(viewer) => self.is_member(viewer, plan),
        }
    }

    /// A user sees themself and everyone sharing a plan with them.
    pub fn sees_user(&self, eyes: Eyes, user: usize) -> bool {
        match eyes {
            Eyes::All => true,
            Eyes::Of(viewer) => {
                viewer == user
                    || (0..self.plans.len())
                        .any(|plan| self.is_member(viewer, plan) && self.is_member(user, plan))
            }
        }
    }

    /// The user's links that the viewer sees (with their plans), in the plans' order.
    fn links_of_user(&self, eyes: Eyes, user: usize) -> Vec<&Link> {
        let mut links: Vec<&Link> = (self.links.iter())
            .filter(|link| link.user == user && self.sees_plan(eyes, link.plan))
            .collect();
        links.sort_by_key(|link| link.plan);
        links
    }

    /// The plan's links that the viewer sees (all of a plan they see), in the users' order.
    fn links_of_plan(&self, eyes: Eyes, plan: usize) -> Vec<&Link> {
        let mut links: Vec<&Link> = (self.links.iter())
            .filter(|link| link.plan == plan && self.sees_plan(eyes, link.plan))
            .collect();
        links.sort_by_key(|link| link.user);
        links
    }

    pub fn visible_users(&self, eyes: Eyes) -> Vec<Uuid> {
        (0..self.users.len())
            .filter(|&user| self.sees_user(eyes, user))
            .map(|user| self.users[user].id)
            .collect()
    }

    pub fn visible_plans(&self, eyes: Eyes) -> Vec<Uuid> {
        (0..self.plans.len())
            .filter(|&plan| self.sees_plan(eyes, plan))
            .map(|plan| self.plans[plan])
            .collect()
    }

    /// `user(id)` selecting the `U` fragment.
    pub fn user_by_id(&self, eyes: Eyes, id: Uuid) -> Value {
        match self.users.iter().position(|person| person.id == id) {
            Some(user) if self.sees_user(eyes, user) => self.user(eyes, user),
            _ => Value::Null,
        }
    }

    /// `plan(id)` selecting the `P` fragment.
    pub fn plan_by_id(&self, eyes: Eyes, id: Uuid) -> Value {
        match self.plans.iter().position(|&plan| plan == id) {
            Some(plan) if self.sees_plan(eyes, plan) => self.plan(eyes, plan),
            _ => Value::Null,
        }
    }

    /// `userPlan` of this user id and plan: a link is seen with its plan.
    pub fn user_plan(&self, eyes: Eyes, user_id: Uuid, plan: usize) -> Value {
        let link = (self.links.iter()).find(|link| {
            self.users[link.user].id == user_id && link.plan == plan && self.sees_plan(eyes, plan)
        });
        match link {
            None => Value::Null,
            Some(link) => json!({
                "role": link.role,
                "user": self.user_count(eyes, link.user),
                "plan": self.plan_count(eyes, link.plan),
            }),
        }
    }

    /// `plan(id) { all: users again: users owners: users(role: OWNER) one: users(first: 1) }`
    pub fn plan_lists(&self, eyes: Eyes, plan: usize) -> Value {
        if !self.sees_plan(eyes, plan) {
            return Value::Null;
        }
        let links = self.links_of_plan(eyes, plan);
        let ids = |links: &mut dyn Iterator<Item = &&Link>| -> Value {
            links
                .map(|link| json!({ "id": self.users[link.user].id }))
                .collect()
        };
        json!({
            "all": ids(&mut links.iter()),
            "again": ids(&mut links.iter()),
            "owners": ids(&mut links.iter().filter(|link| link.role == "OWNER")),
            "one": ids(&mut links.iter().take(1)),
        })
    }

    fn user_count(&self, eyes: Eyes, user: usize) -> Value {
        json!({ "id": self.users[user].id, "planCount": self.links_of_user(eyes, user).len() })
    }

    fn plan_count(&self, eyes: Eyes, plan: usize) -> Value {
        json!({ "id": self.plans[plan], "userCount": self.links_of_plan(eyes, plan).len() })
    }

    /// The `U` fragment of a user.
    pub fn user(&self, eyes: Eyes, user: usize) -> Value {
        let person = &self.users[user];
        let links = self.links_of_user(eyes, user);
        let plans: Vec<Value> = (links.iter())
            .map(|link| {
                let members = self.links_of_plan(eyes, link.plan);
                let users: Vec<Value> = (members.iter())
                    .map(|member| {
                        let theirs = self.links_of_user(eyes, member.user);
                        let plans: Vec<Value> = (theirs.iter())
                            .map(|their| json!({ "id": self.plans[their.plan] }))
                            .collect();
                        json!({
                            "id": self.users[member.user].id,
                            "planCount": theirs.len(),
                            "plans": plans,
                        })
                    })
                    .collect();
                let memberships: Vec<Value> = (newest_first(&members).iter())
                    .map(|member| {
                        json!({
                            "userId": self.users[member.user].id,
                            "role": member.role,
                            "user": self.user_count(eyes, member.user),
                        })
                    })
                    .collect();
                json!({
                    "id": self.plans[link.plan],
                    "name": self.plan_name(link.plan),
                    "userCount": members.len(),
                    "users": users,
                    "memberships": memberships,
                })
            })
            .collect();
        let memberships: Vec<Value> = (newest_first(&links).iter())
            .map(|link| {
                json!({
                    "planId": self.plans[link.plan],
                    "role": link.role,
                    "plan": self.plan_count(eyes, link.plan),
                })
            })
            .collect();
        json!({
            "id": person.id,
            "email": person.email,
            "name": person.name,
            "planCount": links.len(),
            "plans": plans,
            "memberships": memberships,
        })
    }

    /// The `P` fragment of a plan.
    pub fn plan(&self, eyes: Eyes, plan: usize) -> Value {
        let links = self.links_of_plan(eyes, plan);
        let users: Vec<Value> = (links.iter())
            .map(|link| {
                let theirs = self.links_of_user(eyes, link.user);
                let plans: Vec<Value> = (theirs.iter())
                    .map(|their| {
                        let members: Vec<Value> = (self.links_of_plan(eyes, their.plan).iter())
                            .map(|member| json!({ "id": self.users[member.user].id }))
                            .collect();
                        json!({
                            "id": self.plans[their.plan],
                            "userCount": members.len(),
                            "users": members,
                        })
                    })
                    .collect();
                let memberships: Vec<Value> = (newest_first(&theirs).iter())
                    .map(|their| {
                        json!({
                            "planId": self.plans[their.plan],
                            "role": their.role,
                            "plan": { "id": self.plans[their.plan] },
                        })
                    })
                    .collect();
                json!({
                    "id": self.users[link.user].id,
                    "planCount": theirs.len(),
                    "plans": plans,
                    "memberships": memberships,
                })
            })
            .collect();
        let memberships: Vec<Value> = (newest_first(&links).iter())
            .map(|link| {
                json!({
                    "userId": self.users[link.user].id,
                    "role": link.role,
                    "user": self.user_count(eyes, link.user),
                })
            })
            .collect();
        json!({
            "id": self.plans[plan],
            "name": self.plan_name(plan),
            "userCount": links.len(),
            "users": users,
            "memberships": memberships,
        })
    }

    /// Every filter of `users` (each alone, and two together), and each ordering.
    pub fn user_filters(&self) -> Vec<(Filter, Order)> {
        let nobody = Uuid::now_v7();
        let mut all_ids: Vec<Uuid> = self.users.iter().map(|person| person.id).collect();
        all_ids.push(nobody);
        let mut filters = vec![
            Filter::default(),
            Filter {
                ids: Some(all_ids),
                ..Filter::default()
            },
            Filter {
                email: Some("nobody@example.com".into()),
                ..Filter::default()
            },
            Filter {
                name_contains: Some("O".into()),
                ..Filter::default()
            },
            Filter {
                plan_id: Some(self.plans[0]),
                ids: Some(vec![self.users[OWNER].id, self.users[3].id]),
                ..Filter::default()
            },
        ];
        for person in &self.users {
            filters.push(Filter {
                email: Some(person.email.to_uppercase()),
                ..Filter::default()
            });
        }
        for plan in self.plans.iter().copied().chain([nobody]) {
            filters.push(Filter {
                plan_id: Some(plan),
                ..Filter::default()
            });
        }
        let mut cases: Vec<(Filter, Order)> = (filters.into_iter())
            .map(|filter| (filter, Order::default()))
            .collect();
        for order in [("NAME", false), ("EMAIL", true), ("INSERTED_AT", true)] {
            cases.push((Filter::default(), Order(Some(order))));
        }
        cases
    }

    /// Every filter of `plans` (each alone, and two together), and each ordering.
    pub fn plan_filters(&self) -> Vec<(Filter, Order)> {
        let nobody = Uuid::now_v7();
        let mut all_ids = self.plans.clone();
        all_ids.push(nobody);
        let mut filters = vec![
            Filter::default(),
            Filter {
                ids: Some(all_ids),
                ..Filter::default()
            },
            Filter {
                name_contains: Some("plan 1".into()),
                ..Filter::default()
            },
            Filter {
                user_id: Some(self.users[OWNER].id),
                name_contains: Some("1".into()),
                ..Filter::default()
            },
        ];
        for user in self.users.iter().map(|person| person.id).chain([nobody]) {
            filters.push(Filter {
                user_id: Some(user),
                ..Filter::default()
            });
        }
        let mut cases: Vec<(Filter, Order)> = (filters.into_iter())
            .map(|filter| (filter, Order::default()))
            .collect();
        for order in [("NAME", true), ("INSERTED_AT", true)] {
            cases.push((Filter::default(), Order(Some(order))));
        }
        cases
    }

    fn user_matches(&self, eyes: Eyes, user: usize, filter: &Filter) -> bool {
        let person = &self.users[user];
        self.sees_user(eyes, user)
            && (filter.ids.as_ref()).is_none_or(|ids| ids.contains(&person.id))
            && (filter.email.as_ref()).is_none_or(|email| email.to_lowercase() == person.email)
            && (filter.name_contains.as_ref())
                .is_none_or(|needle| contains_folded(&person.name, needle))
            && filter.plan_id.is_none_or(|plan_id| {
                (self.links_of_user(eyes, user).iter()).any(|link| self.plans[link.plan] == plan_id)
            })
    }

    fn plan_matches(&self, eyes: Eyes, plan: usize, filter: &Filter) -> bool {
        self.sees_plan(eyes, plan)
            && (filter.ids.as_ref()).is_none_or(|ids| ids.contains(&self.plans[plan]))
            && (filter.name_contains.as_ref())
                .is_none_or(|needle| contains_folded(&self.plan_name(plan), needle))
            && filter.user_id.is_none_or(|user_id| {
                (self.links_of_plan(eyes, plan).iter())
                    .any(|link| self.users[link.user].id == user_id)
            })
    }

    /// `users(first: 100, filter, orderBy) { totalCount nodes { ...U } edges { node { id } } }`
    pub fn users_connection(&self, eyes: Eyes, filter: &Filter, order: Order) -> Value {
        let mut rows: Vec<usize> = (0..self.users.len())
            .filter(|&user| self.user_matches(eyes, user, filter))
            .collect();
        // Users were made in the fixture's order, so their position is their creation
        // order (and their ids' order, the tie-breaker).
        match order.0 {
            None => {}
            Some(("NAME", _)) => rows.sort_by_key(|&user| self.users[user].name.clone()),
            Some(("EMAIL", _)) => rows.sort_by_key(|&user| self.users[user].email.clone()),
            Some(_) => {}
        }
        if order.0.is_some_and(|(_, descending)| descending) {
            rows.reverse();
        }
        let nodes: Vec<Value> = rows.iter().map(|&user| self.user(eyes, user)).collect();
        let edges: Vec<Value> = (rows.iter())
            .map(|&user| json!({ "node": { "id": self.users[user].id } }))
            .collect();
        json!({ "totalCount": rows.len(), "nodes": nodes, "edges": edges })
    }

    /// `plans(first: 100, filter, orderBy) { totalCount nodes { ...P } edges { node { id } } }`
    pub fn plans_connection(&self, eyes: Eyes, filter: &Filter, order: Order) -> Value {
        // Plan names sort as their numbers do, which is also their creation order.
        let mut rows: Vec<usize> = (0..self.plans.len())
            .filter(|&plan| self.plan_matches(eyes, plan, filter))
            .collect();
        if order.0.is_some_and(|(_, descending)| descending) {
            rows.reverse();
        }
        let nodes: Vec<Value> = rows.iter().map(|&plan| self.plan(eyes, plan)).collect();
        let edges: Vec<Value> = (rows.iter())
            .map(|&plan| json!({ "node": { "id": self.plans[plan] } }))
            .collect();
        json!({ "totalCount": rows.len(), "nodes": nodes, "edges": edges })
    }
}

fn email_of(name: &str) -> String {
    format!("{}@example.com", name.to_lowercase())
}

/// Substring match ignoring case, as `nameContains` does (these names are ASCII).
fn contains_folded(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(&needle.to_lowercase())
}

/// Memberships lists are newest first.
fn newest_first<'a>(links: &[&'a Link]) -> Vec<&'a Link> {
    let mut links = links.to_vec();
    links.sort_by_key(|link| std::cmp::Reverse(link.made));
    links
}
