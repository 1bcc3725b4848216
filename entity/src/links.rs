//! Hand-written `Linked` paths across the join table; SeaORM generates `Related` but not these.

use sea_orm::entity::prelude::*;

use crate::{plan, user, user_plan};

/// user -> user_plans -> plans
#[derive(Debug, Clone, Copy)]
pub struct UserToPlans;

impl Linked for UserToPlans {
    type FromEntity = user::Entity;
    type ToEntity = plan::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![
            user_plan::Relation::User.def().rev(),
            user_plan::Relation::Plan.def(),
        ]
    }
}

/// plan -> user_plans -> users
#[derive(Debug, Clone, Copy)]
pub struct PlanToUsers;

impl Linked for PlanToUsers {
    type FromEntity = plan::Entity;
    type ToEntity = user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![
            user_plan::Relation::Plan.def().rev(),
            user_plan::Relation::User.def(),
        ]
    }
}
