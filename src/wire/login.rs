//! The login handshake (docs/protocol.md#login): request and response, both ways.

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, LoginError, ProtocolError};
use crate::wire::reader::Reader;
use crate::wire::writer::{begin_frame, end_frame, WireWrite};

/// The password hash scheme announced in the login request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashScheme {
    /// SHA-1 (20-byte digest; deprecated by VoltDB).
    Sha1,
    /// SHA-256 (32-byte digest; the default).
    #[default]
    Sha256,
}

impl HashScheme {
    /// The scheme byte.
    pub fn code(self) -> u8 {
        match self {
            HashScheme::Sha1 => 0,
            HashScheme::Sha256 => 1,
        }
    }

    /// The scheme for a scheme byte.
    pub fn from_code(code: u8) -> Option<HashScheme> {
        match code {
            0 => Some(HashScheme::Sha1),
            1 => Some(HashScheme::Sha256),
            _ => None,
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashScheme::Sha1 => 20,
            HashScheme::Sha256 => 32,
        }
    }

    /// The digest of a password under this scheme.
    ///
    /// ```
    /// use voltdb::wire::login::HashScheme;
    /// assert_eq!(HashScheme::Sha256.digest(""), HashScheme::Sha256.digest(""));
    /// assert_eq!(HashScheme::Sha1.digest("adminpw").len(), 20);
    /// ```
    pub fn digest(self, password: &str) -> Vec<u8> {
        match self {
            HashScheme::Sha1 => Sha1::digest(password.as_bytes()).to_vec(),
            HashScheme::Sha256 => Sha256::digest(password.as_bytes()).to_vec(),
        }
    }
}

/// A login request (docs/protocol.md#login-request).
///
/// ```
/// use voltdb::wire::login::{HashScheme, LoginRequest};
/// let req = LoginRequest::new("admin", "adminpw", HashScheme::Sha256);
/// let mut bytes = Vec::new();
/// req.encode(&mut bytes);
/// assert_eq!(bytes.len(), 4 + 55);
/// assert_eq!(LoginRequest::parse(&bytes[4..]).unwrap(), req);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRequest {
    /// Protocol version: `1`, or `0` (legacy, no scheme byte, SHA-1).
    pub version: u8,
    /// The scheme byte as sent (`0` SHA-1, `1` SHA-256; others are rejected by the server).
    pub scheme_byte: u8,
    /// `"database"` for a password login.
    pub service: String,
    /// The user name.
    pub username: String,
    /// The password digest.
    pub digest: Vec<u8>,
}

impl LoginRequest {
    /// A version-1 password login.
    pub fn new(username: &str, password: &str, scheme: HashScheme) -> LoginRequest {
        LoginRequest {
            version: 1,
            scheme_byte: scheme.code(),
            service: "database".into(),
            username: username.into(),
            digest: scheme.digest(password),
        }
    }

    /// The announced scheme (`None` for an unknown byte).
    pub fn scheme(&self) -> Option<HashScheme> {
        if self.version == 0 {
            Some(HashScheme::Sha1)
        } else {
            HashScheme::from_code(self.scheme_byte)
        }
    }

    /// Appends the framed request.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let at = begin_frame(out);
        out.put_u8(self.version);
        if self.version > 0 {
            out.put_u8(self.scheme_byte);
        }
        out.put_str(Some(&self.service));
        out.put_str(Some(&self.username));
        out.put_raw(&self.digest);
        end_frame(out, at);
    }

    /// Parses a request body (after the length prefix), as the server does
    /// (test server only).
    #[cfg(feature = "test-server")]
    pub fn parse(body: &[u8]) -> Result<LoginRequest, ProtocolError> {
        let mut r = Reader::new(body);
        let version = r.read_u8("login version")?;
        let scheme_byte = if version > 0 {
            r.read_u8("hash scheme")?
        } else {
            0
        };
        let service = r.read_str("service")?.unwrap_or("").to_string();
        let username = r.read_str("username")?.unwrap_or("").to_string();
        let digest = r.rest().to_vec();
        Ok(LoginRequest {
            version,
            scheme_byte,
            service,
            username,
            digest,
        })
    }
}

