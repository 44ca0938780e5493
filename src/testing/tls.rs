//! TLS on the test server (features `test-server` and `tls`): the server's
//! rustls configuration, and the server side of each connection's
//! handshake.

use std::io;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection};

use crate::connection::tls::{drive, TlsStream};
use crate::connection::Stream;

use super::conn::{after, TICK};
use super::node::Node;

/// The server's certificate and key, and the CA of the client certificates
/// it requires (if any), as given to the builder (PEM).
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSetup {
    pub(crate) cert_chain_pem: Vec<u8>,
    pub(crate) key_pem: Vec<u8>,
    pub(crate) client_ca_pem: Option<Vec<u8>>,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("test server TLS: {what}: {e}"),
    )
}

impl TlsSetup {
    /// The rustls server configuration (ring provider, TLS 1.2 and 1.3).
    pub(crate) fn server_config(&self) -> io::Result<Arc<ServerConfig>> {
        let chain = CertificateDer::pem_slice_iter(&self.cert_chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid("certificate chain PEM", e))?;
        if chain.is_empty() {
            return Err(invalid("certificate chain PEM", "no certificate"));
        }
        let key =
            PrivateKeyDer::from_pem_slice(&self.key_pem).map_err(|e| invalid("key PEM", e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("protocol versions", e))?;
        let builder = match &self.client_ca_pem {
            None => builder.with_no_client_auth(),
            Some(pem) => {
                let mut roots = RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(pem) {
                    let c = c.map_err(|e| invalid("client CA PEM", e))?;
                    roots.add(c).map_err(|e| invalid("client CA", e))?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| invalid("client CA", e))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder
            .with_single_cert(chain, key)
            .map_err(|e| invalid("certificate and key", e))?;
        Ok(Arc::new(config))
    }
}

/// The stream of a new connection: as it is, or after the server side of
/// the TLS handshake (within the login timeout; `None` if it failed, the
/// socket then dropped).
pub(crate) fn accept(node: &Node, mut sock: TcpStream) -> Option<Stream> {
    let Some(config) = &node.cluster.cfg.tls else {
        return Some(Stream::Plain(sock));
    };
    let deadline = after(Instant::now(), node.cluster.cfg.login_timeout);
    let mut conn = ServerConnection::new(Arc::clone(config)).ok()?.into();
    drive(&mut conn, &mut sock, deadline, TICK, &|| node.is_shutdown()).ok()?;
    sock.set_read_timeout(Some(TICK)).ok()?;
    Some(Stream::Tls(TlsStream::new(sock, conn)))
}
