//! Spellings of three secrets, as a server may echo them; shared by the SDK's and the CLI's
//! tests (`#[path]`-included).

#![allow(dead_code)]

/// A destination password with a space, `/`, `+`, `&`, a non-ASCII letter and `!`.
pub const PASSWORD: &str = "S3cr3t DB/pw+&é!";
/// An AccessKeySecret whose base64 differs between the standard and URL-safe alphabets.
pub const SECRET: &str = "AkS3cret/Key+Value=9~?>";
/// A SecurityToken.
pub const TOKEN: &str = "CAIS.Sts+Tok/en==Xé";

/// Spellings of [`PASSWORD`], each printed by the Python 3 expression above it, with how many
/// leading characters encode only the text before the secret and so stay (whole base64
/// characters of a prefix of `n` bytes: `8 * n // 6`). See [`all`] for the Python names.
pub const PASSWORD_SPELLINGS: &[(&str, usize)] = &[
    // PASSWORD
    (r#"S3cr3t DB/pw+&é!"#, 0),
    // quote(PASSWORD, safe="")
    (r#"S3cr3t%20DB%2Fpw%2B%26%C3%A9%21"#, 0),
    // lower(quote(PASSWORD, safe=""))
    (r#"S3cr3t%20DB%2fpw%2b%26%c3%a9%21"#, 0),
    // quote(quote(PASSWORD, safe=""), safe="")
    (r#"S3cr3t%2520DB%252Fpw%252B%2526%25C3%25A9%2521"#, 0),
    // quote_plus(PASSWORD)
    (r#"S3cr3t+DB%2Fpw%2B%26%C3%A9%21"#, 0),
    // lower(quote_plus(PASSWORD))
    (r#"S3cr3t+DB%2fpw%2b%26%c3%a9%21"#, 0),
    // quote_plus(quote_plus(PASSWORD))
    (r#"S3cr3t%2BDB%252Fpw%252B%2526%25C3%25A9%2521"#, 0),
    // json.dumps(PASSWORD)[1:-1]
    (r#"S3cr3t DB/pw+&\u00e9!"#, 0),
    // json.dumps(PASSWORD)[1:-1].replace("/", "\\/")
    (r#"S3cr3t DB\/pw+&\u00e9!"#, 0),
    // "".join("\\u%04x" % ord(c) for c in PASSWORD)
    (
        r#"\u0053\u0033\u0063\u0072\u0033\u0074\u0020\u0044\u0042\u002f\u0070\u0077\u002b\u0026\u00e9\u0021"#,
        0,
    ),
    // "".join("\\u%04X" % ord(c) for c in PASSWORD)
    (
        r#"\u0053\u0033\u0063\u0072\u0033\u0074\u0020\u0044\u0042\u002F\u0070\u0077\u002B\u0026\u00E9\u0021"#,
        0,
    ),
    // html.escape(PASSWORD)
    (r#"S3cr3t DB/pw+&amp;é!"#, 0),
    // "".join("&#%d;" % ord(c) for c in PASSWORD)
    (
        r#"&#83;&#51;&#99;&#114;&#51;&#116;&#32;&#68;&#66;&#47;&#112;&#119;&#43;&#38;&#233;&#33;"#,
        0,
    ),
    // "".join("&#x%x;" % ord(c) for c in PASSWORD)
    (
        r#"&#x53;&#x33;&#x63;&#x72;&#x33;&#x74;&#x20;&#x44;&#x42;&#x2f;&#x70;&#x77;&#x2b;&#x26;&#xe9;&#x21;"#,
        0,
    ),
    // html.escape(PASSWORD).encode("ascii", "xmlcharrefreplace").decode()
    (r#"S3cr3t DB/pw+&amp;&#233;!"#, 0),
    // quote(html.escape(PASSWORD), safe="")
    (r#"S3cr3t%20DB%2Fpw%2B%26amp%3B%C3%A9%21"#, 0),
    // base64.b64encode(PASSWORD.encode()).decode()
    (r#"UzNjcjN0IERCL3B3KybDqSE="#, 0),
    // base64.b64encode(("restore_user:" + PASSWORD).encode()).decode()
    (r#"cmVzdG9yZV91c2VyOlMzY3IzdCBEQi9wdysmw6kh"#, 17),
    // base64.urlsafe_b64encode(("ab" + PASSWORD).encode()).decode().rstrip("=")
    (r#"YWJTM2NyM3QgREIvcHcrJsOpIQ"#, 2),
];

/// Spellings of [`SECRET`], each printed by the Python 3 expression above it, with how many
/// leading characters encode only the text before the secret and so stay (whole base64
/// characters of a prefix of `n` bytes: `8 * n // 6`). See [`all`] for the Python names.
pub const SECRET_SPELLINGS: &[(&str, usize)] = &[
    // SECRET
    (r#"AkS3cret/Key+Value=9~?>"#, 0),
    // quote(SECRET, safe="")
    (r#"AkS3cret%2FKey%2BValue%3D9~%3F%3E"#, 0),
    // lower(quote(SECRET, safe=""))
    (r#"AkS3cret%2fKey%2bValue%3d9~%3f%3e"#, 0),
    // quote(quote(SECRET, safe=""), safe="")
    (r#"AkS3cret%252FKey%252BValue%253D9~%253F%253E"#, 0),
    // json.dumps(SECRET)[1:-1].replace("/", "\\/")
    (r#"AkS3cret\/Key+Value=9~?>"#, 0),
    // "".join("\\u%04x" % ord(c) for c in SECRET)
    (
        r#"\u0041\u006b\u0053\u0033\u0063\u0072\u0065\u0074\u002f\u004b\u0065\u0079\u002b\u0056\u0061\u006c\u0075\u0065\u003d\u0039\u007e\u003f\u003e"#,
        0,
    ),
    // "".join("\\u%04X" % ord(c) for c in SECRET)
    (
        r#"\u0041\u006B\u0053\u0033\u0063\u0072\u0065\u0074\u002F\u004B\u0065\u0079\u002B\u0056\u0061\u006C\u0075\u0065\u003D\u0039\u007E\u003F\u003E"#,
        0,
    ),
    // html.escape(SECRET)
    (r#"AkS3cret/Key+Value=9~?&gt;"#, 0),
    // "".join("&#%d;" % ord(c) for c in SECRET)
    (
        r#"&#65;&#107;&#83;&#51;&#99;&#114;&#101;&#116;&#47;&#75;&#101;&#121;&#43;&#86;&#97;&#108;&#117;&#101;&#61;&#57;&#126;&#63;&#62;"#,
        0,
    ),
    // "".join("&#x%x;" % ord(c) for c in SECRET)
    (
        r#"&#x41;&#x6b;&#x53;&#x33;&#x63;&#x72;&#x65;&#x74;&#x2f;&#x4b;&#x65;&#x79;&#x2b;&#x56;&#x61;&#x6c;&#x75;&#x65;&#x3d;&#x39;&#x7e;&#x3f;&#x3e;"#,
        0,
    ),
    // quote(html.escape(SECRET), safe="")
    (r#"AkS3cret%2FKey%2BValue%3D9~%3F%26gt%3B"#, 0),
    // base64.b64encode(SECRET.encode()).decode()
    (r#"QWtTM2NyZXQvS2V5K1ZhbHVlPTl+Pz4="#, 0),
    // base64.urlsafe_b64encode(SECRET.encode()).decode()
    (r#"QWtTM2NyZXQvS2V5K1ZhbHVlPTl-Pz4="#, 0),
    // base64.b64encode(("restore_user:" + SECRET).encode()).decode()
    (r#"cmVzdG9yZV91c2VyOkFrUzNjcmV0L0tleStWYWx1ZT05fj8+"#, 17),
    // base64.urlsafe_b64encode(("ab" + SECRET).encode()).decode().rstrip("=")
    (r#"YWJBa1MzY3JldC9LZXkrVmFsdWU9OX4_Pg"#, 2),
];

/// Spellings of [`TOKEN`], each printed by the Python 3 expression above it, with how many
/// leading characters encode only the text before the secret and so stay (whole base64
/// characters of a prefix of `n` bytes: `8 * n // 6`). See [`all`] for the Python names.
pub const TOKEN_SPELLINGS: &[(&str, usize)] = &[
    // TOKEN
    (r#"CAIS.Sts+Tok/en==Xé"#, 0),
    // quote(TOKEN, safe="")
    (r#"CAIS.Sts%2BTok%2Fen%3D%3DX%C3%A9"#, 0),
    // lower(quote(TOKEN, safe=""))
    (r#"CAIS.Sts%2bTok%2fen%3d%3dX%c3%a9"#, 0),
    // quote(quote(TOKEN, safe=""), safe="")
    (r#"CAIS.Sts%252BTok%252Fen%253D%253DX%25C3%25A9"#, 0),
    // json.dumps(TOKEN)[1:-1]
    (r#"CAIS.Sts+Tok/en==X\u00e9"#, 0),
    // json.dumps(TOKEN)[1:-1].replace("/", "\\/")
    (r#"CAIS.Sts+Tok\/en==X\u00e9"#, 0),
    // "".join("\\u%04x" % ord(c) for c in TOKEN)
    (
        r#"\u0043\u0041\u0049\u0053\u002e\u0053\u0074\u0073\u002b\u0054\u006f\u006b\u002f\u0065\u006e\u003d\u003d\u0058\u00e9"#,
        0,
    ),
    // "".join("\\u%04X" % ord(c) for c in TOKEN)
    (
        r#"\u0043\u0041\u0049\u0053\u002E\u0053\u0074\u0073\u002B\u0054\u006F\u006B\u002F\u0065\u006E\u003D\u003D\u0058\u00E9"#,
        0,
    ),
    // "".join("&#%d;" % ord(c) for c in TOKEN)
    (
        r#"&#67;&#65;&#73;&#83;&#46;&#83;&#116;&#115;&#43;&#84;&#111;&#107;&#47;&#101;&#110;&#61;&#61;&#88;&#233;"#,
        0,
    ),
    // "".join("&#x%x;" % ord(c) for c in TOKEN)
    (
        r#"&#x43;&#x41;&#x49;&#x53;&#x2e;&#x53;&#x74;&#x73;&#x2b;&#x54;&#x6f;&#x6b;&#x2f;&#x65;&#x6e;&#x3d;&#x3d;&#x58;&#xe9;"#,
        0,
    ),
    // html.escape(TOKEN).encode("ascii", "xmlcharrefreplace").decode()
    (r#"CAIS.Sts+Tok/en==X&#233;"#, 0),
    // base64.b64encode(TOKEN.encode()).decode()
    (r#"Q0FJUy5TdHMrVG9rL2VuPT1Yw6k="#, 0),
    // base64.b64encode(("restore_user:" + TOKEN).encode()).decode()
    (r#"cmVzdG9yZV91c2VyOkNBSVMuU3RzK1Rvay9lbj09WMOp"#, 17),
    // base64.urlsafe_b64encode(("ab" + TOKEN).encode()).decode().rstrip("=")
    (r#"YWJDQUlTLlN0cytUb2svZW49PVjDqQ"#, 2),
];
/// Every (secret, spelling, kept) of the three tables.
///
/// The expressions ran with `import base64, html, json, re`,
/// `from urllib.parse import quote, quote_plus` and
/// `lower = lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), s)`.
pub fn all() -> Vec<(&'static str, &'static str, usize)> {
    [
        (PASSWORD, PASSWORD_SPELLINGS),
        (SECRET, SECRET_SPELLINGS),
        (TOKEN, TOKEN_SPELLINGS),
    ]
    .into_iter()
    .flat_map(|(secret, spellings)| {
        spellings
            .iter()
            .map(move |&(spelling, kept)| (secret, spelling, kept))
    })
    .collect()
}
