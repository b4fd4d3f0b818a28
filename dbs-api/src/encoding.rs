//! RFC 3986 percent-encoding.