/// A successful login response (docs/protocol.md#login-response).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginResponse {
    /// Id of the node this connection is on.
    pub host_id: i32,
    /// Server-assigned connection id.
    pub connection_id: i64,
    /// Cluster start time, milliseconds since the epoch (first half of the instance id).
    pub cluster_start_ms: i64,
    /// IPv4 address of the cluster's leader, as the raw `i32` (second half of the instance id).
    pub leader_ipv4: i32,
    /// The server's build string.
    pub build_string: String,
}

impl LoginResponse {
    /// The cluster instance id `(start timestamp ms, leader address)`, as
    /// Python's `clusterInstanceId`.
    pub fn cluster_instance_id(&self) -> (i64, i32) {
        (self.cluster_start_ms, self.leader_ipv4)
    }

    /// The leader address in dotted form.
    pub fn leader_address(&self) -> std::net::Ipv4Addr {
        std::net::Ipv4Addr::from(self.leader_ipv4 as u32)
    }

    /// Parses a login response body. A non-zero result code becomes
    /// [`Error::Login`].
    ///
    /// ```
    /// use voltdb::{Error, LoginError};
    /// use voltdb::wire::login::LoginResponse;
    /// let err = LoginResponse::parse(&[0, 0xff]).unwrap_err();
    /// assert!(matches!(err, Error::Login { error: LoginError::AuthenticationFailed, .. }));
    /// ```
    pub fn parse(body: &[u8]) -> Result<LoginResponse, Error> {
        let mut r = Reader::new(body);
        let _version = r.read_u8("login response version")?;
        let code = r.read_i8("login result code")?;
        if code != 0 {
            return Err(Error::Login {
                server: String::new(),
                error: LoginError::from_code(code),
            });
        }
        let host_id = r.read_i32("host id")?;
        let connection_id = r.read_i64("connection id")?;
        let cluster_start_ms = r.read_i64("cluster start timestamp")?;
        let leader_ipv4 = r.read_i32("leader address")?;
        let build_string = r
            .read_str("build string")?
            .ok_or(ProtocolError::Malformed("NULL build string"))?
            .to_string();
        Ok(LoginResponse {
            host_id,
            connection_id,
            cluster_start_ms,
            leader_ipv4,
            build_string,
        })
    }

    /// Appends the framed success response (test server only).
    #[cfg(feature = "test-server")]
    pub fn encode(&self, out: &mut Vec<u8>) {
        let at = begin_frame(out);
        out.put_u8(0);
        out.put_i8(0);
        out.put_i32(self.host_id);
        out.put_i64(self.connection_id);
        out.put_i64(self.cluster_start_ms);
        out.put_i32(self.leader_ipv4);
        out.put_str(Some(&self.build_string));
        end_frame(out, at);
    }
}

/// Appends a framed login failure `00000002 00 <code>` (test server only).
#[cfg(feature = "test-server")]
pub fn encode_login_failure(code: i8, out: &mut Vec<u8>) {
    out.put_i32(2);
    out.put_u8(0);
    out.put_i8(code);
}

/// The single unframed byte a server at its connection limit sends before closing.
pub const CONNECTION_LIMIT_BYTE: u8 = 0x01;

#[cfg(test)]
mod sha1_tests {
    use super::HashScheme;

    /// Known answers for the legacy scheme's SHA-1 (moved with the swap to
    /// the `sha1` crate from the hand-written digest and its doctest).
    #[test]
    fn sha1_known_answers() {
        let hex = |d: Vec<u8>| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let digest = |data: &[u8]| <sha1::Sha1 as sha2::Digest>::digest(data).to_vec();
        assert_eq!(digest(b"abc")[..4], [0xa9, 0x99, 0x3e, 0x36]);
        assert_eq!(
            hex(HashScheme::Sha1.digest("")),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            hex(HashScheme::Sha1.digest("adminpw")),
            "289bed0325c26d04da9ba999fb6c4defd8ab76f6"
        );
        assert_eq!(
            hex(digest(&[b'a'; 1000])),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
    }
}
