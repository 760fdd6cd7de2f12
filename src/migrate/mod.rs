//! Migration planning: the diff of two schemas into ordered queries, with every lossy or
//! data-dependent step named so the caller can ask the database and the user.

pub mod checks;
mod hints;
mod plan;
mod report;
mod table;

#[cfg(test)]
mod golden_tests;

pub use hints::{Backfill, Hints, Rename};
pub use plan::{plan_migration, plan_migration_with, PlanOptions};
pub use report::{Loss, Note, Plan, Safety, Step};
pub use table::{plan_table, plan_table_with, TableChange};
