//! What each client call sends, and how its results are read: the same pipelines and batch
//! conditions `@libsql/client` sends over HTTP, so that outcomes match it step for step.

use super::error::RemoteError;
use super::proto::{Batch, BatchResult, Cond, Request, Response, Step, Stmt, StmtResult, StreamResult};
use super::stream::Stream;

/// A failed call: the error, the batch statement at fault, and whether a transaction's
/// `BEGIN` failed (the transaction is then unusable).
#[derive(Debug)]
pub struct OpError {
    pub error: RemoteError,
    pub statement_index: Option<u32>,
}

impl From<RemoteError> for OpError {
    fn from(error: RemoteError) -> Self {
        OpError { error, statement_index: None }
    }
}

fn at(index: usize, error: RemoteError) -> OpError {
    OpError { error, statement_index: Some(index as u32) }
}

fn not_executed(index: usize, what: &str) -> OpError {
    at(
        index,
        RemoteError::statement(
            "TRANSACTION_CLOSED",
            format!("Statement in a {what} was not executed, probably because the transaction has been rolled back"),
        ),
    )
}

fn ok_and_in_transaction(prev: Option<usize>) -> Cond {
    let in_tx = Cond::Not { cond: Box::new(Cond::IsAutocommit {}) };
    match prev {
        Some(p) => Cond::And { conds: vec![Cond::Ok { step: p as u32 }, in_tx] },
        None => in_tx,
    }
}

fn take_one(result: StreamResult) -> Result<Response, RemoteError> {
    match result {
        StreamResult::Ok { response } => Ok(response),
        StreamResult::Error { error } => Err(RemoteError::server(error)),
        StreamResult::None => Err(RemoteError::protocol("The server returned no result for a request")),
    }
}

fn first(results: Vec<StreamResult>) -> Result<Response, RemoteError> {
    let r = results.into_iter().next().ok_or_else(|| RemoteError::protocol("The server returned no results"))?;
    take_one(r)
}

fn batch_result(response: Response) -> Result<BatchResult, RemoteError> {
    match response {
        Response::Batch { result } => Ok(result),
        _ => Err(RemoteError::protocol("Expected a batch result")),
    }
}

/// One statement; with `close`, the stream ends in the same request.
pub async fn execute(stream: &Stream, stmt: Stmt, close: bool) -> Result<StmtResult, OpError> {
    match first(stream.pipeline(vec![Request::Execute { stmt }], close).await?)? {
        Response::Execute { result } => Ok(result),
        _ => Err(RemoteError::protocol("Expected an execute result").into()),
    }
}

/// A SQL script, after an optional `BEGIN` (sent first, alone, so that the script never
/// runs outside the transaction when `BEGIN` fails).
pub async fn sequence(stream: &Stream, sql: String, begin: Option<String>, close: bool) -> Result<(), OpError> {
    if let Some(begin) = begin {
        // A failed BEGIN leaves no transaction to run the script in: the caller ends it.
        execute(stream, Stmt::plain(begin), false).await.map_err(|mut e| {
            e.error.fatal = true;
            e
        })?;
    }
    first(stream.pipeline(vec![Request::Sequence { sql }], close).await?)?;
    Ok(())
}

/// An all-or-nothing batch: `BEGIN`, each statement only if the previous one succeeded and
/// the transaction is still open, `COMMIT`, and `ROLLBACK` unless the commit succeeded.
/// `migrate` turns foreign keys off around it.
pub async fn atomic_batch(stream: &Stream, stmts: Vec<Stmt>, begin: String, fk_off: bool, close: bool) -> Result<Vec<StmtResult>, OpError> {
    let n = stmts.len();
    let mut steps = Vec::with_capacity(n + 5);
    if fk_off {
        steps.push(Step { condition: None, stmt: Stmt::plain("PRAGMA foreign_keys=off") });
    }
    let begin_at = steps.len();
    steps.push(Step { condition: None, stmt: Stmt::plain(begin) });
    for stmt in stmts {
        let prev = steps.len() - 1;
        steps.push(Step { condition: Some(ok_and_in_transaction(Some(prev))), stmt });
    }
    let commit_at = steps.len();
    steps.push(Step { condition: Some(ok_and_in_transaction(Some(commit_at - 1))), stmt: Stmt::plain("COMMIT") });
    let rollback = Cond::Not { cond: Box::new(Cond::Ok { step: commit_at as u32 }) };
    steps.push(Step { condition: Some(rollback), stmt: Stmt::plain("ROLLBACK") });
    if fk_off {
        steps.push(Step { condition: None, stmt: Stmt::plain("PRAGMA foreign_keys=on") });
    }
    let total = steps.len();
    let response = first(stream.pipeline(vec![Request::Batch { batch: Batch { steps } }], close).await?)?;
    let mut result = batch_result(response)?;
    check_len(&result, total)?;
    if let Some(e) = result.step_errors[begin_at].take() {
        return Err(RemoteError::server(e).into());
    }
    let out = collect(&mut result, begin_at + 1, n, "batch")?;
    if let Some(e) = result.step_errors[commit_at].take() {
        return Err(RemoteError::server(e).into());
    }
    Ok(out)
}

