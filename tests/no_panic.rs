//! Robustness: arbitrary and mutated JSON fed to `load_config`, `load_snapshot` and the planner
//! never panics. Bounded by `SCHEMA_FUZZ_CASES` (default 20,000) and `SCHEMA_FUZZ_SECONDS`
//! (default 20).

mod common;

use astro_db::migrate::{plan_migration, PlanOptions};
use astro_db::schema::{load_config, load_snapshot};
use astro_db::typegen;
use common::*;

const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "0", "-1.5e400", "1e21",
    "\"tables\"", "\"columns\"", "\"type\"", "\"schema\"", "\"text\"", "\"number\"", "\"json\"",
    "\"references\"", "\"table\"", "\"column\"", "\"indexes\"", "\"on\"", "\"foreignKeys\"",
    "\"primaryKey\"", "\"default\"", "\"enum\"", "\"sql\"", "\"__serializedSQL\"", "\"T\"", "\"c\"",
    "\"\\u0000\"", "\"é\"", "\"integrations\"", "\"name\"", "\"version\"", "\"2024-03-12\"",
];

/// Applies a few byte- or token-level edits to valid JSON.
fn mutate_text(rng: &mut Rng, text: &str) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        if s.is_empty() {
            break;
        }
        let at = rng.below(s.len() as u64) as usize;
        match rng.below(4) {
            0 => {
                s.remove(at);
            }
            1 => s.insert(at, *rng.pick(&['{', '}', '[', ']', '"', ',', ':', '0', 'x'])),
            2 => {
                for (i, c) in rng.pick(TOKENS).chars().enumerate() {
                    s.insert(at + i, c);
                }
            }
            _ => {
                let end = (at + 1 + rng.below(20) as usize).min(s.len());
                s.drain(at..end);
            }
        }
    }
    s.into_iter().collect()
}

fn random_tokens(rng: &mut Rng) -> String {
    (0..rng.below(60)).map(|_| *rng.pick(TOKENS)).collect::<Vec<_>>().join("")
}

fn exercise(text: &str, other: &str) {
    let _ = load_config(text);
    if let (Ok(a), Ok(b)) = (load_snapshot(text, false), load_snapshot(other, true)) {
        let _ = plan_migration(&a, &b, PlanOptions::default());
        let _ = plan_migration(&b, &a, PlanOptions { reset: true });
        let _ = typegen::dts(&b);
    }
    if let Ok(l) = load_config(text) {
        let _ = plan_migration(&l.schema, &l.schema, PlanOptions::default());
        let _ = load_snapshot(&l.snapshot_json, true).expect("own snapshot must load");
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let n = cases("SCHEMA_FUZZ_CASES", 20_000);
    let limit = std::time::Duration::from_secs(cases("SCHEMA_FUZZ_SECONDS", 20));
    let started = std::time::Instant::now();
    let mut rng = Rng::new(cases("SCHEMA_FUZZ_SEED", 7));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    exercise(&deep, &deep);
    let mut done = 0;
    while done < n && started.elapsed() < limit {
        let base = to_config(&gen_schema(&mut rng));
        let snapshot = load_config(&base).map(|l| l.snapshot_json).unwrap_or_default();
        let text = match rng.below(4) {
            0 => random_tokens(&mut rng),
            1 => mutate_text(&mut rng, &base),
            _ => mutate_text(&mut rng, &snapshot),
        };
        let other = mutate_text(&mut rng, &snapshot);
        exercise(&text, &other);
        exercise(&other, &snapshot);
        done += 1;
    }
    eprintln!("{done} robustness cases in {:?}", started.elapsed());
}
