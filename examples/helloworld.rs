//! The classic VoltDB HelloWorld, as the Python client's seed example:
//!
//! ```python
//! client = FastSerializer("localhost", 21212)
//! proc = VoltProcedure(client, "Select", [FastSerializer.VOLTTYPE_STRING])
//! response = proc.call(["English"])
//! client.close()
//! print response
//! ```
//!
//! `cargo run --example helloworld` talks to `VOLTDB_HOST:VOLTDB_PORT`
//! (default localhost:21212). With `--embedded`, or when neither variable is
//! set and nothing listens on localhost:21212, it starts the crate's
//! in-process test server with HelloWorld preinstalled, and says so. A server
//! that was configured but cannot be reached is an error (exit status 1).

use std::error::Error;
use std::process::ExitCode;

use voltdb::testing::TestServer;
use voltdb::{FastSerializer, Status, Value, VoltProcedure, VoltType};

const DDL: &str = "CREATE TABLE HELLOWORLD (HELLO VARCHAR(15), WORLD VARCHAR(15), DIALECT VARCHAR(15) NOT NULL, PRIMARY KEY (DIALECT));
PARTITION TABLE HELLOWORLD ON COLUMN DIALECT;
CREATE PROCEDURE Insert PARTITION ON TABLE HELLOWORLD COLUMN DIALECT PARAMETER 2 AS INSERT INTO HELLOWORLD (HELLO, WORLD, DIALECT) VALUES (?, ?, ?);
CREATE PROCEDURE Select PARTITION ON TABLE HELLOWORLD COLUMN DIALECT AS SELECT HELLO, WORLD FROM HELLOWORLD WHERE DIALECT = ?;";

const GREETINGS: [(&str, &str, &str); 5] = [
    ("Hello", "World", "English"),
    ("Bonjour", "Monde", "French"),
    ("Hola", "Mundo", "Spanish"),
    ("Hej", "Verden", "Danish"),
    ("Ciao", "Mondo", "Italian"),
];

fn main() -> ExitCode {
    // Errors are printed once, here, with what was being done.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("helloworld: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let embedded = std::env::args().any(|a| a == "--embedded");
    let configured_host = std::env::var("VOLTDB_HOST").ok();
    let configured_port = std::env::var("VOLTDB_PORT").ok();
    // The embedded server stands in only for the default address.
    let may_fall_back = configured_host.is_none() && configured_port.is_none();
    let host = configured_host.unwrap_or_else(|| "localhost".into());
    let port: u16 = match configured_port {
        Some(p) => p
            .parse()
            .map_err(|e| format!("VOLTDB_PORT={p:?} is not a port number ({e})"))?,
        None => 21212,
    };

    // Keep the embedded server alive until the end of main.
    let mut _server = None;
    let client = if embedded {
        println!(
            "--embedded: starting the in-process VoltDB test server with HelloWorld preinstalled"
        );
        let server = TestServer::builder().helloworld(true).start()?;
        let fser = FastSerializer::new("127.0.0.1", server.port())?;
        _server = Some(server);
        fser
    } else {
        match FastSerializer::new(&host, port) {
            Ok(fser) => fser,
            Err(voltdb::Error::Io(e))
                if may_fall_back && e.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                println!(
                    "Nothing listens on {host}:{port} ({e}), and VOLTDB_HOST/VOLTDB_PORT are not set.\n\
                     Starting the in-process VoltDB test server with HelloWorld preinstalled instead."
                );
                let server = TestServer::builder().helloworld(true).start()?;
                let fser = FastSerializer::new("127.0.0.1", server.port())?;
                _server = Some(server);
                fser
            }
            Err(e) => return Err(format!("cannot connect to VoltDB at {host}:{port}: {e}").into()),
        }
    };
    println!(
        "Connected to {} (host id {:?}, connection id {:?})",
        client.build_string().unwrap_or_default(),
        client.host_id(),
        client.connection_id()
    );

    ensure_schema(&client)?;

    let insert = VoltProcedure::new(&client, "Insert", vec![VoltType::String; 3]);
    for (hello, world, dialect) in GREETINGS {
        let r = insert
            .call(&[hello.into(), world.into(), dialect.into()], true, None)?
            .ok_or("no response")?;
        // A second run finds the rows already there: a constraint violation is fine.
        if !r.is_success() && r.status != Status::GracefulFailure {
            return Err(format!("Insert {dialect} failed:\n{r:#}").into());
        }
    }

    // The seed example, line for line.
    let proc = VoltProcedure::new(&client, "Select", vec![VoltType::String]);
    let response = proc.call(&[Value::from("English")], true, None)?;
    client.close();
    if let Some(response) = response {
        // `{}` would print Python's text (`print response`); `{:#}` prints
        // the status and an aligned table.
        println!("{response:#}");
    }
    Ok(())
}

/// Creates the HELLOWORLD table and its procedures with `@AdHoc` DDL when
/// `@SystemCatalog PROCEDURES` does not list them.
fn ensure_schema(client: &FastSerializer) -> Result<(), Box<dyn Error>> {
    let catalog = client
        .call("@SystemCatalog", &["PROCEDURES".into()])?
        .ok()?;
    let mut have = Vec::new();
    if let Some(t) = catalog.table(0) {
        for row in t.rows() {
            have.push(row.get::<String>("PROCEDURE_NAME")?);
        }
    }
    if ["Insert", "Select"]
        .iter()
        .all(|p| have.iter().any(|h| h == p))
    {
        return Ok(());
    }
    println!("Creating the HELLOWORLD table and its procedures with @AdHoc DDL");
    client.adhoc(DDL, &[])?.ok()?;
    Ok(())
}
