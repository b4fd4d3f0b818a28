//! The server side: `<Product>Handler`, one method per operation with a typed input, output and
//! business error, and `dispatch`, which routes an action to it. The trait's methods have no
//! default, so an operation added to the spec fails the build of every handler until the
//! handler decides what it answers. Behind the runtime crate's `server` feature, so clients do
//! not compile it.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit};

pub(crate) fn expand(cx: &Cx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let handler = ident(&format!("{}Handler", cx.spec.service.product));
    let methods = cx.spec.operations.iter().map(|op| {
        let method = ident(&op.rust_name);
        let input = ident(&format!("{}Input", op.name));
        let output = ident(&format!("{}Output", op.name));
        let code = ident(&format!("{}ErrorCode", op.name));
        let method_doc = doc(&format!(
            "`{}`: {}\n\n`input` parsed and checked against the rules that need no context.",
            op.name, op.summary
        ));
        quote! {
            #method_doc
            fn #method(
                &self,
                input: super::#input,
                context: &#rt::RequestContext<'_>,
            ) -> ::std::result::Result<super::#output, #rt::BusinessError<super::#code>>;
        }
    });
    let arms = cx.spec.operations.iter().map(|op| {
        let action = lit(&op.name);
        let method = ident(&op.rust_name);
        let input = ident(&format!("{}Input", op.name));
        quote! {
            #action => #rt::serve(
                super::#input::from_wire_params_partial(#rt::pairs(params)),
                |input| handler.#method(input, context),
            ),
        }
    });
    let handler_doc = doc(&format!(
        "Answers every operation of the spec: what a server (the emulator) implements. A method\n\
         per operation, without a default, so a new operation is a decision in the handler's\n\
         code, never a surprise at run time. Dispatch to it with [`dispatch`].\n\n\
         Reference: <{}>",
        cx.spec.service.documentation
    ));
    quote! {
        /// The server side of the API (feature `server`): the handler trait and [`dispatch`].
        #[cfg(feature = "server")]
        pub mod server {
            pub use #rt::{BusinessError, DispatchError, RequestContext};

            #handler_doc
            pub trait #handler {
                #(#methods)*
            }

            /// Routes `action` to the handler with the request's wire parameters: the input is
            /// parsed and checked against the rules that need no context (`InvalidParameter`
            /// otherwise), and the output written as JSON. `None` when the action is not an
            /// operation of the spec.
            pub fn dispatch<H: #handler + ?::std::marker::Sized>(
                handler: &H,
                action: &str,
                params: &[(::std::string::String, ::std::string::String)],
                context: &#rt::RequestContext<'_>,
            ) -> ::std::option::Option<::std::result::Result<::std::string::String, #rt::DispatchError>> {
                ::std::option::Option::Some(match action {
                    #(#arms)*
                    _ => return ::std::option::Option::None,
                })
            }
        }
    }
}
