//! V3: ACS3-HMAC-SHA256, carried in the `Authorization` header.

use std::collections::BTreeMap;
use std::fmt;

use sha2::{Digest, Sha256};

use super::{StringToSign, hmac_sha256_hex, redacted_text};
use crate::sensitive::REDACTED;
use crate::signing::CanonicalizedQueryString;

/// The V3 algorithm name, first word of the `Authorization` header and of the StringToSign.
pub const ALGORITHM_V3: &str = "ACS3-HMAC-SHA256";

/// The V3 CanonicalRequest:
///
/// ```text
/// METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
/// ```
///
/// - CanonicalURI is always `/` (RPC style; Alibaba's doc and Go util agree);
/// - CanonicalQueryString is sorted `percent_encode(k)=percent_encode(v)` joined by `&`,
///   `key=` for an empty value, empty text when there is no query;
/// - CanonicalHeaders is one `name:value\n` per header: names lower-cased and sorted, values
///   trimmed, values of a repeated name sorted and joined with `,`;
/// - SignedHeaders is the same names joined by `;`.
///
/// `Display` is the exact text; `Debug` is redacted (it may contain `x-acs-security-token`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CanonicalRequest {
    method: String,
    query: CanonicalizedQueryString,
    /// Lower-cased name → trimmed values sorted and joined with `,`; the map keeps names sorted.
    headers: BTreeMap<String, String>,
    payload_hash: String,
}

impl CanonicalRequest {
    /// Builds the CanonicalRequest. `headers` are exactly the headers to sign (any case, any
    /// order, names may repeat); `payload_hash_hex` is the lower-case hex SHA-256 of the body.
    /// `method` is used as given (Alibaba sends it upper-case).
    pub fn new<QK, QV, HK, HV>(
        method: &str,
        query: &[(QK, QV)],
        headers: &[(HK, HV)],
        payload_hash_hex: &str,
    ) -> Self
    where
        QK: AsRef<str>,
        QV: AsRef<str>,
        HK: AsRef<str>,
        HV: AsRef<str>,
    {
        let mut grouped: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (name, value) in headers {
            grouped
                .entry(name.as_ref().to_ascii_lowercase())
                .or_default()
                .push(value.as_ref().trim());
        }
        let headers = grouped
            .into_iter()
            .map(|(name, mut values)| {
                values.sort_unstable();
                (name, values.join(","))
            })
            .collect();
        Self {
            method: method.to_owned(),
            query: CanonicalizedQueryString::new(query),
            headers,
            payload_hash: payload_hash_hex.to_owned(),
        }
    }

    /// The SignedHeaders text: lower-cased, sorted names joined by `;`.
    pub fn signed_headers(&self) -> String {
        self.signed_header_names().join(";")
    }

    /// The signed header names, lower-cased and sorted, as in [`Authorization::signed_headers`].
    pub fn signed_header_names(&self) -> Vec<String> {
        self.headers.keys().cloned().collect()
    }
}

impl CanonicalRequest {
    /// The SHA-256 of the text, hashed as it is written.
    pub(super) fn sha256(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        self.write(&mut |part: &str| hasher.update(part.as_bytes()));
        hasher.finalize().into()
    }

    fn write(&self, emit: &mut impl FnMut(&str)) {
        write_canonical_request(
            emit,
            &self.method,
            self.query.as_str(),
            self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &self.payload_hash,
        );
    }
}

/// Writes a CanonicalRequest piece by piece to `emit`: the one definition of its text, for
/// [`CanonicalRequest`] (a server) and for the client, which hashes the pieces without ever
/// holding the text. `headers` are lower-case, sorted by name, one value each, trimmed.
pub(super) fn write_canonical_request<'h>(
    emit: &mut impl FnMut(&str),
    method: &str,
    query: &str,
    headers: impl Iterator<Item = (&'h str, &'h str)> + Clone,
    payload_hash: &str,
) {
    for part in [method, "\n/\n", query, "\n"] {
        emit(part);
    }
    for (name, value) in headers.clone() {
        for part in [name, ":", value, "\n"] {
            emit(part);
        }
    }
    emit("\n");
    for (i, (name, _)) in headers.enumerate() {
        if i > 0 {
            emit(";");
        }
        emit(name);
    }
    emit("\n");
    emit(payload_hash);
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut result = Ok(());
        self.write(&mut |part: &str| {
            if result.is_ok() {
                result = f.write_str(part);
            }
        });
        result
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_text(f, "CanonicalRequest", &self.to_string())
    }
}

