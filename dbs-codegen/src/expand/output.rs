//! The response side: the output struct.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit};
use crate::model::{Operation, Type};

pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    output(cx, op)
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
