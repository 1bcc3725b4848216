//! One `TestApp` method per membership mutation of the contract, named after it, sending
//! the shared document: a test reads as the call a client makes
//! (`app.add_plans_to_user(user, &plans).role("ADMIN").await`) and gets back what the call
//! reported, typed, or the error the server sent.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{TestApp, uuid, uuids};
use crate::documents::*;

/// What an add*, remove* or set* call reported, each list as the server sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<Uuid>,
    pub removed: Vec<Uuid>,
    pub unchanged: Vec<Uuid>,
}

impl Changes {
    /// The payload's lists of `noun` ids (`Plan` for a user's memberships, `User` for a
    /// plan's).
    fn read(payload: &Value, noun: &str) -> Self {
        Changes {
            added: uuids(&payload[format!("added{noun}Ids")]),
            removed: uuids(&payload[format!("removed{noun}Ids")]),
            unchanged: uuids(&payload[format!("unchanged{noun}Ids")]),
        }
    }
}

/// A row of `user_plans`: what createUserPlan, updateUserPlan and deleteUserPlan return,
/// and what [`TestApp::memberships`] reads from the table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Membership {
    pub user: Uuid,
    pub plan: Uuid,
    pub role: String,
}

impl Membership {
    pub fn new(user: Uuid, plan: Uuid, role: &str) -> Self {
        Membership {
            user,
            plan,
            role: role.to_owned(),
        }
    }

    fn read(row: &Value) -> Self {
        let role = row["role"]
            .as_str()
            .unwrap_or_else(|| panic!("no role: {row}"));
        Membership::new(uuid(&row["userId"]), uuid(&row["planId"]), role)
    }
}

/// A membership mutation, sent when awaited: `Ok` with what the call reported, or `Err`
/// with the first error as the server sent it (`error["extensions"]["code"]`, ...).
#[must_use = "the mutation is sent when awaited"]
pub struct MembershipMutation<'a, T> {
    app: &'a TestApp,
    document: &'static str,
    field: &'static str,
    variables: Map<String, Value>,
    read: fn(&Value) -> T,
    /// Sent as `Authorization: Bearer …` when set.
    bearer: Option<String>,
}

impl<T> MembershipMutation<'_, T> {
    /// The role of the memberships the call creates (add*, set*, createUserPlan).
    pub fn role(self, role: &str) -> Self {
        self.with("role", json!(role))
    }

    /// The ids the caller believes are the current set (set*): the call is refused with
    /// CONFLICT unless they are.
    pub fn expecting(self, ids: &[Uuid]) -> Self {
        let variable = ["expectedPlanIds", "expectedUserIds"]
            .into_iter()
            .find(|name| self.takes(name))
            .unwrap_or_else(|| panic!("{} takes no expected ids", self.field));
        self.with(variable, json!(ids))
    }

    /// Sent with this credential (a signed-in user's token, or the API token).
    pub fn by(mut self, bearer: &str) -> Self {
        self.bearer = Some(bearer.to_owned());
        self
    }

    fn takes(&self, variable: &str) -> bool {
        self.document.contains(&format!("${variable}:"))
    }

    fn with(mut self, variable: &str, value: Value) -> Self {
        assert!(self.takes(variable), "{} takes no ${variable}", self.field);
        self.variables.insert(variable.to_owned(), value);
        self
    }
}

impl<'a, T: Send + 'a> IntoFuture for MembershipMutation<'a, T> {
    type Output = Result<T, Value>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let variables = Value::Object(self.variables);
            let bearer = self.bearer.as_deref();
            let response = self.app.post_by(bearer, self.document, variables).await;
            match response.get("errors") {
                Some(errors) => Err(errors[0].clone()),
                None => Ok((self.read)(&response["data"][self.field])),
            }
        })
    }
}

impl TestApp {
    fn membership_mutation<T>(
        &self,
        document: &'static str,
        field: &'static str,
        variables: Value,
        read: fn(&Value) -> T,
    ) -> MembershipMutation<'_, T> {
        let Value::Object(variables) = variables else {
            unreachable!("variables are an object")
        };
        MembershipMutation {
            app: self,
            document,
            field,
            variables,
            read,
            bearer: None,
        }
    }

    pub fn add_plans_to_user(&self, user: Uuid, plans: &[Uuid]) -> MembershipMutation<'_, Changes> {
        let variables = json!({ "userId": user, "planIds": plans });
        self.membership_mutation(ADD_PLANS_TO_USER, "addPlansToUser", variables, |payload| {
            Changes::read(payload, "Plan")
        })
    }

    pub fn remove_plans_from_user(
        &self,
        user: Uuid,
        plans: &[Uuid],
    ) -> MembershipMutation<'_, Changes> {
        let variables = json!({ "userId": user, "planIds": plans });
        self.membership_mutation(
            REMOVE_PLANS_FROM_USER,
            "removePlansFromUser",
            variables,
            |payload| Changes::read(payload, "Plan"),
        )
    }

    pub fn set_user_plans(&self, user: Uuid, plans: &[Uuid]) -> MembershipMutation<'_, Changes> {
        let variables = json!({ "userId": user, "planIds": plans });
        self.membership_mutation(SET_USER_PLANS, "setUserPlans", variables, |payload| {
            Changes::read(payload, "Plan")
        })
    }

    pub fn add_users_to_plan(&self, plan: Uuid, users: &[Uuid]) -> MembershipMutation<'_, Changes> {
        let variables = json!({ "planId": plan, "userIds": users });
        self.membership_mutation(ADD_USERS_TO_PLAN, "addUsersToPlan", variables, |payload| {
            Changes::read(payload, "User")
        })
    }

    pub fn remove_users_from_plan(
        &self,
        plan: Uuid,
        users: &[Uuid],
    ) -> MembershipMutation<'_, Changes> {
        let variables = json!({ "planId": plan, "userIds": users });
        self.membership_mutation(
            REMOVE_USERS_FROM_PLAN,
            "removeUsersFromPlan",
            variables,
            |payload| Changes::read(payload, "User"),
        )
    }

    pub fn set_plan_users(&self, plan: Uuid, users: &[Uuid]) -> MembershipMutation<'_, Changes> {
        let variables = json!({ "planId": plan, "userIds": users });
        self.membership_mutation(SET_PLAN_USERS, "setPlanUsers", variables, |payload| {
            Changes::read(payload, "User")
        })
    }

    pub fn create_user_plan(&self, user: Uuid, plan: Uuid) -> MembershipMutation<'_, Membership> {
        let variables = json!({ "userId": user, "planId": plan });
        self.membership_mutation(
            CREATE_USER_PLAN,
            "createUserPlan",
            variables,
            Membership::read,
        )
    }

    pub fn update_user_plan(
        &self,
        user: Uuid,
        plan: Uuid,
        role: &str,
    ) -> MembershipMutation<'_, Membership> {
        let variables = json!({ "userId": user, "planId": plan, "role": role });
        self.membership_mutation(
            UPDATE_USER_PLAN,
            "updateUserPlan",
            variables,
            Membership::read,
        )
    }

    pub fn delete_user_plan(&self, user: Uuid, plan: Uuid) -> MembershipMutation<'_, Membership> {
        let variables = json!({ "userId": user, "planId": plan });
        self.membership_mutation(
            DELETE_USER_PLAN,
            "deleteUserPlan",
            variables,
            Membership::read,
        )
    }
}