/// Statements inside an interactive transaction, each only if the previous one succeeded
/// and the transaction is still open. `begin` (the transaction's first call) goes first.
/// A failed `BEGIN` is reported without a statement index.
pub async fn transaction_batch(stream: &Stream, stmts: Vec<Stmt>, begin: Option<String>) -> Result<Vec<StmtResult>, OpError> {
    let n = stmts.len();
    let mut steps = Vec::with_capacity(n + 1);
    let has_begin = begin.is_some();
    if let Some(begin) = begin {
        steps.push(Step { condition: None, stmt: Stmt::plain(begin) });
    }
    for stmt in stmts {
        let prev = steps.len().checked_sub(1);
        steps.push(Step { condition: Some(ok_and_in_transaction(prev)), stmt });
    }
    let total = steps.len();
    let response = first(stream.pipeline(vec![Request::Batch { batch: Batch { steps } }], false).await?)?;
    let mut result = batch_result(response)?;
    check_len(&result, total)?;
    if has_begin {
        if let Some(e) = result.step_errors[0].take() {
            return Err(RemoteError { fatal: true, ..RemoteError::server(e) }.into());
        }
    }
    collect(&mut result, has_begin as usize, n, "transaction")
}

/// Independent statements in one request, outside any transaction: each runs whatever the
/// others did, and fails alone (the migration engine's reads).
pub async fn independent_batch(stream: &Stream, stmts: Vec<Stmt>, close: bool) -> Result<Vec<Result<StmtResult, RemoteError>>, OpError> {
    let n = stmts.len();
    let steps = stmts.into_iter().map(|stmt| Step { condition: None, stmt }).collect();
    let response = first(stream.pipeline(vec![Request::Batch { batch: Batch { steps } }], close).await?)?;
    let mut result = batch_result(response)?;
    check_len(&result, n)?;
    Ok((0..n)
        .map(|i| match result.step_errors[i].take() {
            Some(e) => Err(RemoteError::server(e)),
            None => result.step_results[i].take().ok_or_else(|| RemoteError::protocol("A batch step returned no result")),
        })
        .collect())
}

fn check_len(result: &BatchResult, total: usize) -> Result<(), RemoteError> {
    if result.step_results.len() != total || result.step_errors.len() != total {
        return Err(RemoteError::protocol(format!("The server answered a batch of {total} steps with a different number of results")));
    }
    Ok(())
}

fn collect(result: &mut BatchResult, from: usize, n: usize, what: &str) -> Result<Vec<StmtResult>, OpError> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if let Some(e) = result.step_errors[from + i].take() {
            return Err(at(i, RemoteError::server(e)));
        }
        match result.step_results[from + i].take() {
            Some(r) => out.push(r),
            None => return Err(not_executed(i, what)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_chain_on_the_previous_step() {
        let c = ok_and_in_transaction(Some(2));
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"type":"and","conds":[{"type":"ok","step":2},{"type":"not","cond":{"type":"is_autocommit"}}]}"#
        );
        assert_eq!(serde_json::to_string(&ok_and_in_transaction(None)).unwrap(), r#"{"type":"not","cond":{"type":"is_autocommit"}}"#);
    }

    #[test]
    fn collect_reports_the_failing_statement() {
        let err = super::super::proto::Error { message: "boom".into(), code: Some("SQLITE_ERROR".into()) };
        let ok = StmtResult { cols: vec![], rows: vec![], affected_row_count: 0, last_insert_rowid: None };
        let mut r = BatchResult { step_results: vec![Some(ok), None, None], step_errors: vec![None, Some(err), None] };
        let e = collect(&mut r, 0, 3, "batch").unwrap_err();
        assert_eq!(e.statement_index, Some(1));
        assert_eq!(e.error.code, "SQLITE_ERROR");
        let mut r = BatchResult { step_results: vec![None], step_errors: vec![None] };
        let e = collect(&mut r, 0, 1, "batch").unwrap_err();
        assert_eq!(e.error.code, "TRANSACTION_CLOSED");
    }
}
