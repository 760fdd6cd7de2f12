//! The ceiling for benchmark (a): N single-row inserts in one transaction through
//! the `libsql` crate's own API, with no JS in the loop. Prints `median_ms=<ms>`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut argv = std::env::args().skip(1);
    let n: usize = argv.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let rounds: usize = argv.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let dir = std::env::temp_dir().join(format!("astro-db-ceiling-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut times = Vec::new();
    for round in 0..rounds {
        let path = dir.join(format!("c{round}.db"));
        let ms = rt.block_on(async {
            let db = libsql::Builder::new_local(&path).build().await?;
            let conn = db.connect()?;
            conn.execute("create table item (id integer primary key, n integer not null, label text not null)", ()).await?;
            let start = Instant::now();
            conn.execute("BEGIN IMMEDIATE", ()).await?;
            let stmt = conn.prepare("insert into item (n, label) values (?, ?)").await?;
            for i in 0..n {
                stmt.execute(libsql::params![i as f64, format!("label {i}")]).await?;
                stmt.reset();
            }
            conn.execute("COMMIT", ()).await?;
            Ok::<_, libsql::Error>(start.elapsed().as_secs_f64() * 1000.0)
        })?;
        times.push(ms);
    }
    std::fs::remove_dir_all(&dir)?;
    times.sort_by(f64::total_cmp);
    println!("median_ms={:.1}", times[times.len() / 2]);
    Ok(())
}
