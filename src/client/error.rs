//! How failures cross into JavaScript: SQLite errors become `Error`s carrying
//! `code`, `extendedCode` and `rawCode` (the JS layer turns them into `LibsqlError`s);
//! argument mistakes are thrown as `TypeError`/`RangeError` on the spot.

use napi::sys;
use napi::{Error, Status};

use super::raw::Js;
use crate::sqlite::SqliteError;

/// Why a call failed: a JS exception already thrown (or a napi failure), or SQLite.
pub enum Failure {
    Js(Error),
    Sqlite(SqliteError),
    /// A client-level condition with a libSQL-style code, e.g. `CLIENT_CLOSED`.
    Client { code: &'static str, message: String },
    /// Any other coded condition (lifecycle and schema errors).
    Coded { code: String, message: String },
    /// A failure of one row of a bulk entry: thrown with `rowIndex` = the row's index in the
    /// entry, so a seed's error can show the row at fault.
    AtRow { row: u32, failure: Box<Failure> },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Js(e)
    }
}

impl From<SqliteError> for Failure {
    fn from(e: SqliteError) -> Self {
        Failure::Sqlite(e)
    }
}

impl Failure {
    pub fn client(code: &'static str, message: impl Into<String>) -> Self {
        Failure::Client { code, message: message.into() }
    }

    /// Throws this failure into JS. `statement_index` marks the failing statement of a batch.
    pub fn throw(self, js: Js, statement_index: Option<u32>) -> Error {
        let (failure, row) = match self {
            Failure::AtRow { row, failure } => (*failure, Some(row)),
            other => (other, None),
        };
        let (code, extended, raw, message) = match failure {
            Failure::Js(e) => return e,
            Failure::AtRow { failure, .. } => return failure.throw(js, statement_index),
            Failure::Sqlite(e) => (e.code(), Some(e.extended_code()), Some(e.raw_code), e.message),
            Failure::Client { code, message } => (code.to_owned(), None, None, message),
            Failure::Coded { code, message } => (code, None, None, message),
        };
        let built = build_error(js, &code, extended.as_deref(), raw, &message, statement_index)
            .and_then(|err| match row {
                Some(row) => js.set_named(err, c"rowIndex", js.double(row as f64)?).map(|()| err),
                None => Ok(err),
            });
        match built {
            // SAFETY: live env; the error object was created in this call.
            Ok(err) => unsafe {
                sys::napi_throw(js.env(), err);
                Error::from_status(Status::PendingException)
            },
            Err(e) => e,
        }
    }
}

/// Creates (without throwing) an `Error` carrying `code` and the optional libSQL fields.
pub(crate) fn build_error(
    js: Js,
    code: &str,
    extended: Option<&str>,
    raw: Option<i32>,
    message: &str,
    statement_index: Option<u32>,
) -> napi::Result<sys::napi_value> {
    let code_v = js.string(code.as_bytes())?;
    let msg_v = js.string(message.as_bytes())?;
    let mut err = std::ptr::null_mut();
    // SAFETY: live env and string values of this call.
    let status = unsafe { sys::napi_create_error(js.env(), code_v, msg_v, &mut err) };
    if status != sys::Status::napi_ok {
        return Err(Error::from_status(Status::from(status)));
    }
    if let Some(ext) = extended {
        js.set_named(err, c"extendedCode", js.string(ext.as_bytes())?)?;
    }
    if let Some(raw) = raw {
        js.set_named(err, c"rawCode", js.double(raw as f64)?)?;
    }
    if let Some(i) = statement_index {
        js.set_named(err, c"statementIndex", js.double(i as f64)?)?;
    }
    Ok(err)
}
