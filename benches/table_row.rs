//! One row of `just bench`'s table, appended to the file `BENCH_TABLE_FILE` names (when set):
//! benchmark, database, rate, p50, p99, errors, resident memory. `scripts/bench.sh` gathers them.

use std::io::Write;

pub struct Row<'a> {
    pub benchmark: &'a str,
    pub database: &'a str,
    pub rate: String,
    pub p50: String,
    pub p99: String,
    pub errors: usize,
    pub rss_mb: u64,
}

pub fn write(row: Row<'_>) {
    let Some(file) = std::env::var_os("BENCH_TABLE_FILE") else {
        return;
    };
    let line = format!(
        "| {} | {} | {} | {} | {} | {} | {} MB |\n",
        row.benchmark, row.database, row.rate, row.p50, row.p99, row.errors, row.rss_mb
    );
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(err) = written {
        eprintln!("cannot append to {}: {err}", file.to_string_lossy());
    }
}

/// `12,345` for a whole number.
pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
