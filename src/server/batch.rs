//! Batches: steps with conditions, run on one stream, as results or as cursor entries.

use super::error::ServeError;
use super::exec::{Db, RowSink, Sqls, StepEnd};
use super::proto::{Batch, BatchCond, BatchResult, Col, CursorEntry, Error, RowidEnc, StmtResult, Value};

/// Finds the SQL of a statement: inline, or stored earlier with `store_sql`.
pub fn resolve_sql<'a>(sql: Option<&'a str>, sql_id: Option<i32>, sqls: &'a Sqls) -> Result<&'a str, ServeError> {
    match (sql, sql_id) {
        (Some(sql), None) => Ok(sql),
        (None, Some(id)) => sqls.get(&id).map(String::as_str).ok_or_else(|| ServeError::protocol(format!("SQL text {id} not found"))),
        (Some(_), Some(_)) => Err(ServeError::protocol("Either `sql` or `sql_id` are required, but not both")),
        (None, None) => Err(ServeError::protocol("Either `sql` or `sql_id` are required")),
    }
}

/// Conditions may only look at earlier steps.
fn check_cond(cond: &BatchCond, step: usize) -> Result<(), ServeError> {
    match cond {
        BatchCond::Ok { step: s } | BatchCond::Error { step: s } if (*s as usize) < step => Ok(()),
        BatchCond::Ok { .. } | BatchCond::Error { .. } => {
            Err(ServeError::protocol("Invalid reference to step in a batch condition"))
        }
        BatchCond::Not { cond } => check_cond(cond, step),
        BatchCond::And { conds } | BatchCond::Or { conds } => conds.iter().try_for_each(|c| check_cond(c, step)),
        BatchCond::IsAutocommit {} => Ok(()),
    }
}

/// Outcome of each earlier step: `Some(true)` ok, `Some(false)` failed, `None` skipped.
fn eval(cond: &BatchCond, outcomes: &[Option<bool>], autocommit: bool) -> bool {
    let at = |s: &u32| outcomes.get(*s as usize).copied().flatten();
    match cond {
        BatchCond::Ok { step } => at(step) == Some(true),
        BatchCond::Error { step } => at(step) == Some(false),
        BatchCond::Not { cond } => !eval(cond, outcomes, autocommit),
        BatchCond::And { conds } => conds.iter().all(|c| eval(c, outcomes, autocommit)),
        BatchCond::Or { conds } => conds.iter().any(|c| eval(c, outcomes, autocommit)),
        BatchCond::IsAutocommit {} => autocommit,
    }
}

/// Receives a batch's output step by step.
pub trait BatchSink: RowSink {
    fn step_begin(&mut self, step: usize);
    fn step_ok(&mut self, step: usize, end: StepEnd);
    fn step_error(&mut self, step: usize, error: Error);
    fn step_skipped(&mut self, step: usize);
}

/// Runs a batch. Protocol errors, syntax errors and missing rights fail the whole request
/// (missing rights as soon as the authorizer sees them, which for a statement that compiles
/// only after an earlier step is when it runs); other errors fail their step and the batch
/// goes on.
pub fn run(db: &mut Db, batch: &Batch, sqls: &Sqls, sink: &mut dyn BatchSink) -> Result<(), ServeError> {
    let texts = check(db, batch, sqls)?;
    run_checked(db, batch, texts, sink)
}

/// The first half of [`run`]: the checks that fail the whole request, before any step runs;
/// returns each step's SQL.
pub fn check<'a>(db: &mut Db, batch: &'a Batch, sqls: &'a Sqls) -> Result<Vec<&'a str>, ServeError> {
    let mut texts = Vec::with_capacity(batch.steps.len());
    for (i, step) in batch.steps.iter().enumerate() {
        let sql = resolve_sql(step.stmt.sql.as_deref(), step.stmt.sql_id, sqls)?;
        if let Some(cond) = &step.condition {
            check_cond(cond, i)?;
        }
        db.check(sql, &step.stmt)?;
        texts.push(sql);
    }
    Ok(texts)
}

