//! The GraphQL layer: types and resolvers that translate between the contract and the
//! service layer. No SQL here.

pub mod loaders;
pub mod mutation;
pub mod query;
pub mod schema;
pub mod types;

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use sea_orm::DatabaseConnection;

use loaders::SqlLoader;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked()
}

fn loader<'a>(ctx: &Context<'a>) -> &'a DataLoader<SqlLoader> {
    ctx.data_unchecked()
}
