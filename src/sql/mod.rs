//! SQL text: identifier and string quoting, SQLite types, defaults and DDL.

mod ddl;
pub mod quote;

#[cfg(test)]
mod tests;

pub use ddl::*;
