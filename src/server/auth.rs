//! Ed25519 JWT auth as sqld does it: `Authorization: Bearer <jwt>`, claim `a` = `ro`|`rw`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Deserialize;

const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 private key; the key follows.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
const PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
/// jsonwebtoken's default leeway on `exp`, which sqld keeps.
const LEEWAY_S: i64 = 60;
const CACHE_MAX: usize = 1024;

/// What a request may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

/// sqld's auth failures (message and code as it reports them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthError {
    HeaderNotFound,
    Malformed,
    UnsupportedScheme,
    JwtInvalid,
    JwtExpired,
}

impl AuthError {
    pub fn message(self) -> &'static str {
        match self {
            Self::HeaderNotFound => "Expected authorization header but none given",
            Self::Malformed => "Auth string does not conform to '<scheme> <token>' form",
            Self::UnsupportedScheme => "The authentication scheme in the `Authorization` HTTP header is not supported",
            Self::JwtInvalid => "The JWT is invalid",
            Self::JwtExpired => "The JWT has expired",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::HeaderNotFound => "AUTH_HEADER_NOT_FOUND",
            Self::Malformed => "AUTH_HEADER_MALFORMED",
            Self::UnsupportedScheme => "AUTH_HTTP_HEADER_UNSUPPORTED_SCHEME",
            Self::JwtInvalid => "AUTH_JWT_INVALID",
            Self::JwtExpired => "AUTH_JWT_EXPIRED",
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    exp: Option<i64>,
}

/// Verifies tokens against one public key; without a key every request has full access.
pub struct Auth {
    key: Option<VerifyingKey>,
    /// Verified tokens: clients send the same token with every request, and a signature check
    /// costs more than the query it guards.
    verified: Mutex<HashMap<String, (Access, Option<i64>)>>,
}

pub fn now_s() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Auth {
    pub fn new(key: Option<VerifyingKey>) -> Self {
        Self { key, verified: Mutex::new(HashMap::new()) }
    }

    pub fn enabled(&self) -> bool {
        self.key.is_some()
    }

    /// Checks an `Authorization` header value.
    pub fn check_header(&self, header: Option<&str>) -> Result<Access, AuthError> {
        if self.key.is_none() {
            return Ok(Access::ReadWrite);
        }
        let header = header.ok_or(AuthError::HeaderNotFound)?;
        let (scheme, token) = header.split_once(' ').ok_or(AuthError::Malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::UnsupportedScheme);
        }
        self.check_token(token.trim())
    }

    /// Checks a bare JWT.
    pub fn check_token(&self, token: &str) -> Result<Access, AuthError> {
        self.check_token_until(token).map(|(access, _)| access)
    }

    /// Checks a bare JWT (WebSocket `hello`); also returns when it stops being valid (unix
    /// seconds, leeway included), for connections that outlive one request.
    pub fn check_token_until(&self, token: &str) -> Result<(Access, Option<i64>), AuthError> {
        let Some(key) = &self.key else { return Ok((Access::ReadWrite, None)) };
        let cached = self.verified.lock().ok().and_then(|m| m.get(token).copied());
        let (access, exp) = match cached {
            Some(hit) => hit,
            None => {
                let hit = verify(key, token)?;
                if let Ok(mut m) = self.verified.lock() {
                    if m.len() >= CACHE_MAX {
                        m.clear();
                    }
                    m.insert(token.to_owned(), hit);
                }
                hit
            }
        };
        if exp.is_some_and(|exp| exp < now_s() - LEEWAY_S) {
            return Err(AuthError::JwtExpired);
        }
        Ok((access, exp.map(|e| e.saturating_add(LEEWAY_S))))
    }
}

fn verify(key: &VerifyingKey, token: &str) -> Result<(Access, Option<i64>), AuthError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(AuthError::JwtInvalid);
    };
    let header: Header = decode_json(h)?;
    if header.alg != "EdDSA" {
        return Err(AuthError::JwtInvalid);
    }
    let sig = URL_LENIENT.decode(s).map_err(|_| AuthError::JwtInvalid)?;
    let sig = Signature::from_slice(&sig).map_err(|_| AuthError::JwtInvalid)?;
    let signed = &token[..h.len() + 1 + p.len()];
    key.verify_strict(signed.as_bytes(), &sig).map_err(|_| AuthError::JwtInvalid)?;
    let claims: Claims = decode_json(p)?;
    let access = match claims.a.as_deref() {
        None | Some("rw") => Access::ReadWrite,
        Some("ro") | Some("roa") => Access::ReadOnly,
        Some(_) => return Err(AuthError::JwtInvalid),
    };
    Ok((access, claims.exp))
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, AuthError> {
    let bytes = URL_LENIENT.decode(part).map_err(|_| AuthError::JwtInvalid)?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::JwtInvalid)
}

