//! The schema core: the canonical model of a `db/config.ts`, its validation with precise paths,
//! and the versioned snapshot JSON shared with upstream `@astrojs/db`.

pub mod json;
mod load;
pub mod model;
mod names;
mod parse_column;
mod parse_table;
pub mod problems;
pub mod snapshot;
mod validate;

#[cfg(test)]
mod tests;

pub use load::{load_config, load_snapshot, Loaded};
pub use model::*;
pub use problems::{Problem, Problems, INVALID_CONFIG_CODE};
