//! The thin `#[napi]` surface. Only conversion happens here; the logic lives in `schema`,
//! `sql`, `migrate` and `typegen`.

pub mod schema;
pub mod local;
pub mod push;
pub mod dump;
