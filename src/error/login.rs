//! Login failures: the server refused the login, or the peer is not a VoltDB client port.

use std::time::Duration;

use super::ProtocolError;

/// What a peer that is not a VoltDB client port answered the login with
/// (see [`Error::NotVoltDb`](super::Error::NotVoltDb)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ForeignAnswer {
    /// Bytes starting with `HTTP`: a web server (such as VoltDB's own HTTP
    /// port, 8080 by default, rather than its client port, 21212).
    #[error("is not a VoltDB client port: it answered like an HTTP server")]
    Http,
    /// A TLS record header: the server expects TLS.
    #[error("expects TLS: it answered the plain-text login with a TLS record")]
    Tls,
    /// Anything else that cannot be a login response.
    #[error("is not a VoltDB client port: {0}")]
    Garbage(ProtocolError),
}

impl ForeignAnswer {
    /// What the first bytes of a login answer say about the peer.
    pub(crate) fn classify(first: &[u8], problem: ProtocolError) -> ForeignAnswer {
        match first {
            [b'H', b'T', b'T', b'P', ..] => ForeignAnswer::Http,
            // A TLS record: handshake (0x16) or alert (0x15), version 3.x.
            [0x15 | 0x16, 0x03, v, ..] if *v <= 0x04 => ForeignAnswer::Tls,
            _ => ForeignAnswer::Garbage(problem),
        }
    }
}

/// Login rejections, with the numeric code the server sent (docs/protocol.md#login-response).
///
/// `Display` gives the official Python client's message for each code.
///
/// ```
/// use voltdb::LoginError;
/// assert_eq!(LoginError::from_code(-1).to_string(), "Authentication failed.");
/// assert_eq!(LoginError::from_code(1), LoginError::TooManyConnections);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// `-1`: bad user name, password, or digest length.
    #[error("Authentication failed.")]
    AuthenticationFailed,
    /// `1`: the server is at its connection limit (sent as one unframed byte).
    #[error("Server has too many connections.")]
    TooManyConnections,
    /// `2`: the server timed out the login.
    #[error("Connection timed out during authentication.")]
    ProtocolTimeout,
    /// `3`: the server did not understand the login message (e.g. the hash scheme).
    #[error("Wire protocol format violation error.")]
    FormatViolation,
    /// `4`: the node is still rejoining the cluster.
    #[error("Failed to authenticate to rejoining node.")]
    Rejoining,
    /// `5`: the service name was neither `database` nor `kerberos`.
    #[error("Export not enabled for server.")]
    ExportDisabled,
    /// `6`: the server requires TLS.
    #[error("Server requires use of TLS/SSL.")]
    TlsRequired,
    /// `7`: the server requires a client certificate.
    #[error("Client certificate required for mutual authentication.")]
    CertificateRequired,
    /// `8`: the client certificate was revoked.
    #[error("Client certificate revoked.")]
    CertificateRevoked,
    /// Any other non-zero code (its text is Python's: "Authentication failed.").
    #[error("Authentication failed.")]
    Other(i8),
    /// No login response arrived within the connect timeout.
    #[error("Authentication timed out after {0:?}.")]
    TimedOut(Duration),
}

impl LoginError {
    /// Maps a non-zero login result code to its variant.
    pub fn from_code(code: i8) -> LoginError {
        match code {
            -1 => LoginError::AuthenticationFailed,
            1 => LoginError::TooManyConnections,
            2 => LoginError::ProtocolTimeout,
            3 => LoginError::FormatViolation,
            4 => LoginError::Rejoining,
            5 => LoginError::ExportDisabled,
            6 => LoginError::TlsRequired,
            7 => LoginError::CertificateRequired,
            8 => LoginError::CertificateRevoked,
            c => LoginError::Other(c),
        }
    }

    /// The wire result code of this rejection (`None` for a local timeout).
    pub fn code(&self) -> Option<i8> {
        Some(match self {
            LoginError::AuthenticationFailed => -1,
            LoginError::TooManyConnections => 1,
            LoginError::ProtocolTimeout => 2,
            LoginError::FormatViolation => 3,
            LoginError::Rejoining => 4,
            LoginError::ExportDisabled => 5,
            LoginError::TlsRequired => 6,
            LoginError::CertificateRequired => 7,
            LoginError::CertificateRevoked => 8,
            LoginError::Other(c) => *c,
            LoginError::TimedOut(_) => return None,
        })
    }
}