/// The second half of [`run`]: the steps, after [`check`].
pub fn run_checked(db: &mut Db, batch: &Batch, texts: Vec<&str>, sink: &mut dyn BatchSink) -> Result<(), ServeError> {
    let mut outcomes: Vec<Option<bool>> = Vec::with_capacity(texts.len());
    for (i, (step, sql)) in batch.steps.iter().zip(texts).enumerate() {
        if sink.stopped() {
            break;
        }
        let enabled = step.condition.as_ref().is_none_or(|c| eval(c, &outcomes, db.is_autocommit()));
        if !enabled {
            sink.step_skipped(i);
            outcomes.push(None);
            continue;
        }
        sink.step_begin(i);
        match db.run(sql, &step.stmt, sink) {
            Ok(end) => {
                sink.step_ok(i, end);
                outcomes.push(Some(true));
            }
            Err(ServeError::Stmt(e)) => {
                sink.step_error(i, e);
                outcomes.push(Some(false));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// A failure that ends a cursor after its entries began, as its last entry.
pub fn cursor_error(e: ServeError) -> CursorEntry {
    let error = match e {
        ServeError::Stmt(error) => error,
        ServeError::Forbidden(message) => Error { message, code: "FORBIDDEN".into() },
        other => Error { message: format!("{other:?}"), code: "SERVER_ERROR".into() },
    };
    CursorEntry::Error { error }
}

/// Collects one statement's result set.
#[derive(Default)]
pub struct ResultBuilder {
    cols: Vec<Col>,
    rows: Vec<Vec<Value>>,
}

impl RowSink for ResultBuilder {
    fn begin(&mut self, cols: Vec<Col>) {
        self.cols = cols;
        self.rows.clear();
    }
    fn row(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }
}

impl ResultBuilder {
    pub fn finish(&mut self, end: StepEnd) -> StmtResult {
        StmtResult {
            cols: std::mem::take(&mut self.cols),
            rows: std::mem::take(&mut self.rows),
            affected_row_count: end.affected_row_count,
            last_insert_rowid: end.last_insert_rowid,
            replication_index: None,
            rows_read: end.rows_read,
            rows_written: end.affected_row_count,
            query_duration_ms: end.query_duration_ms,
        }
    }
}

/// Builds a `BatchResult` (HTTP pipeline and WebSocket `batch`).
#[derive(Default)]
pub struct BatchCollector {
    current: ResultBuilder,
    pub result: BatchResult,
}

impl RowSink for BatchCollector {
    fn begin(&mut self, cols: Vec<Col>) {
        self.current.begin(cols)
    }
    fn row(&mut self, row: Vec<Value>) {
        self.current.row(row)
    }
}

impl BatchSink for BatchCollector {
    fn step_begin(&mut self, _step: usize) {}
    fn step_ok(&mut self, _step: usize, end: StepEnd) {
        self.result.step_results.push(Some(self.current.finish(end)));
        self.result.step_errors.push(None);
    }
    fn step_error(&mut self, _step: usize, error: Error) {
        self.current = ResultBuilder::default();
        self.result.step_results.push(None);
        self.result.step_errors.push(Some(error));
    }
    fn step_skipped(&mut self, _step: usize) {
        self.result.step_results.push(None);
        self.result.step_errors.push(None);
    }
}

/// Builds cursor entries (HTTP `/v3/cursor`, WebSocket `open_cursor`).
pub struct CursorCollector {
    pub entries: Vec<CursorEntry>,
    step: u32,
    /// Whether `step_end.last_insert_rowid` is a string (WebSocket) or a number (HTTP).
    rowid_as_str: bool,
}

impl CursorCollector {
    pub fn new(rowid_as_str: bool) -> Self {
        Self { entries: Vec::new(), step: 0, rowid_as_str }
    }
}

impl RowSink for CursorCollector {
    fn begin(&mut self, cols: Vec<Col>) {
        self.entries.push(CursorEntry::StepBegin { step: self.step, cols });
    }
    fn row(&mut self, row: Vec<Value>) {
        self.entries.push(CursorEntry::Row { row });
    }
}

impl BatchSink for CursorCollector {
    fn step_begin(&mut self, step: usize) {
        self.step = step as u32;
    }
    fn step_ok(&mut self, _step: usize, end: StepEnd) {
        let rowid = if self.rowid_as_str {
            RowidEnc::Str(end.last_insert_rowid)
        } else {
            RowidEnc::Number(end.last_insert_rowid)
        };
        self.entries.push(CursorEntry::StepEnd { affected_row_count: end.affected_row_count, last_insert_rowid: rowid });
    }
    fn step_error(&mut self, step: usize, error: Error) {
        self.entries.push(CursorEntry::StepError { step: step as u32, error });
    }
    fn step_skipped(&mut self, _step: usize) {}
}
