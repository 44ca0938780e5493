//! The transport a test runs over: plain TCP, or (feature `tls`) TLS with
//! a self-signed certificate for 127.0.0.1 made once per test binary and
//! trusted as its own CA. Lets the fault matrices run over both.

#![allow(dead_code)]

use voltdb::client::{Client, ClientBuilder};
use voltdb::testing::{TestServer, TestServerBuilder};
use voltdb::{FastSerializer, FastSerializerBuilder};

#[derive(Debug, Clone, Copy)]
pub enum Transport {
    Plain,
    #[cfg(feature = "tls")]
    Tls,
}

impl Transport {
    /// Starts the server of `b` speaking this transport.
    pub fn server(self, b: TestServerBuilder) -> TestServer {
        match self {
            Transport::Plain => b.start().unwrap(),
            #[cfg(feature = "tls")]
            Transport::Tls => {
                let (cert, key) = tls::pair();
                b.tls(cert.as_bytes(), key.as_bytes()).start().unwrap()
            }
        }
    }

    /// A `Client` builder for the test server at `port`.
    pub fn client(self, port: u16) -> ClientBuilder {
        let b = Client::builder().host("127.0.0.1", port);
        match self {
            Transport::Plain => b,
            #[cfg(feature = "tls")]
            Transport::Tls => b.tls(tls::config()),
        }
    }

    /// A `FastSerializer` builder for the test server at `port`.
    pub fn fast(self, port: u16) -> FastSerializerBuilder {
        let b = FastSerializer::builder("127.0.0.1", port);
        match self {
            Transport::Plain => b,
            #[cfg(feature = "tls")]
            Transport::Tls => b.tls(tls::config()),
        }
    }
}

#[cfg(feature = "tls")]
mod tls {
    use std::sync::OnceLock;

    /// The certificate and key (PEM).
    pub fn pair() -> &'static (String, String) {
        static PAIR: OnceLock<(String, String)> = OnceLock::new();
        PAIR.get_or_init(|| {
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            (cert.pem(), key.serialize_pem())
        })
    }

    pub fn config() -> voltdb::TlsConfig {
        voltdb::TlsConfig::new()
            .ca_pem(pair().0.as_bytes())
            .unwrap()
    }
}

/// Defines test `$plain` running `$body(Transport::Plain)` and, with the
/// `tls` feature, test `$tls` running `$body(Transport::Tls)`.
#[macro_export]
macro_rules! over_both {
    ($body:ident: $plain:ident, $tls:ident) => {
        #[test]
        fn $plain() {
            $body(Transport::Plain)
        }
        #[cfg(feature = "tls")]
        #[test]
        fn $tls() {
            $body(Transport::Tls)
        }
    };
}
