//! SQL text: identifier and string quoting, SQLite types, defaults and DDL.

mod ddl;
pub mod quote;
mod refill;

#[cfg(test)]
mod tests;

pub use ddl::*;
pub use refill::refill_tables;
