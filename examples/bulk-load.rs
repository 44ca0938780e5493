//! Loads a CSV file into a table with a `BulkLoader`, showing a live
//! progress line and a summary; failed rows go to a file with their reason.
//!
//! ```text
//! # against the embedded test server (a CUSTOMERS table), with a generated file:
//! cargo run --release --example bulk-load -- --generate 100000 /tmp/customers.csv
//! # against a real server, into an existing table:
//! cargo run --release --example bulk-load -- --host localhost --port 21212 --table CUSTOMERS data.csv
//! ```
//!
//! Options: `--host H`, `--port P` (default 21212), `--user U`,
//! `--password W`, `--table T` (default CUSTOMERS), `--batch N` (rows per
//! batch), `--upsert`, `--no-header` (the first line is data),
//! `--failures FILE` (default `<csv>.failed.csv`), `--generate N` (first
//! write N generated CUSTOMERS rows to the CSV file, a few of them bad).
//!
//! Each CSV field is read as its column's type: integers, FLOAT and
//! DECIMAL as text numbers, TIMESTAMP as microseconds since the epoch,
//! VARBINARY as hex, `\N` (or an empty non-string field) as NULL.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use voltdb::client::bulk::{BulkLoader, Progress, RowFailure};
use voltdb::client::Client;
use voltdb::testing::{TableDef, TestServer};
use voltdb::{Decimal, Value, VoltType};

type Failures = csv::Writer<BufWriter<File>>;

struct Args {
    host: Option<String>,
    port: u16,
    user: String,
    password: String,
    table: String,
    batch: Option<usize>,
    upsert: bool,
    header: bool,
    failures: Option<String>,
    generate: Option<u64>,
    file: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: bulk-load [--host H] [--port P] [--user U] [--password W] [--table T] \
         [--batch N] [--upsert] [--no-header] [--failures FILE] [--generate N] FILE.csv"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        host: None,
        port: 21212,
        user: String::new(),
        password: String::new(),
        table: "CUSTOMERS".into(),
        batch: None,
        upsert: false,
        header: true,
        failures: None,
        generate: None,
        file: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--host" => a.host = Some(value()),
            "--port" => a.port = value().parse().unwrap_or_else(|_| usage()),
            "--user" => a.user = value(),
            "--password" => a.password = value(),
            "--table" => a.table = value(),
            "--batch" => a.batch = Some(value().parse().unwrap_or_else(|_| usage())),
            "--upsert" => a.upsert = true,
            "--no-header" => a.header = false,
            "--failures" => a.failures = Some(value()),
            "--generate" => a.generate = Some(value().parse().unwrap_or_else(|_| usage())),
            s if s.starts_with("--") => usage(),
            s => a.file = s.to_string(),
        }
    }
    if a.file.is_empty() {
        usage()
    }
    a
}

/// The table the embedded server has, and `--generate` writes rows for.
fn customers() -> TableDef {
    TableDef::new("CUSTOMERS")
        .column("ID", VoltType::BigInt)
        .column("NAME", VoltType::String)
        .column("EMAIL", VoltType::String)
        .column("BALANCE", VoltType::Decimal)
        .column("VISITS", VoltType::Integer)
        .primary_key(&["ID"])
        .partition_on("ID")
}

/// Writes `n` CUSTOMERS rows; every 25,000th reuses an earlier id (the
/// server refuses it) and every 40,000th has a bad VISITS field (refused
/// before sending).
fn generate(path: &str, n: u64) -> std::io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["id", "name", "email", "balance", "visits"])?;
    for i in 1..=n {
        let id = if i % 25_000 == 0 { i - 1 } else { i };
        let visits = if i % 40_000 == 0 {
            "many".to_string()
        } else {
            (i % 97).to_string()
        };
        w.write_record([
            id.to_string(),
            format!("Customer {i}"),
            format!("customer{i}@example.com"),
            format!("{}.{:02}", i % 10_000, i % 100),
            visits,
        ])?;
    }
    w.flush()
}

