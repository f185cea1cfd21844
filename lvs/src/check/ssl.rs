//! SSL_GET's transport: a real TLS client (rustls) that the HTTP_GET state machine runs over, made
//! deterministic, and the simulator's test PKI.
//!
//! keepalived implements SSL_GET as HTTP_GET with `proto = PROTO_SSL` (check_http.c, check_ssl.c):
//! the same URLs, status codes, digests, retries and epilogs, with three differences this module and
//! [`super::Checker`] reproduce:
//! - the TLS handshake runs after the TCP connect under the connect's deadline
//!   (`connect start + connect_timeout`); a handshake failure is "SSL handshake/communication error";
//! - the response read deadline is set once, `connect_timeout` after the first response bytes, and not
//!   re-armed after every read (ssl_read_thread re-registers with the remaining time);
//! - a `close_notify` ends the response at once (`SSL_ERROR_ZERO_RETURN`); when no HTTP header was
//!   extracted by then it is "SSL read error from".
//!
//! keepalived never calls `SSL_CTX_set_verify`, so OpenSSL's default `SSL_VERIFY_NONE` applies: the
//! server certificate is not verified (even with a `ca` in the `SSL` block), only the handshake
//! signature is. [`AcceptAnyServerCert`] does the same. `enable_sni` sends the virtual host as SNI.
//! keepalived never sends `close_notify` either (it sets quiet shutdown before `SSL_shutdown`).
//!
//! # Determinism
//!
//! A simulation run must be byte-identical for the same seed, so every random byte TLS consumes comes
//! from a ChaCha generator seeded per connection ([`with_rng`]): the client and server randoms, the
//! legacy session id, and the X25519 key shares (through [`SeededX25519`], because ring's own key
//! exchange always draws from the operating system). Certificates use Ed25519, whose signatures are
//! deterministic, with keys derived from the run's seed ([`SimPki`]); resumption and session tickets
//! are off; the verifier's clock is fixed ([`FixedTime`]). With those, two runs produce the same
//! handshake bytes (tested below and in the simulator).

use std::cell::RefCell;
use std::io::{Read, Write};
use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    ActiveKeyExchange, CryptoProvider, GetRandomFailed, SecureRandom, SharedSecret,
    SupportedKxGroup,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, NamedGroup, SignatureScheme};

use super::FailReason;

/// `SSL_GET` options beyond HTTP_GET's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SslOptions {
    /// `enable_sni`: send the URL's (or the checker's) virtual host as the TLS server name.
    pub enable_sni: bool,
}

thread_local! {
    /// The generator of the TLS call in progress on this thread; see [`with_rng`].
    static RNG: RefCell<Option<ChaCha20Rng>> = const { RefCell::new(None) };
}

/// The TLS records `conn` wants to send, written with the seeded `rng` (client and server alike).
fn drain_tls<D>(conn: &mut rustls::ConnectionCommon<D>, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        match with_rng(rng, || conn.write_tls(&mut out)) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// Runs `f` (a rustls call that may need random bytes) with `rng` as the only randomness source.
/// Outside such a call the provider's randomness fails, so an unseeded draw is an error, never a
/// silent use of the operating system's generator.
pub fn with_rng<T>(rng: &mut ChaCha20Rng, f: impl FnOnce() -> T) -> T {
    let previous = RNG.with(|r| r.borrow_mut().replace(rng.clone()));
    let out = f();
    RNG.with(|r| {
        let mut slot = r.borrow_mut();
        if let Some(advanced) = slot.take() {
            *rng = advanced;
        }
        *slot = previous;
    });
    out
}

/// rustls' randomness, drawn from the generator installed by [`with_rng`].
#[derive(Debug)]
struct SeededRandom;

impl SecureRandom for SeededRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        RNG.with(|r| match r.borrow_mut().as_mut() {
            Some(g) => {
                g.fill_bytes(buf);
                Ok(())
            }
            None => Err(GetRandomFailed),
        })
    }
}

/// X25519 (RFC 7748) with the private key drawn from [`with_rng`]'s generator.
#[derive(Debug)]
pub struct SeededX25519;

struct X25519Share {
    secret: [u8; 32],
    public: [u8; 32],
}

