//! The operations tests send most, one `.graphql` file each in `documents/`, written as a
//! client writes them: variables named after the arguments, the payload the contract
//! defines. A test that needs another selection (aliases, nested fields, a literal that is
//! the point of the case) keeps its own document beside it.

/// `$input: CreateUserInput!`.
pub const CREATE_USER: &str = include_str!("documents/create_user.graphql");
/// `$id`, `$input: UpdateUserInput!`.
pub const UPDATE_USER: &str = include_str!("documents/update_user.graphql");
/// `$id`.
pub const DELETE_USER: &str = include_str!("documents/delete_user.graphql");

/// `$input: CreatePlanInput!`.
pub const CREATE_PLAN: &str = include_str!("documents/create_plan.graphql");
/// `$id`, `$input: UpdatePlanInput!`.
pub const UPDATE_PLAN: &str = include_str!("documents/update_plan.graphql");
/// `$id`.
pub const DELETE_PLAN: &str = include_str!("documents/delete_plan.graphql");

/// The join row's own mutations: `$userId`, `$planId`, `$role` (optional on create).
pub const CREATE_USER_PLAN: &str = include_str!("documents/create_user_plan.graphql");
pub const UPDATE_USER_PLAN: &str = include_str!("documents/update_user_plan.graphql");
pub const DELETE_USER_PLAN: &str = include_str!("documents/delete_user_plan.graphql");

/// A user's memberships: `$userId`, `$planIds`, and `$role` (add, set) and
/// `$expectedPlanIds` (set), both optional.
pub const ADD_PLANS_TO_USER: &str = include_str!("documents/add_plans_to_user.graphql");
pub const REMOVE_PLANS_FROM_USER: &str = include_str!("documents/remove_plans_from_user.graphql");
pub const SET_USER_PLANS: &str = include_str!("documents/set_user_plans.graphql");

/// A plan's memberships: `$planId`, `$userIds`, and `$role` (add, set) and
/// `$expectedUserIds` (set), both optional.
pub const ADD_USERS_TO_PLAN: &str = include_str!("documents/add_users_to_plan.graphql");
pub const REMOVE_USERS_FROM_PLAN: &str = include_str!("documents/remove_users_from_plan.graphql");
pub const SET_PLAN_USERS: &str = include_str!("documents/set_plan_users.graphql");

/// The rows a filter selects and their count: `$filter: UserFilter` / `PlanFilter`.
pub const USERS: &str = include_str!("documents/users.graphql");
pub const PLANS: &str = include_str!("documents/plans.graphql");