/// A CSV field as a value of column type `ty`.
fn field(text: &str, ty: VoltType) -> Result<Value, String> {
    let null = text == "\\N" || (text.is_empty() && ty != VoltType::String);
    if null {
        return Ok(Value::Null);
    }
    let bad = |e: &dyn std::fmt::Display| format!("{text:?} does not parse as {}: {e}", ty.name());
    Ok(match ty {
        VoltType::TinyInt | VoltType::SmallInt | VoltType::Integer | VoltType::BigInt => {
            Value::BigInt(text.trim().parse().map_err(|e| bad(&e))?)
        }
        VoltType::Timestamp => Value::Timestamp(voltdb::Timestamp::from_micros(
            text.trim().parse().map_err(|e| bad(&e))?,
        )),
        VoltType::Float => Value::Float(text.trim().parse().map_err(|e| bad(&e))?),
        VoltType::Decimal => Value::Decimal(text.trim().parse::<Decimal>().map_err(|e| bad(&e))?),
        VoltType::Varbinary => {
            Value::Varbinary(hex(text).ok_or_else(|| bad(&"odd or non-hex digits"))?)
        }
        _ => Value::from(text),
    })
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn write_failure(out: &mut Failures, line: u64, reason: &str, fields: &[String]) {
    let mut rec = vec![line.to_string(), reason.replace('\n', " | ")];
    rec.extend_from_slice(fields);
    if let Err(e) = out.write_record(&rec) {
        eprintln!("cannot write the failures file: {e}");
    }
}

fn show(v: &Value) -> String {
    match v {
        v if v.is_null() => "\\N".into(),
        Value::String(s) => s.clone(),
        Value::BigInt(i) => i.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Timestamp(t) => t.micros().to_string(),
        Value::Varbinary(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        v => format!("{v:?}"),
    }
}

/// Writes the rows the server refused (or whose outcome is unknown).
fn drain(loader: &BulkLoader, lines: &[u64], out: &mut Failures) {
    for f in loader.take_failures() {
        let RowFailure { position, row, .. } = &f;
        let line = lines.get(*position as usize).copied().unwrap_or(0);
        let fields: Vec<String> = row.iter().map(show).collect();
        write_failure(out, line, &f.reason(), &fields);
    }
}

fn progress_line(p: &Progress, refused: u64, started: Instant) -> String {
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    format!(
        "{:>9} rows read  {:>9} acknowledged  {:>5} failed  {:>9.0} rows/s",
        p.queued + refused,
        p.acknowledged,
        p.failed + refused,
        p.acknowledged as f64 / secs
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args();
    if let Some(n) = args.generate {
        generate(&args.file, n)?;
        println!("wrote {n} generated rows to {}", args.file);
    }
    // The embedded server lives as long as the load.
    let mut _server = None;
    let client = match &args.host {
        Some(host) => Client::builder()
            .host(host, args.port)
            .username(args.user.as_str())
            .password(args.password.as_str())
            .build()?,
        None => {
            let server = TestServer::builder()
                .partitions(8)
                .table(customers())
                .start()?;
            println!(
                "embedded test server on port {} (table CUSTOMERS)",
                server.port()
            );
            let c = Client::connection("127.0.0.1", server.port())?;
            _server = Some(server);
            c
        }
    };
    let mut builder = client.bulk_loader(&args.table).upsert(args.upsert);
    if let Some(n) = args.batch {
        builder = builder.batch_size(n);
    }
    let loader = builder.flush_interval(Duration::from_millis(200)).build()?;
    let types: Vec<VoltType> = loader.columns().iter().map(|c| c.ty).collect();
    let failures_path = args
        .failures
        .clone()
        .unwrap_or_else(|| format!("{}.failed.csv", args.file));
    // One line per failed row: its CSV line, the reason, then its fields.
    let mut failures = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(BufWriter::new(File::create(&failures_path)?));
    failures.write_record(["line", "reason", "fields..."])?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(args.header)
        .flexible(true)
        .from_path(&args.file)?;
    // The CSV line of each accepted row, by its position in the loader.
    let mut lines: Vec<u64> = Vec::new();
    let mut refused = 0u64;
    let started = Instant::now();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| -> Result<(), Box<dyn std::error::Error>> {
        s.spawn(|| {
            let mut out = std::io::stdout();
            while !done.load(Ordering::SeqCst) {
                let line = progress_line(&loader.progress(), 0, started);
                let _ = write!(out, "\r{line}");
                let _ = out.flush();
                std::thread::sleep(Duration::from_millis(250));
            }
        });
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record)? {
            let line = record.position().map_or(0, |p| p.line());
            let fields: Vec<String> = record.iter().map(str::to_string).collect();
            let row: Result<Vec<Value>, String> = if fields.len() != types.len() {
                Err(format!(
                    "{} fields for {} columns",
                    fields.len(),
                    types.len()
                ))
            } else {
                fields
                    .iter()
                    .zip(&types)
                    .map(|(f, ty)| field(f, *ty))
                    .collect()
            };
            let inserted = row.and_then(|r| loader.insert(r).map_err(|e| e.to_string()));
            match inserted {
                Ok(position) => {
                    debug_assert_eq!(position as usize, lines.len());
                    lines.push(line);
                }
                Err(reason) => {
                    refused += 1;
                    write_failure(&mut failures, line, &reason, &fields);
                }
            }
            if lines.len() % 50_000 == 0 {
                drain(&loader, &lines, &mut failures);
            }
        }
        loader.close();
        done.store(true, Ordering::SeqCst);
        Ok(())
    })?;
    drain(&loader, &lines, &mut failures);
    failures.flush()?;
    let p = loader.progress();
    println!("\r{}", progress_line(&p, refused, started));
    let secs = started.elapsed().as_secs_f64();
    println!(
        "done in {secs:.2} s: {} rows read, {} stored, {} refused before sending, {} failed at the server; failures in {failures_path}",
        p.queued + refused,
        p.acknowledged,
        refused,
        p.failed
    );
    if let Some(server) = &_server {
        println!(
            "table {} holds {} rows",
            args.table,
            server.table_rows(&args.table).map_or(0, |r| r.len())
        );
    }
    Ok(())
}
