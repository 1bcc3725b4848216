//! The rows a test starts from, made through the API in the order they are declared:
//!
//! ```ignore
//! let fixture = app.fixture().users(2).plans(3).add_plans_to_user(0, &[0, 2]).build().await;
//! ```
//!
//! Users and plans are referred to by their position among the fixture's users or plans.

use uuid::Uuid;

use super::TestApp;
use super::memberships::MembershipMutation;

/// The ids of the rows a [`FixtureBuilder`] made, in the order it made them.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub users: Vec<Uuid>,
    pub plans: Vec<Uuid>,
}

#[must_use = "nothing is made until `build` is awaited"]
pub struct FixtureBuilder<'a> {
    app: &'a TestApp,
    steps: Vec<Step>,
    users: usize,
    plans: usize,
    /// Keeps the default emails of one fixture apart from another's on the same database.
    label: String,
    /// The credential every step is sent with, if any.
    bearer: Option<String>,
}

enum Step {
    User {
        email: String,
        name: String,
    },
    Plan {
        name: String,
    },
    CreateUserPlan {
        user: usize,
        plan: usize,
        role: String,
    },
    AddPlansToUser {
        user: usize,
        plans: Vec<usize>,
    },
}

impl TestApp {
    pub fn fixture(&self) -> FixtureBuilder<'_> {
        FixtureBuilder {
            app: self,
            steps: Vec::new(),
            users: 0,
            plans: 0,
            label: Uuid::new_v4().simple().to_string()[..8].to_owned(),
            bearer: None,
        }
    }
}

impl FixtureBuilder<'_> {
    /// `n` users named `User 0`, `User 1`... (counting the fixture's users), each with an
    /// email of its own.
    pub fn users(mut self, n: usize) -> Self {
        for _ in 0..n {
            let k = self.users;
            let email = format!("user{k}.{}@example.com", self.label);
            self = self.user(&email, &format!("User {k}"));
        }
        self
    }

    /// `n` plans named `Plan 0`, `Plan 1`... (counting the fixture's plans).
    pub fn plans(mut self, n: usize) -> Self {
        for _ in 0..n {
            let name = format!("Plan {}", self.plans);
            self = self.plan(&name);
        }
        self
    }

    /// Every step sent with this credential (on a server with sign-in, the API token).
    pub fn by(mut self, bearer: Option<&str>) -> Self {
        self.bearer = bearer.map(str::to_owned);
        self
    }

    pub fn user(mut self, email: &str, name: &str) -> Self {
        self.users += 1;
        self.steps.push(Step::User {
            email: email.to_owned(),
            name: name.to_owned(),
        });
        self
    }

    pub fn plan(mut self, name: &str) -> Self {
        self.plans += 1;
        self.steps.push(Step::Plan {
            name: name.to_owned(),
        });
        self
    }

    /// One membership with this role (createUserPlan).
    pub fn create_user_plan(mut self, user: usize, plan: usize, role: &str) -> Self {
        self.steps.push(Step::CreateUserPlan {
            user,
            plan,
            role: role.to_owned(),
        });
        self
    }

    /// The user joins these plans with the default role, in one addPlansToUser call (so
    /// in one statement, at one time).
    pub fn add_plans_to_user(mut self, user: usize, plans: &[usize]) -> Self {
        self.steps.push(Step::AddPlansToUser {
            user,
            plans: plans.to_vec(),
        });
        self
    }

    pub async fn build(self) -> Fixture {
        let app = self.app;
        let bearer = self.bearer.as_deref();
        let mut fixture = Fixture {
            users: Vec::new(),
            plans: Vec::new(),
        };
        for step in self.steps {
            match step {
                Step::User { email, name } => fixture
                    .users
                    .push(app.create_user_by(bearer, &email, &name).await),
                Step::Plan { name } => fixture.plans.push(app.create_plan_by(bearer, &name).await),
                Step::CreateUserPlan { user, plan, role } => {
                    let (user, plan) = (fixture.users[user], fixture.plans[plan]);
                    by(bearer, app.create_user_plan(user, plan).role(&role))
                        .await
                        .unwrap_or_else(|error| panic!("createUserPlan: {error}"));
                }
                Step::AddPlansToUser { user, plans } => {
                    let plans: Vec<Uuid> = plans.iter().map(|&plan| fixture.plans[plan]).collect();
                    by(bearer, app.add_plans_to_user(fixture.users[user], &plans))
                        .await
                        .unwrap_or_else(|error| panic!("addPlansToUser: {error}"));
                }
            }
        }
        fixture
    }
}

fn by<'a, T>(
    bearer: Option<&str>,
    mutation: MembershipMutation<'a, T>,
) -> MembershipMutation<'a, T> {
    match bearer {
        Some(bearer) => mutation.by(bearer),
        None => mutation,
    }
}
