//! Per-change consent: `--accept-data-loss Comment.body` accepts the loss of exactly that
//! column's values, `--accept-data-loss Comment` every loss in table Comment. Conflicts (a
//! change the data cannot take) are never accepted: the data must be fixed.

use crate::migrate::{Loss, Safety, Step};

/// What the user consented to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consent {
    /// `Table` or `Table.column`, as given to `--accept-data-loss`.
    pub accept: Vec<String>,
}

impl Consent {
    /// Whether `step` loses data the user accepted to lose.
    pub fn accepts(&self, step: &Step) -> bool {
        step.safety == Safety::Lossy
            && self.accept.iter().any(|a| match a.split_once('.') {
                Some((t, c)) => t == step.table && step.column.as_deref() == Some(c),
                None => a == &step.table,
            })
    }
}

/// The flag that accepts `step`'s loss: the column for lost values, the table for lost rows.
pub fn flag_for(step: &Step) -> Option<String> {
    if step.safety != Safety::Lossy {
        return None;
    }
    Some(match (&step.column, step.loses) {
        (Some(c), Loss::Column) => format!("--accept-data-loss {}.{c}", step.table),
        _ => format!("--accept-data-loss {}", step.table),
    })
}

/// One step of the plan with what the data said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    pub step: Step,
    /// Rows the step's check found (`None`: not asked, the outcome does not depend on them).
    pub rows: Option<u64>,
    /// The push is refused because of this step.
    pub blocking: bool,
    /// The loss was accepted with `--accept-data-loss`.
    pub accepted: bool,
    /// The flag that would accept it (lossy steps only).
    pub flag: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(table: &str, column: Option<&str>, loses: Loss) -> Step {
        let mut s = Step::safe("dropColumn", table, column, String::new());
        s.safety = Safety::Lossy;
        s.loses = loses;
        s
    }

    #[test]
    fn consent_names_exactly_a_column_or_a_table() {
        let c = Consent { accept: vec!["Comment.body".into(), "Post".into()] };
        assert!(c.accepts(&step("Comment", Some("body"), Loss::Column)));
        assert!(!c.accepts(&step("Comment", Some("title"), Loss::Column)));
        assert!(!c.accepts(&step("Comment", None, Loss::Table)));
        assert!(c.accepts(&step("Post", Some("x"), Loss::Table)));
        assert_eq!(flag_for(&step("Comment", Some("body"), Loss::Column)).as_deref(), Some("--accept-data-loss Comment.body"));
        assert_eq!(flag_for(&step("Comment", Some("rating"), Loss::Table)).as_deref(), Some("--accept-data-loss Comment"));
    }
}
