//! Validates and plans a 300-table schema change and prints the median of several runs.
//! Run: `cargo run --release --example bench_schema`.

use astro_db::migrate::{plan_migration, PlanOptions};
use astro_db::schema::load_config;
use std::time::Instant;

/// A 300-table config; `variant` 1 changes a third of the tables (new columns, new indexes,
/// a type change, a new reference) so the planner exercises ALTER, rebuild and lossy paths.
fn config(variant: u32) -> String {
    let mut tables = Vec::new();
    for t in 0..300 {
        let mut cols = vec![
            "\"id\":{\"type\":\"number\",\"schema\":{\"primaryKey\":true}}".to_string(),
            "\"title\":{\"type\":\"text\",\"schema\":{\"label\":\"Title\"}}".to_string(),
            "\"body\":{\"type\":\"text\",\"schema\":{\"optional\":true,\"multiline\":true}}".to_string(),
            "\"published\":{\"type\":\"date\",\"schema\":{\"default\":{\"__serializedSQL\":true,\"sql\":\"CURRENT_TIMESTAMP\"}}}".to_string(),
            "\"meta\":{\"type\":\"json\",\"schema\":{\"default\":{\"tags\":[]}}}".to_string(),
            "\"status\":{\"type\":\"text\",\"schema\":{\"enum\":[\"draft\",\"live\"],\"default\":\"draft\"}}".to_string(),
        ];
        if t > 0 {
            cols.push(format!("\"parent\":{{\"type\":\"number\",\"schema\":{{\"optional\":true,\"references\":{{\"table\":\"T{}\",\"column\":\"id\"}}}}}}", t - 1));
        }
        let mut indexes = vec!["{\"on\":[\"title\",\"status\"]}".to_string()];
        if variant == 1 && t % 3 == 0 {
            match t % 4 {
                0 => cols.push("\"extra\":{\"type\":\"text\",\"schema\":{\"optional\":true}}".into()),
                1 => cols[1] = "\"title\":{\"type\":\"text\",\"schema\":{\"unique\":true}}".into(),
                2 => cols.push("\"score\":{\"type\":\"number\"}".into()),
                _ => indexes.push("{\"on\":\"body\",\"unique\":true}".into()),
            }
        }
        tables.push(format!("\"T{t}\":{{\"columns\":{{{}}},\"indexes\":[{}]}}", cols.join(","), indexes.join(",")));
    }
    format!("{{\"tables\":{{{}}}}}", tables.join(","))
}

fn main() {
    let (old_text, new_text) = (config(0), config(1));
    let old = load_config(&old_text).expect("old config is valid").schema;
    let mut times = Vec::new();
    let mut queries = 0;
    for _ in 0..15 {
        let start = Instant::now();
        let new = load_config(&new_text).expect("new config is valid");
        let plan = plan_migration(&old, &new.schema, PlanOptions::default());
        times.push(start.elapsed());
        queries = plan.queries.len();
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "validate + plan, 300 tables ({} KB config, {queries} queries): median {:.2} ms over {} runs (min {:.2} ms, max {:.2} ms)",
        new_text.len() / 1024,
        median.as_secs_f64() * 1e3,
        times.len(),
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
