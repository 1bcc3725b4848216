//! SeaORM entities for the three tables. No GraphQL here: the server wraps these models.

pub mod links;
pub mod plan;
pub mod text;
pub mod user;
pub mod user_plan;

pub use links::{PlanToUsers, UserToPlans};
