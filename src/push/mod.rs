//! The one migration engine: for a local file or a libSQL server alike, read the stored
//! snapshot and the live schema, plan, ask the data, and apply atomically with the data
//! checks repeated inside the write transaction. Callers (the CLI, the dev/build lifecycle)
//! decide what to ask and print; this module decides what is safe.

mod consent;
mod engine;
mod error;
pub mod executor;
pub mod live;
mod local_exec;

pub use consent::{Consent, StepReport};
pub use engine::{push, PushOptions, PushReport, Status};
pub use error::PushError;
pub use executor::{run_ready, ExecError, Executor, Rows};

#[cfg(test)]
mod tests;
