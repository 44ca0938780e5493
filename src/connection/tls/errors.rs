//! What a TLS failure means, in words that name the server and suggest the
//! setting to change.

use std::io;

use rustls::{AlertDescription, CertificateError};

use crate::connection::connect::server_name;
use crate::error::Error;

/// The error for a handshake with `server` that rustls rejected (`name`:
/// the name its certificate was checked against).
pub(super) fn handshake_failed(server: &str, name: &str, e: &rustls::Error) -> Error {
    let why = match e {
        rustls::Error::InvalidCertificate(c) => certificate(c, name),
        rustls::Error::AlertReceived(a) => alert(*a),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server's reply is not TLS (is TLS on for its client port?)".to_string()
        }
        _ => "the handshake failed".to_string(),
    };
    Error::Tls(format!("handshake with {server} failed: {why} ({e})"))
}

/// The error for a failed read during the login, which follows the
/// handshake: an alert then means the server refused what the client
/// presented (in TLS 1.3, a client certificate is judged after the client
/// has finished its handshake). Other errors are returned as they are.
pub(crate) fn login_error(e: io::Error, host: &str, port: u16) -> Error {
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return Error::Io(e);
    };
    let why = match tls {
        rustls::Error::AlertReceived(a) => alert(*a),
        _ => "the TLS session failed".to_string(),
    };
    let server = server_name(host, port);
    Error::Tls(format!(
        "{server} ended the session during login: {why} ({tls})"
    ))
}

fn certificate(c: &CertificateError, name: &str) -> String {
    match c {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the server's certificate has expired".to_string()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet".to_string()
        }
        CertificateError::UnknownIssuer => "the server's certificate is not signed by a \
            trusted CA (self-signed, or its CA not given: see TlsConfig::ca_file and \
            TlsConfig::pinned_cert_file)"
            .to_string(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!(
                "the server's certificate is not valid for the name {name:?} \
                 (set TlsConfig::server_name to a name it carries)"
            )
        }
        CertificateError::ApplicationVerificationFailure => {
            "the server's certificate is not the pinned certificate".to_string()
        }
        _ => "the server's certificate was refused".to_string(),
    }
}

fn alert(a: AlertDescription) -> String {
    use AlertDescription as A;
    match a {
        A::CertificateRequired => {
            "the server requires a client certificate (see TlsConfig::client_cert_files)"
                .to_string()
        }
        A::BadCertificate
        | A::UnknownCA
        | A::CertificateUnknown
        | A::CertificateRevoked
        | A::CertificateExpired
        | A::UnsupportedCertificate
        | A::AccessDenied => "the server refused the client certificate".to_string(),
        _ => format!("the server sent the alert {a:?}"),
    }
}
