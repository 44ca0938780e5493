//! The server certificate verifier other than rustls' standard one: a
//! pinned certificate, or none at all (for test rigs). Both still check
//! the handshake signatures, so the server proves it holds the
//! certificate's key.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    verify_tls12_signature, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

/// Accepts exactly the pinned certificates, byte for byte, or (`pins`
/// `None`: [`TlsConfig::danger_accept_invalid_certs`](super::TlsConfig::danger_accept_invalid_certs))
/// any certificate.
#[derive(Debug)]
pub(super) struct Pinned {
    pins: Option<Vec<CertificateDer<'static>>>,
    signatures: WebPkiSupportedAlgorithms,
}

impl Pinned {
    pub(super) fn new(
        pins: Option<Vec<CertificateDer<'static>>>,
        p: &CryptoProvider,
    ) -> Arc<Pinned> {
        Arc::new(Pinned {
            pins,
            signatures: p.signature_verification_algorithms,
        })
    }
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let accepted = match &self.pins {
            None => true,
            Some(pins) => pins.iter().any(|c| c.as_ref() == end_entity.as_ref()),
        };
        if accepted {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.signatures)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.signatures)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.supported_schemes()
    }
}