impl SupportedKxGroup for SeededX25519 {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, rustls::Error> {
        let mut secret = [0u8; 32];
        SeededRandom
            .fill(&mut secret)
            .map_err(|_| rustls::Error::FailedToGetRandomBytes)?;
        let public = x25519_dalek::x25519(secret, x25519_dalek::X25519_BASEPOINT_BYTES);
        Ok(Box::new(X25519Share { secret, public }))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

impl ActiveKeyExchange for X25519Share {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, rustls::Error> {
        let peer: [u8; 32] = peer
            .try_into()
            .map_err(|_| rustls::Error::from(rustls::PeerMisbehaved::InvalidKeyShare))?;
        let shared = x25519_dalek::x25519(self.secret, peer);
        // RFC 7748 §6.1: an all-zero output means a low-order point; abort.
        if shared == [0u8; 32] {
            return Err(rustls::PeerMisbehaved::InvalidKeyShare.into());
        }
        Ok(SharedSecret::from(&shared[..]))
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

static SEEDED_RANDOM: SeededRandom = SeededRandom;
static SEEDED_X25519: SeededX25519 = SeededX25519;

/// ring's cipher suites and signature algorithms, with seeded randomness and seeded X25519 as the
/// only key exchange.
pub fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.secure_random = &SEEDED_RANDOM;
    p.kx_groups = vec![&SEEDED_X25519];
    Arc::new(p)
}

/// The wall clock TLS sees: a fixed instant (2026-01-01T00:00:00Z), inside every [`SimPki`]
/// certificate's validity, so verification never depends on the host's clock.
#[derive(Debug)]
pub struct FixedTime;

impl rustls::time_provider::TimeProvider for FixedTime {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            1_767_225_600,
        )))
    }
}

/// OpenSSL's `SSL_VERIFY_NONE`, which keepalived's SSL context keeps: any certificate is accepted,
/// but the handshake signature must still verify against the presented certificate's key.
#[derive(Debug)]
pub struct AcceptAnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client config keepalived's SSL context amounts to: TLS 1.2 and 1.3 (`TLS_method`), no client
/// certificate, no verification, no resumption.
fn client_config(enable_sni: bool) -> Option<Arc<rustls::ClientConfig>> {
    let provider = provider();
    let mut cfg = rustls::ClientConfig::builder_with_details(provider.clone(), Arc::new(FixedTime))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)))
        .with_no_client_auth();
    cfg.resumption = rustls::client::Resumption::disabled();
    cfg.enable_sni = enable_sni;
    Some(Arc::new(cfg))
}

/// What feeding received bytes to a TLS session produced.
#[derive(Debug, Default)]
pub struct TlsInput {
    /// Decrypted application data.
    pub plaintext: Vec<u8>,
    /// The peer sent `close_notify` (OpenSSL's `SSL_ERROR_ZERO_RETURN`).
    pub closed: bool,
    /// The session failed (bad record, alert, bad signature): what OpenSSL reports as `SSL_ERROR_SSL`.
    pub error: Option<String>,
}

/// One checker's TLS client session over one TCP connection.
pub struct TlsClient {
    conn: rustls::ClientConnection,
    rng: ChaCha20Rng,
    failed: bool,
}

impl core::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsClient")
            .field("handshaking", &self.conn.is_handshaking())
            .field("failed", &self.failed)
            .finish()
    }
}

impl TlsClient {
    /// A session towards `server_name` (sent as SNI when `enable_sni`), its randomness from `seed`.
    pub fn new(seed: u64, server_name: Option<&str>, enable_sni: bool) -> Result<Self, FailReason> {
        let cfg = client_config(enable_sni).ok_or(FailReason::SslHandshake)?;
        // rustls needs a name even without SNI; an IP address is never sent as SNI (RFC 6066 §3).
        let name = server_name
            .and_then(|n| ServerName::try_from(n.to_string()).ok())
            .unwrap_or(ServerName::IpAddress(
                std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED).into(),
            ));
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let conn = with_rng(&mut rng, || rustls::ClientConnection::new(cfg, name))
            .map_err(|_| FailReason::SslHandshake)?;
        Ok(TlsClient {
            conn,
            rng,
            failed: false,
        })
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// TLS records waiting to be sent.
    pub fn take_outgoing(&mut self) -> Vec<u8> {
        drain_tls(&mut self.conn, &mut self.rng)
    }

    /// Queue application data (sent encrypted by the next [`take_outgoing`](Self::take_outgoing)).
    pub fn send_plain(&mut self, data: &[u8]) {
        // The writer buffers without limit until the handshake ends; it cannot fail for a Vec sink.
        let _ = self.conn.writer().write_all(data);
    }