/// The V3 CanonicalRequest of a received request, for a server verifying it.
///
/// `query` is the URL query (empty for our client), `headers` only the headers named in the
/// `Authorization` header's SignedHeaders, and `payload_hash_hex` the hex SHA-256 of the body
/// as received (see [`sha256_hex`](super::sha256_hex)).
pub fn v3_canonical_request(
    method: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_hash_hex: &str,
) -> CanonicalRequest {
    CanonicalRequest::new(method, query, headers, payload_hash_hex)
}

/// The V3 signature: lower-case hex of HMAC-SHA256 over the StringToSign, keyed with the raw
/// AccessKeySecret (no `&`, unlike V1).
pub fn v3_signature(string_to_sign: &StringToSign, access_key_secret: &str) -> String {
    hmac_sha256_hex(
        access_key_secret.as_bytes(),
        string_to_sign.as_str().as_bytes(),
    )
}

/// The parts of a V3 `Authorization` header:
/// `ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>`.
///
/// `Display` is the exact header value; `Debug` hides the signature.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Authorization {
    /// The algorithm, e.g. [`ALGORITHM_V3`].
    pub algorithm: String,
    /// The `Credential` part: the AccessKeyId.
    pub access_key_id: String,
    /// The `SignedHeaders` part: lower-case header names, in the order given.
    pub signed_headers: Vec<String>,
    /// The `Signature` part: hex HMAC-SHA256.
    pub signature: String,
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} Credential={},SignedHeaders={},Signature={}",
            self.algorithm,
            self.access_key_id,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("algorithm", &self.algorithm)
            .field("access_key_id", &self.access_key_id)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &format_args!("{REDACTED}"))
            .finish()
    }
}

/// Parses a V3 `Authorization` header value.
///
/// Returns `None` when the value is not `<algorithm> Credential=…,SignedHeaders=…,Signature=…`
/// (parts in any order, spaces around them allowed): a part missing, repeated, unknown or
/// empty (`SignedHeaders` may be empty). The algorithm is not checked, so a server can answer
/// an unsupported one with its own error.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let (algorithm, rest) = value.trim().split_once(' ')?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return None,
        };
        if slot.replace(val).is_some() {
            return None;
        }
    }
    let (credential, signed_headers, signature) = (credential?, signed_headers?, signature?);
    if algorithm.is_empty() || credential.is_empty() || signature.is_empty() {
        return None;
    }
    let signed_headers = if signed_headers.is_empty() {
        Vec::new()
    } else {
        let names: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
        if names.iter().any(String::is_empty) {
            return None;
        }
        names
    };
    Some(Authorization {
        algorithm: algorithm.to_owned(),
        access_key_id: credential.to_owned(),
        signed_headers,
        signature: signature.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_authorization_round_trips() {
        let auth = Authorization {
            algorithm: ALGORITHM_V3.to_owned(),
            access_key_id: "ak".to_owned(),
            signed_headers: vec!["host".to_owned(), "x-acs-date".to_owned()],
            signature: "00ff".to_owned(),
        };
        assert_eq!(parse_authorization(&auth.to_string()), Some(auth));
    }

    #[test]
    fn parse_authorization_tolerates_spaces_and_order() {
        let auth = parse_authorization(
            " ACS3-HMAC-SHA256  Signature=ab, Credential=ak ,SignedHeaders=host ",
        );
        assert_eq!(
            auth.map(|a| (a.access_key_id, a.signed_headers, a.signature)),
            Some(("ak".to_owned(), vec!["host".to_owned()], "ab".to_owned()))
        );
    }

    #[test]
    fn parse_authorization_rejects_malformed_values() {
        for bad in [
            "",
            "ACS3-HMAC-SHA256",
            "Credential=ak,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature=",
            "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=ak,Credential=ak,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;;date,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature=ab,Extra=1",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature",
        ] {
            assert_eq!(parse_authorization(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn canonical_headers_group_trim_and_sort() {
        let cr = CanonicalRequest::new(
            "POST",
            &[("b", "2"), ("a", "")],
            &[("X-Acs-B", " 2 "), ("host", "h"), ("x-acs-b", "1")],
            "00",
        );
        assert_eq!(
            cr.to_string(),
            "POST\n/\na=&b=2\nhost:h\nx-acs-b:1,2\n\nhost;x-acs-b\n00"
        );
        assert_eq!(cr.signed_headers(), "host;x-acs-b");
    }
}
