//! TLS on the client port (feature `tls`): [`TlsConfig`], what a client
//! verifies and presents, and the encrypted stream both clients run on.
//!
//! A VoltDB server with TLS on speaks it from the first byte of the
//! connection: the handshake, then the ordinary login inside it.
//!
//! - [`TlsConfig`]: roots, pinned certificate, server name, client
//!   certificate; turned into a rustls configuration once per config;
//! - `verify`: the verifier other than the standard one (pinned, or none);
//! - `stream`: the handshake and the stream shared by a reader and writers;
//! - `errors`: what a failed handshake means, in words.

mod errors;
mod stream;
mod verify;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

use crate::error::{Error, Result};

pub(crate) use errors::login_error;
#[cfg(feature = "test-server")]
pub(crate) use stream::drive;
pub(crate) use stream::{handshake, TlsStream};

/// Whom the client trusts.
#[derive(Clone)]
enum Trust {
    /// The operating system's root certificates.
    Platform,
    /// These CA certificates only.
    Roots(Vec<CertificateDer<'static>>),
    /// Exactly these server certificates (compared byte for byte).
    Pinned(Vec<CertificateDer<'static>>),
    /// Anyone: no verification.
    Anyone,
}

/// A client certificate chain and its private key (mutual TLS).
struct ClientAuth {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for ClientAuth {
    fn clone(&self) -> ClientAuth {
        ClientAuth {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// TLS settings of a connection (feature `tls`), for
/// [`FastSerializerBuilder::tls`](crate::FastSerializerBuilder::tls) and
/// [`ClientBuilder::tls`](crate::ClientBuilder::tls).
///
/// By default the server's certificate is verified against the operating
/// system's root certificates, for the host name the client connects to.
/// A VoltDB server usually has a certificate of its own CA or a self-signed
/// one: give that CA ([`ca_file`](Self::ca_file)) or pin the server's
/// certificate ([`pinned_cert_file`](Self::pinned_cert_file)). Clusters
/// advertise their nodes by IP address: when the certificates name a host
/// instead, set [`server_name`](Self::server_name).
///
/// ```no_run
/// use voltdb::{Client, TlsConfig};
/// let tls = TlsConfig::new().ca_file("volt-ca.pem")?.server_name("volt.example.com");
/// let client = Client::builder().host("10.0.0.5", 21212).tls(tls).build()?;
/// # Ok::<(), voltdb::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    trust: Trust,
    server_name: Option<String>,
    client_auth: Option<ClientAuth>,
    /// The rustls configuration, made on first use and shared by clones
    /// (a setter starts a new one).
    built: Arc<OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>>>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let trust = match &self.trust {
            Trust::Platform => "platform roots".to_string(),
            Trust::Roots(r) => format!("{} CA certificate(s)", r.len()),
            Trust::Pinned(p) => format!("{} pinned certificate(s)", p.len()),
            Trust::Anyone => "none (accepts invalid certificates)".to_string(),
        };
        f.debug_struct("TlsConfig")
            .field("trust", &trust)
            .field("server_name", &self.server_name)
            .field("client_cert", &self.client_auth.is_some())
            .finish()
    }
}

impl Default for TlsConfig {
    fn default() -> TlsConfig {
        TlsConfig::new()
    }
}

impl TlsConfig {
    /// Verify the server against the operating system's root certificates
    /// (loaded at the first connect), for the host name connected to.
    pub fn new() -> TlsConfig {
        TlsConfig {
            trust: Trust::Platform,
            server_name: None,
            client_auth: None,
            built: Arc::default(),
        }
    }

    /// Trust the CA certificates of this PEM file (and no others), e.g.
    /// the CA that signed the server's certificate, or a self-signed
    /// server certificate itself.
    pub fn ca_file(self, path: impl AsRef<Path>) -> Result<TlsConfig> {
        let path = path.as_ref();
        let pem = read_file(path, "CA certificate")?;
        let certs = certs_from_pem(&pem, "CA certificate").map_err(|e| in_file(path, e))?;
        Ok(self.with_trust(Trust::Roots(certs)))
    }

    /// [`ca_file`](Self::ca_file) from PEM text in memory.
    pub fn ca_pem(self, pem: &[u8]) -> Result<TlsConfig> {
        let certs = certs_from_pem(pem, "CA certificate").map_err(Error::Tls)?;
        Ok(self.with_trust(Trust::Roots(certs)))
    }

    /// Accept only a server that presents exactly this certificate (PEM;
    /// several in the file accept any of them). No CA is consulted, and
    /// the certificate's names and dates are not checked: the pin is the
    /// trust.
    pub fn pinned_cert_file(self, path: impl AsRef<Path>) -> Result<TlsConfig> {
        let path = path.as_ref();
        let pem = read_file(path, "pinned certificate")?;
        let certs = certs_from_pem(&pem, "certificate").map_err(|e| in_file(path, e))?;
        Ok(self.with_trust(Trust::Pinned(certs)))
    }

    /// [`pinned_cert_file`](Self::pinned_cert_file) from PEM text in memory.
    pub fn pinned_cert_pem(self, pem: &[u8]) -> Result<TlsConfig> {
        let certs = certs_from_pem(pem, "certificate").map_err(Error::Tls)?;
        Ok(self.with_trust(Trust::Pinned(certs)))
    }

    /// The name the server's certificate must carry (a DNS name or an IP
    /// address), instead of the host connected to. Clusters advertise their
    /// nodes by IP address: set this when their certificates carry a host
    /// name. Applies to every connection, discovered nodes included.
    pub fn server_name(mut self, name: impl Into<String>) -> TlsConfig {
        self.server_name = Some(name.into());
        self.built = Arc::default();
        self
    }

    /// Present this client certificate chain and key (PEM files) when the
    /// server asks for one (mutual TLS). The key may be PKCS#8, PKCS#1
    /// (RSA) or SEC1 (EC).
    pub fn client_cert_files(
        self,
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<TlsConfig> {
        let (chain, key) = (cert_chain.as_ref(), key.as_ref());
        let chain_pem = read_file(chain, "client certificate")?;
        let key_pem = read_file(key, "client key")?;
        let chain =
            certs_from_pem(&chain_pem, "client certificate").map_err(|e| in_file(chain, e))?;
        let key = key_from_pem(&key_pem).map_err(|e| in_file(key, e))?;
        Ok(self.with_client_auth(ClientAuth { chain, key }))
    }

    /// [`client_cert_files`](Self::client_cert_files) from PEM text in memory.
    pub fn client_cert_pem(self, cert_chain: &[u8], key: &[u8]) -> Result<TlsConfig> {
        let chain = certs_from_pem(cert_chain, "client certificate").map_err(Error::Tls)?;
        let key = key_from_pem(key).map_err(Error::Tls)?;
        Ok(self.with_client_auth(ClientAuth { chain, key }))
    }

    /// **Dangerous:** accept any server certificate, unverified: expired,
    /// self-signed, for another name, or an attacker's. The connection is
    /// encrypted but the server is not authenticated. For test rigs only;
    /// never the default.
    pub fn danger_accept_invalid_certs(self) -> TlsConfig {
        self.with_trust(Trust::Anyone)
    }

    fn with_client_auth(mut self, auth: ClientAuth) -> TlsConfig {
        self.client_auth = Some(auth);
        self.built = Arc::default();
        self
    }

    fn with_trust(mut self, trust: Trust) -> TlsConfig {
        self.trust = trust;
        self.built = Arc::default();
        self
    }

    /// The name to verify when connecting to `host`.
    pub(crate) fn name_for<'a>(&'a self, host: &'a str) -> &'a str {
        self.server_name.as_deref().unwrap_or(host)
    }

    /// The rustls configuration (made once, then shared).
    pub(crate) fn rustls(&self) -> Result<Arc<rustls::ClientConfig>> {
        self.built
            .get_or_init(|| self.build().map_err(|e| e.to_string()))
            .clone()
            .map_err(Error::Tls)
    }

    fn build(&self) -> Result<Arc<rustls::ClientConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(format!("cannot set up TLS: {e}")))?;
        let builder = match &self.trust {
            Trust::Platform => builder.with_root_certificates(platform_roots()?),
            Trust::Roots(certs) => {
                let mut roots = RootCertStore::empty();
                for c in certs {
                    roots
                        .add(c.clone())
                        .map_err(|e| Error::Tls(format!("unusable CA certificate: {e}")))?;
                }
                builder.with_root_certificates(roots)
            }
            Trust::Pinned(certs) => {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(verify::Pinned::new(
                        Some(certs.clone()),
                        &provider,
                    ))
            }
            Trust::Anyone => builder
                .dangerous()
                .with_custom_certificate_verifier(verify::Pinned::new(None, &provider)),
        };
        let config = match &self.client_auth {
            None => builder.with_no_client_auth(),
            Some(a) => builder
                .with_client_auth_cert(a.chain.clone(), a.key.clone_key())
                .map_err(|e| Error::Tls(format!("unusable client certificate or key: {e}")))?,
        };
        Ok(Arc::new(config))
    }
}

/// The operating system's root certificates; an error if none is usable.
fn platform_roots() -> Result<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map_or_else(|| "none installed".to_string(), |e| e.to_string());
        return Err(Error::Tls(format!(
            "no platform root certificates ({why}): give the server's CA with TlsConfig::ca_file"
        )));
    }
    Ok(roots)
}

/// Every certificate of a PEM text; an error if there is none.
fn certs_from_pem(
    pem: &[u8],
    what: &str,
) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| format!("bad {what} PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "no {what} in the PEM text (expected -----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certs)
}

/// The first private key of a PEM text.
fn key_from_pem(pem: &[u8]) -> std::result::Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| format!("no usable private key in the PEM text (PKCS#8, PKCS#1 or SEC1): {e}"))
}

/// A PEM problem in the file at `path`.
fn in_file(path: &Path, e: String) -> Error {
    Error::Tls(format!("{}: {e}", path.display()))
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot read the {what} file {}: {e}", path.display()),
        ))
    })
}