    /// Feed bytes received on the TCP connection.
    pub fn receive(&mut self, mut data: &[u8]) -> TlsInput {
        let mut input = TlsInput::default();
        if self.failed {
            input.error = Some("session already failed".into());
            return input;
        }
        while !data.is_empty() {
            match self.conn.read_tls(&mut data) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    self.failed = true;
                    input.error = Some(e.to_string());
                    return input;
                }
            }
            let (conn, rng) = (&mut self.conn, &mut self.rng);
            match with_rng(rng, || conn.process_new_packets()) {
                Ok(state) => {
                    let n = state.plaintext_bytes_to_read();
                    if n > 0 {
                        let mut buf = vec![0u8; n];
                        if conn.reader().read_exact(&mut buf).is_ok() {
                            input.plaintext.extend_from_slice(&buf);
                        }
                    }
                    if state.peer_has_closed() {
                        input.closed = true;
                    }
                }
                Err(e) => {
                    self.failed = true;
                    input.error = Some(e.to_string());
                    return input;
                }
            }
        }
        input
    }
}

/// The checker's slot for its TLS session. rustls sessions cannot be cloned, so a cloned checker
/// starts without one: its connection in progress (if any) fails as an SSL error on the next byte.
#[derive(Debug, Default)]
pub(super) struct TlsSlot(pub(super) Option<TlsClient>);

impl Clone for TlsSlot {
    fn clone(&self) -> Self {
        TlsSlot(None)
    }
}

/// PKCS#8 v1 (RFC 8410 §7) for an Ed25519 key: a fixed prefix and the 32-byte seed.
fn ed25519_pkcs8(seed: [u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&seed);
    der
}

fn ed25519_key(rng: &mut ChaCha20Rng) -> Option<(rcgen::KeyPair, Vec<u8>)> {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let der = ed25519_pkcs8(seed);
    let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.clone()),
        &rcgen::PKCS_ED25519,
    )
    .ok()?;
    Some((kp, der))
}

/// A test certificate authority made from a seed, and server certificates it signs. Everything is
/// Ed25519 and derived from the seed, so the same seed gives the same DER bytes.
pub struct SimPki {
    ca_params: rcgen::CertificateParams,
    ca_key: rcgen::KeyPair,
    ca_der: CertificateDer<'static>,
    seed: u64,
}

impl core::fmt::Debug for SimPki {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SimPki").field("seed", &self.seed).finish()
    }
}

/// A server's TLS identity: certificate chain (leaf, CA) and key.
#[derive(Clone, Debug)]
pub struct ServerIdentity {
    /// Leaf certificate then the CA certificate.
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 private key.
    pub key_pkcs8: Vec<u8>,
}

impl SimPki {
    /// The CA of a run with this seed ("vrrpsim test CA").
    pub fn new(seed: u64) -> Option<SimPki> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x0076_7369_6d2d_6361);
        let (ca_key, _) = ed25519_key(&mut rng)?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).ok()?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "vrrpsim test CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_der = ca_params.self_signed(&ca_key).ok()?.der().clone();
        Some(SimPki {
            ca_params,
            ca_key,
            ca_der,
            seed,
        })
    }

    /// The CA certificate (DER).
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// A server certificate for `names` (DNS names or IP addresses), its key derived from the run's
    /// seed and the first name.
    pub fn server(&self, names: &[String]) -> Option<ServerIdentity> {
        let label = names.first().map(String::as_str).unwrap_or("");
        let mut rng = ChaCha20Rng::seed_from_u64(self.seed ^ super::fnv1a(label.as_bytes()));
        let (key, der) = ed25519_key(&mut rng)?;
        let mut params = rcgen::CertificateParams::new(names.to_vec()).ok()?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, label);
        let issuer = rcgen::Issuer::from_params(&self.ca_params, &self.ca_key);
        let leaf = params.signed_by(&key, &issuer).ok()?;
        Some(ServerIdentity {
            chain: vec![leaf.der().clone(), self.ca_der.clone()],
            key_pkcs8: der,
        })
    }
}

/// A TLS server config for a simulated real server: the identity, TLS 1.2 and 1.3, no tickets and no
/// session cache (nothing carries state across connections, so each handshake is reproducible).
pub fn server_config(id: &ServerIdentity) -> Option<Arc<rustls::ServerConfig>> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_pkcs8.clone()));
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .ok()?
        .with_no_client_auth()
        .with_single_cert(id.chain.clone(), key)
        .ok()?;
    cfg.send_tls13_tickets = 0;
    cfg.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Some(Arc::new(cfg))
}

/// One simulated server's TLS session (the server half of [`TlsClient`]), randomness from `seed`.
pub struct TlsServer {
    conn: rustls::ServerConnection,
    rng: ChaCha20Rng,
    failed: bool,
}

impl core::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsServer")
            .field("handshaking", &self.conn.is_handshaking())
            .finish()
    }
}

