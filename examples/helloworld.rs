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
//! (default localhost:21212). When nothing listens there, or with
//! `--embedded`, it starts the crate's in-process test server with HelloWorld
//! preinstalled, and says so.

use std::error::Error;

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

fn main() -> Result<(), Box<dyn Error>> {
    let embedded = std::env::args().any(|a| a == "--embedded");
    let host = std::env::var("VOLTDB_HOST").unwrap_or_else(|_| "localhost".into());
    let port: u16 = match std::env::var("VOLTDB_PORT") {
        Ok(p) => p.parse()?,
        Err(_) => 21212,
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
            Err(voltdb::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                println!(
                    "Nothing listens on {host}:{port} ({e}).\n\
                     Starting the in-process VoltDB test server with HelloWorld preinstalled instead."
                );
                let server = TestServer::builder().helloworld(true).start()?;
                let fser = FastSerializer::new("127.0.0.1", server.port())?;
                _server = Some(server);
                fser
            }
            Err(e) => {
                eprintln!("Cannot connect to VoltDB at {host}:{port}: {e}");
                return Err(e.into());
            }
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
            return Err(format!("Insert {dialect} failed: {r}").into());
        }
    }

    // The seed example, line for line.
    let proc = VoltProcedure::new(&client, "Select", vec![VoltType::String]);
    let response = proc.call(&[Value::from("English")], true, None)?;
    client.close();
    if let Some(response) = response {
        println!("{response}");
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
