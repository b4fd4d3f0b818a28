//! The response side: the output struct.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident};
use crate::model::Operation;

pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    output(cx, op)
}

fn output(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = format!("{}::serde", cx.rt_str);
    let ty = ident(&format!("{}Output", op.name));
    let parts: Vec<(TokenStream, TokenStream)> = op
        .response
        .iter()
        .map(|f| super::types::response_field(cx, &op.shapes, f))
        .collect();
    let fields = parts.iter().map(|(d, body)| quote!(#d #body));
    let output_doc = doc(&format!(
        "Output of `{}`, read from the JSON response. Unknown fields are ignored; a field that is\n\
         missing is `None`. A response with `Success: false` never becomes an output: the client\n\
         returns it as a service error.\n\nReference: <{}>",
        op.name, op.documentation
    ));
    let name = format!("{}Output", op.name);
    let names = op.response.iter().map(|f| &f.rust);
    let object_only = super::types::object_only(cx, &name, &parts, names, false);
    quote! {
        #output_doc
        #[derive(Clone, Debug, Default, PartialEq, #rt::serde::Serialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #ty {
            #(#fields)*
        }

        #object_only
    }
}