/// The DER inside a PEM block, or the bytes of a bare base64 (standard or URL-safe) string.
fn key_bytes(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.starts_with("-----BEGIN") {
        let body: String = t.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().concat();
        return STANDARD.decode(body.trim()).ok();
    }
    URL_LENIENT.decode(t).ok().or_else(|| STANDARD.decode(t).ok()).or_else(|| {
        GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent))
            .decode(t)
            .ok()
    })
}

/// Parses an Ed25519 public key: PEM (`BEGIN PUBLIC KEY`) or the raw 32 bytes in base64,
/// the two forms sqld accepts.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = key_bytes(text).ok_or("the JWT key is neither PEM nor base64")?;
    let raw: &[u8] = match bytes.len() {
        32 => &bytes,
        44 if bytes[..12] == SPKI_PREFIX => &bytes[12..],
        _ => return Err("the JWT key is not an Ed25519 public key".into()),
    };
    let arr: [u8; 32] = raw.try_into().map_err(|_| "the JWT key is not an Ed25519 public key")?;
    VerifyingKey::from_bytes(&arr).map_err(|_| "the JWT key is not a valid Ed25519 point".into())
}

/// Parses an Ed25519 private key: PEM PKCS#8 (`BEGIN PRIVATE KEY`) or the raw 32-byte seed in base64.
pub fn parse_private_key(text: &str) -> Result<SigningKey, String> {
    let bytes = key_bytes(text).ok_or("the private key is neither PEM nor base64")?;
    let raw: &[u8] = match bytes.len() {
        32 => &bytes,
        48 if bytes[..16] == PKCS8_PREFIX => &bytes[16..],
        _ => return Err("the private key is not an Ed25519 key (PKCS#8 PEM or 32-byte base64 seed)".into()),
    };
    let arr: [u8; 32] = raw.try_into().map_err(|_| "the private key is not an Ed25519 key")?;
    Ok(SigningKey::from_bytes(&arr))
}

/// Signs a token sqld would accept: EdDSA, claim `a`, optional `exp` (seconds from now).
pub fn sign_token(key: &SigningKey, read_only: bool, expires_in_s: Option<i64>) -> String {
    let now = now_s();
    let mut claims = serde_json::json!({ "a": if read_only { "ro" } else { "rw" }, "iat": now });
    if let Some(s) = expires_in_s {
        claims["exp"] = serde_json::json!(now.saturating_add(s));
    }
    let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{head}.{body}");
    let sig = key.sign(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_with_rights_and_expiry() {
        let sk = SigningKey::from_bytes(&[7u8; 32]);
        let pk_b64 = URL_SAFE_NO_PAD.encode(sk.verifying_key().to_bytes());
        let auth = Auth::new(Some(parse_public_key(&pk_b64).unwrap()));
        let rw = sign_token(&sk, false, None);
        assert_eq!(auth.check_header(Some(&format!("Bearer {rw}"))), Ok(Access::ReadWrite));
        assert_eq!(auth.check_token(&sign_token(&sk, true, Some(60))), Ok(Access::ReadOnly));
        assert_eq!(auth.check_token(&sign_token(&sk, false, Some(-120))), Err(AuthError::JwtExpired));
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert_eq!(auth.check_token(&sign_token(&other, false, None)), Err(AuthError::JwtInvalid));
        assert_eq!(auth.check_header(None), Err(AuthError::HeaderNotFound));
        assert_eq!(auth.check_header(Some("Basic x")), Err(AuthError::UnsupportedScheme));
        assert_eq!(auth.check_token("a.b"), Err(AuthError::JwtInvalid));
        let mut tampered = rw.clone();
        tampered.insert(rw.len() - 3, 'A');
        assert!(auth.check_token(&tampered).is_err());
    }

    #[test]
    fn parses_pem_keys() {
        let sk = SigningKey::from_bytes(&[9u8; 32]);
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&sk.verifying_key().to_bytes());
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", STANDARD.encode(&der));
        assert_eq!(parse_public_key(&pem).unwrap(), sk.verifying_key());
        let mut der = PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&[9u8; 32]);
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----", STANDARD.encode(&der));
        assert_eq!(parse_private_key(&pem).unwrap().to_bytes(), sk.to_bytes());
        assert!(parse_public_key("not a key").is_err());
    }
}
