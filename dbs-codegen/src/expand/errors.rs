//! The error table: `CommonErrorCode` once, from the service's codes, and each operation's
//! `<Operation>ErrorCode` with only its own codes (the common ones reached through `Common`).
//! Both read rows of one `ErrorEntry` table, which the client's retry classifier and the
//! emulator's replies read too.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit};
use crate::model::{ErrorCode, Operation};

/// The name of the service-wide codes' enum.
pub(crate) const COMMON: &str = "CommonErrorCode";

/// `ErrorEntry { .. }` rows, in spec order.
fn entries(cx: &Cx<'_>, codes: &[ErrorCode]) -> Vec<TokenStream> {
    let rt = &cx.rt;
    codes
        .iter()
        .map(|c| {
            let (code, status, message, retryable) =
                (lit(&c.code), c.http_status, lit(&c.message), c.retryable);
            quote! {
                #rt::ErrorEntry { code: #code, http_status: #status, message: #message, retryable: #retryable }
            }
        })
        .collect()
}

fn variant_docs(codes: &[ErrorCode]) -> Vec<TokenStream> {
    codes
        .iter()
        .map(|c| {
            doc(&format!(
                "`{}` (HTTP {}): {} {}",
                c.code,
                c.http_status,
                sentence(&c.message),
                c.description
            ))
        })
        .collect()
}

/// `CommonErrorCode`: the codes any operation can return, with the table's facts.
pub(crate) fn common(cx: &Cx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let codes = &cx.spec.service.errors;
    let ty = ident(COMMON);
    let names: Vec<_> = codes.iter().map(|c| ident(&c.variant)).collect();
    let docs = variant_docs(codes);
    let rows = entries(cx, codes);
    let count = codes.len();
    let type_doc = doc(&format!(
        "Error codes any operation can return: the gateway's and the service's common ones,\n\
         from the spec's error table. Read one from an error with\n\
         `error.code_as::<{COMMON}>()`; an operation's own enum reaches these through `Common`."
    ));
    quote! {
        #type_doc
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ty {
            #(#docs #names,)*
        }

        impl #ty {
            /// Every code, in spec order.
            pub const ALL: [Self; #count] = [#(Self::#names),*];
            /// The spec's rows, in the order of [`Self::ALL`].
            const ENTRIES: [#rt::ErrorEntry; #count] = [#(#rows),*];

            /// The code named `code` exactly; `None` for any other text.
            pub fn from_code(code: &str) -> ::std::option::Option<Self> {
                let index = Self::ENTRIES.iter().position(|e| e.code == code)?;
                ::std::option::Option::Some(Self::ALL[index])
            }

            /// The spec's row for this code.
            pub fn entry(&self) -> &'static #rt::ErrorEntry {
                &Self::ENTRIES[*self as usize]
            }

            /// The code as the service sends it.
            pub fn code(&self) -> &'static str {
                self.entry().code
            }

            /// The HTTP status the reference gives.
            pub fn http_status(&self) -> u16 {
                self.entry().http_status
            }

            /// The reference's message.
            pub fn message(&self) -> &'static str {
                self.entry().message
            }

            /// Whether the spec marks the code as safe to retry.
            pub fn is_retryable(&self) -> bool {
                self.entry().retryable
            }
        }

        impl #rt::ErrorCode for #ty {
            fn from_code(code: &str) -> ::std::option::Option<Self> {
                Self::from_code(code)
            }
            fn code(&self) -> &str {
                #ty::code(self)
            }
            fn entry(&self) -> ::std::option::Option<&'static #rt::ErrorEntry> {
                ::std::option::Option::Some(#ty::entry(self))
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
    }
}

/// `<Operation>ErrorCode`: the operation's own codes, `Common` and `Unknown`.
pub(crate) fn operation(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let name = format!("{}ErrorCode", op.name);
    let ty = ident(&name);
    let common = ident(COMMON);
    let codes = &op.errors;
    let names: Vec<_> = codes.iter().map(|c| ident(&c.variant)).collect();
    let wires: Vec<_> = codes.iter().map(|c| lit(&c.code)).collect();
    let indexes = 0..codes.len();
    let docs = variant_docs(codes);
    let rows = entries(cx, codes);
    let count = codes.len();
    // Without own codes there is no table and nothing to match before the common ones.
    let table = (count > 0).then(|| {
        quote! {
            impl #ty {
                /// The spec's rows of the operation's own codes, in spec order.
                const ENTRIES: [#rt::ErrorEntry; #count] = [#(#rows),*];
            }
        }
    });
    let fallback = quote! {
        match #common::from_code(code) {
            ::std::option::Option::Some(common) => Self::Common(common),
            ::std::option::Option::None => Self::Unknown(code.to_owned()),
        }
    };
    let parse = if count > 0 {
        quote!(match code { #(#wires => Self::#names,)* _ => #fallback })
    } else {
        fallback
    };
    let type_doc = doc(&format!(
        "Error codes `{op}` can return: its documented ones, the common ones in `Common`, and\n\
         any other kept in `Unknown`. An operation's own code wins over a common one of the same\n\
         name.\n\n\
         From an error: `error.code_as::<{name}>()`, or `{name}::from(code)` from a code.",
        op = op.name
    ));
    quote! {
        #type_doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ty {
            #(#docs #names,)*
            /// A code every operation can return.
            Common(#common),
            /// A code the spec does not document, kept exactly as given.
            Unknown(::std::string::String),
        }

        #table

        impl #rt::ErrorCode for #ty {
            fn from_code(code: &str) -> ::std::option::Option<Self> {
                ::std::option::Option::Some(#parse)
            }
            fn code(&self) -> &str {
                match self {
                    #(Self::#names => #wires,)*
                    Self::Common(common) => #common::code(common),
                    Self::Unknown(code) => code,
                }
            }
            fn entry(&self) -> ::std::option::Option<&'static #rt::ErrorEntry> {
                match self {
                    #(Self::#names => ::std::option::Option::Some(&Self::ENTRIES[#indexes]),)*
                    Self::Common(common) => ::std::option::Option::Some(#common::entry(common)),
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }
        }

        impl ::std::convert::From<#common> for #ty {
            fn from(code: #common) -> Self {
                Self::Common(code)
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(code: &str) -> Self {
                match <Self as #rt::ErrorCode>::from_code(code) {
                    ::std::option::Option::Some(known) => known,
                    ::std::option::Option::None => Self::Unknown(code.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#rt::ErrorCode::code(self))
            }
        }
    }
}

/// Ends a message with a full stop so the description that follows reads as its own sentence.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}
