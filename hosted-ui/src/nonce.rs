//! The `nonce` in the id token, as Cognito puts it there.
//!
//! Cognito copies the authorize request's `nonce` into the id token, and a deployed app
//! refuses a token without it (the check that stops a replayed token). moto's tokens
//! carry no nonce, so the imitation adds it: it signs the id token moto made again,
//! with the nonce added, under moto's own published signing key (the same `kid`), which
//! the local backend already trusts through moto's JWKS. The local app can then
//! require the nonce exactly as a deployed one does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::{BigUint, RsaPrivateKey};

/// Signs id tokens with moto's key.
pub struct Signer {
    key: EncodingKey,
    kid: String,
}

impl Signer {
    /// The signer for moto's own key, from moto as installed in the virtualenv `venv`.
    pub fn moto(venv: &std::path::Path) -> Result<Self, String> {
        let lib = venv.join("lib");
        let path = std::fs::read_dir(&lib)
            .map_err(|e| format!("{}: {e}", lib.display()))?
            .filter_map(|entry| entry.ok())
            .map(|python| {
                python
                    .path()
                    .join("site-packages/moto/cognitoidp/resources/jwks-private.json.gz")
            })
            .find(|path| path.exists())
            .ok_or_else(|| format!("moto's signing key is not under {}", lib.display()))?;
        let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let jwk: serde_json::Value = serde_json::from_reader(flate2::read::GzDecoder::new(file))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_jwk(&jwk)
    }

    /// The signer for a private RSA key given as a JWK with `n`, `e` and `d` (moto's
    /// `cognitoidp/resources/jwks-private.json`, which has no CRT parameters: the primes
    /// are recovered from those three).
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self, String> {
        let part = |name: &str| -> Result<BigUint, String> {
            let text = jwk[name]
                .as_str()
                .ok_or_else(|| format!("the key has no `{name}`"))?;
            let bytes = URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|e| format!("`{name}`: {e}"))?;
            Ok(BigUint::from_bytes_be(&bytes))
        };
        let kid = jwk["kid"]
            .as_str()
            .ok_or("the key has no `kid`")?
            .to_owned();
        let key = RsaPrivateKey::from_components(part("n")?, part("e")?, part("d")?, Vec::new())
            .map_err(|e| format!("not an RSA key: {e}"))?;
        let der = key.to_pkcs1_der().map_err(|e| e.to_string())?;
        Ok(Self {
            key: EncodingKey::from_rsa_der(der.as_bytes()),
            kid,
        })
    }

    /// `id_token` with `nonce` added to its claims, signed again; `None` if the token
    /// cannot be read.
    pub(crate) fn with_nonce(&self, id_token: &str, nonce: &str) -> Option<String> {
        let mut claims = devstack::unverified_claims(id_token)?;
        claims
            .as_object_mut()?
            .insert("nonce".to_owned(), nonce.into());
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).ok()
    }
}
