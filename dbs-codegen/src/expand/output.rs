//! The response side: the output struct and the operation's error codes.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit, types};
use crate::model::{ErrorCode, Operation, Type};

pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let output = output(cx, op);
    let errors = error_codes(cx, op);
    quote! { #output #errors }
}

fn output(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = format!("{}::serde", cx.rt_str);
    let ty = ident(&format!("{}Output", op.name));
    let fields = op.response.iter().map(|f| {
        let field = ident(&f.rust);
        let wire = lit(&f.wire);
        let inner = cx.rust_type(op, f.ty);
        // Lenient readers: numbers may arrive as strings and strings as numbers; int64 stays exact.
        let reader = match f.ty {
            Type::String => "string",
            Type::Int32 => "int32",
            Type::Int64 => "int64",
            Type::Boolean => "boolean",
            Type::Shape(_) => "string",
        };
        let with = lit(&format!("{}::de::{reader}", cx.rt_str));
        let mut text = format!("`{}`: {}", f.wire, f.description);
        if let Some(example) = &f.example {
            text.push_str(&format!("\n\nExample: `{example}`."));
        }
        let d = doc(&text);
        quote! {
            #d
            #[serde(rename = #wire, default, deserialize_with = #with, skip_serializing_if = "::std::option::Option::is_none")]
            pub #field: ::std::option::Option<#inner>,
        }
    });
    let output_doc = doc(&format!(
        "Output of `{}`, read from the JSON response. Unknown fields are ignored; a field that is\n\
         missing is `None`. A response with `Success: false` never becomes an output: the client\n\
         returns it as a service error.\n\nReference: <{}>",
        op.name, op.documentation
    ));
    let _ = rt;
    quote! {
        #output_doc
        #[derive(Clone, Debug, Default, PartialEq, #rt::serde::Serialize, #rt::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #ty {
            #(#fields)*
        }
    }
}

/// The operation's documented errors plus the service's common ones.
fn error_codes(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let name = format!("{}ErrorCode", op.name);
    let ty = ident(&name);
    let own: std::collections::HashSet<&str> = op.errors.iter().map(|c| c.code.as_str()).collect();
    let codes: Vec<&ErrorCode> = op
        .errors
        .iter()
        .chain(
            cx.spec
                .service
                .errors
                .iter()
                .filter(|common| !own.contains(common.code.as_str())),
        )
        .collect();
    let docs: Vec<String> = codes
        .iter()
        .map(|c| {
            format!(
                "HTTP {}: {} {}",
                c.http_status,
                sentence(&c.message),
                c.description
            )
        })
        .collect();
    let variants: Vec<types::Variant<'_>> = codes
        .iter()
        .zip(&docs)
        .map(|(c, d)| types::Variant {
            name: &c.variant,
            wire: &c.code,
            doc: d,
        })
        .collect();
    let text = format!(
        "Error codes `{}` can return: the documented ones and the service's common ones.\n\n\
         Compare with `dbs_api::Error::code()`: `{name}::from(code)`.",
        op.name
    );
    let open = types::open_enum(cx, &name, &text, &variants, false, None);
    let names: Vec<_> = codes.iter().map(|c| ident(&c.variant)).collect();
    let statuses = codes.iter().map(|c| c.http_status);
    let retryable: Vec<_> = codes
        .iter()
        .filter(|c| c.retryable)
        .map(|c| ident(&c.variant))
        .collect();
    let retryable_match = if retryable.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(Self::#retryable)|*))
    };
    quote! {
        #open

        impl #ty {
            /// The HTTP status the reference gives for this code; `None` for an unknown code.
            pub fn http_status(&self) -> ::std::option::Option<u16> {
                match self {
                    #(Self::#names => ::std::option::Option::Some(#statuses),)*
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }

            /// Whether the spec marks the code as safe to retry.
            pub fn is_retryable(&self) -> bool {
                #retryable_match
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
