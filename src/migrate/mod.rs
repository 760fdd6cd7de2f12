//! Migration planning: the diff of two schemas into ordered queries, with every lossy or
//! data-dependent step named so the caller can ask the database and the user.

mod checks;
mod plan;
mod report;
mod table;

#[cfg(test)]
mod golden_tests;

pub use plan::{plan_migration, PlanOptions};
pub use report::{Loss, Note, Plan, Safety, Step};
pub use table::{plan_table, TableChange};
