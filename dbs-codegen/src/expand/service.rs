//! Service-wide items: product facts, the endpoint map and the validation context.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit, types};

pub(crate) fn expand(cx: &Cx<'_>) -> TokenStream {
    let s = &cx.spec.service;
    let rt = &cx.rt;
    let (product, version, protocol) = (lit(&s.product), lit(&s.version), lit(&s.protocol));
    let regions = s.endpoints.iter().map(|(region, host)| {
        let (region, host) = (lit(region), lit(host));
        quote!((#region, #host))
    });
    let hosts: std::collections::BTreeSet<&str> =
        s.endpoints.iter().map(|(_, host)| host.as_str()).collect();
    let endpoints_doc = doc(&format!(
        "Region ID → endpoint host, sorted by region ID ({} region{}).{}\n\
         Regions not listed here have no known endpoint: set one explicitly.",
        s.endpoints.len(),
        if s.endpoints.len() == 1 { "" } else { "s" },
        if hosts.len() < s.endpoints.len() {
            " Several regions share a host."
        } else {
            ""
        },
    ));
    let product_doc = doc(&format!(
        "Product code, `{}`.\n\n{}\n\nReference: <{}>",
        s.product, s.description, s.documentation
    ));
    let version_doc = doc(&format!(
        "API version, `{}` (the `Version` parameter and `x-acs-version` header).",
        s.version
    ));

    let facts = s.context.iter().map(|fact| {
        let variants: Vec<types::Variant<'_>> = fact
            .values
            .iter()
            .map(|v| types::Variant {
                name: &v.variant,
                wire: &v.value,
                doc: &v.description,
            })
            .collect();
        let fact_doc = format!("{}\n\nRead from `{}`.", fact.description, fact.source);
        types::open_enum(cx, &fact.name, &fact_doc, &variants, true, None)
    });
    let fields = s.context.iter().map(|fact| {
        let (field, ty) = (ident(&fact.rust_name), ident(&fact.name));
        let field_doc = doc(&format!(
            "`{}`, when known. Rules that need it are skipped while it is `None`.",
            fact.name
        ));
        quote! { #field_doc pub #field: ::std::option::Option<#ty>, }
    });
    let setters = s.context.iter().map(|fact| {
        let (field, ty) = (ident(&fact.rust_name), ident(&fact.name));
        let setter = ident(&format!("with_{}", fact.rust_name));
        let setter_doc = doc(&format!("Sets `{}`.", fact.name));
        quote! {
            #setter_doc
            pub fn #setter(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.#field = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    let fact_metas = s.context.iter().map(|fact| {
        let (name, description, source) =
            (lit(&fact.name), lit(&fact.description), lit(&fact.source));
        let flag = lit(&crate::names::kebab_case(&fact.name));
        // The record field that holds it: the last part of `Operation.Path.Field`.
        let field = lit(fact.source.rsplit('.').next().unwrap_or(&fact.source));
        let values = fact.values.iter().map(|v| lit(&v.value));
        let source_key = match &fact.source_key {
            Some(key) => {
                let key = lit(key);
                quote!(::std::option::Option::Some(#key))
            }
            None => quote!(::std::option::Option::None),
        };
        let (field_name, ty) = (ident(&fact.rust_name), ident(&fact.name));
        quote! {
            #rt::ContextFactMeta {
                name: #name,
                flag: #flag,
                description: #description,
                source: #source,
                source_key: #source_key,
                field: #field,
                values: &[#(#values),*],
                set: |context, value| {
                    context.#field_name = ::std::option::Option::Some(#ty::from_wire(value));
                },
            }
        }
    });
    let context_doc = doc(
        "Facts a validator may know that the request does not carry.\n\n\
         The default knows nothing: rules that depend on an unknown fact are skipped (the service\n\
         still enforces them). Supply a fact to have those rules checked before sending.",
    );
    quote! {
        #product_doc
        pub const PRODUCT: &str = #product;
        #version_doc
        pub const API_VERSION: &str = #version;
        #[doc = " Default protocol of the service."]
        pub const PROTOCOL: &str = #protocol;
        #endpoints_doc
        pub const ENDPOINTS: &[(&str, &str)] = &[#(#regions),*];

        /// The endpoint host of a region, from [`ENDPOINTS`]; `None` for a region the spec does not map.
        pub fn endpoint_for_region(region_id: &str) -> ::std::option::Option<&'static str> {
            ENDPOINTS.iter().find(|(region, _)| *region == region_id).map(|(_, host)| *host)
        }

        #(#facts)*

        #context_doc
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct ValidationContext {
            #(#fields)*
        }

        /// Every context fact of the spec, in spec order, for code that works from names (the CLI
        /// makes one flag of each).
        pub const CONTEXT_FACTS: &[#rt::ContextFactMeta] = &[#(#fact_metas),*];

        impl ValidationContext {
            /// A context that knows nothing (the same as `default()`).
            pub fn new() -> Self {
                Self::default()
            }
            #(#setters)*
        }
    }
}