impl TlsServer {
    /// A session with `config`.
    pub fn new(config: Arc<rustls::ServerConfig>, seed: u64) -> Option<Self> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let conn = with_rng(&mut rng, || rustls::ServerConnection::new(config)).ok()?;
        Some(TlsServer {
            conn,
            rng,
            failed: false,
        })
    }

    /// Feed received bytes; returns decrypted application data, or None once the session failed
    /// (the alert to send is then in [`take_outgoing`](Self::take_outgoing)).
    pub fn receive(&mut self, mut data: &[u8]) -> Option<Vec<u8>> {
        if self.failed {
            return None;
        }
        let mut plain = Vec::new();
        while !data.is_empty() {
            if self.conn.read_tls(&mut data).is_err() {
                self.failed = true;
                return None;
            }
            let (conn, rng) = (&mut self.conn, &mut self.rng);
            match with_rng(rng, || conn.process_new_packets()) {
                Ok(state) => {
                    let n = state.plaintext_bytes_to_read();
                    if n > 0 {
                        let mut buf = vec![0u8; n];
                        if conn.reader().read_exact(&mut buf).is_ok() {
                            plain.extend_from_slice(&buf);
                        }
                    }
                }
                Err(_) => {
                    self.failed = true;
                    return None;
                }
            }
        }
        Some(plain)
    }

    /// Queue application data.
    pub fn send_plain(&mut self, data: &[u8]) {
        let _ = self.conn.writer().write_all(data);
    }

    /// Queue `close_notify`.
    pub fn close(&mut self) {
        self.conn.send_close_notify();
    }

    /// The server name the client sent (SNI).
    pub fn sni(&self) -> Option<&str> {
        self.conn.server_name()
    }

    /// TLS records waiting to be sent.
    pub fn take_outgoing(&mut self) -> Vec<u8> {
        drain_tls(&mut self.conn, &mut self.rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a client and a server against each other in memory; returns every byte on the wire
    /// and the plaintext the client received.
    fn exchange(seed: u64) -> (Vec<u8>, Vec<u8>) {
        let pki = SimPki::new(seed).unwrap();
        let id = pki.server(&["www.example.com".to_string()]).unwrap();
        let mut server = TlsServer::new(server_config(&id).unwrap(), seed ^ 1).unwrap();
        let mut client = TlsClient::new(seed ^ 2, Some("www.example.com"), true).unwrap();
        let mut wire = Vec::new();
        let mut got = Vec::new();
        client.send_plain(b"GET / HTTP/1.0\r\n\r\n");
        for _ in 0..8 {
            let c2s = client.take_outgoing();
            wire.extend_from_slice(&c2s);
            let req = server.receive(&c2s).unwrap();
            if !req.is_empty() {
                server.send_plain(b"HTTP/1.0 200 OK\r\n\r\nok");
                server.close();
            }
            let s2c = server.take_outgoing();
            wire.extend_from_slice(&s2c);
            let input = client.receive(&s2c);
            assert!(input.error.is_none(), "{:?}", input.error);
            got.extend_from_slice(&input.plaintext);
        }
        assert_eq!(server.sni(), Some("www.example.com"));
        (wire, got)
    }

    #[test]
    fn tls_handshake_is_byte_identical_for_the_same_seed() {
        let (a, got) = exchange(42);
        let (b, _) = exchange(42);
        let (c, _) = exchange(43);
        assert_eq!(got, b"HTTP/1.0 200 OK\r\n\r\nok");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn sim_pki_server_certificate_chains_to_the_run_ca() {
        let pki = SimPki::new(7).unwrap();
        let id = pki.server(&["rs1.example".to_string()]).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der().clone()).unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        let now = FixedTime.current_time_now();
        let name = ServerName::try_from("rs1.example").unwrap();
        assert!(verifier
            .verify_server_cert(&id.chain[0], &id.chain[1..], &name, &[], now)
            .is_ok());
        // Another run's CA does not validate it.
        let other = SimPki::new(8).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(other.ca_der().clone()).unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        assert!(verifier
            .verify_server_cert(&id.chain[0], &id.chain[1..], &name, &[], now)
            .is_err());
        assert_eq!(SimPki::new(7).unwrap().ca_der(), pki.ca_der());
    }

    #[test]
    fn randomness_outside_a_seeded_call_fails() {
        let mut buf = [0u8; 4];
        assert!(SeededRandom.fill(&mut buf).is_err());
    }

    impl FixedTime {
        fn current_time_now(&self) -> UnixTime {
            use rustls::time_provider::TimeProvider;
            self.current_time().unwrap()
        }
    }
}
