//! The client side: the `Operation` impl, the client method, its fluent setters and the registry
//! the CLI and emulator read.

use proc_macro2::TokenStream;
use quote::quote;

use super::input::first_sentence;
use super::{Cx, doc, ident, lit};
use crate::model::{Condition, Operation, Param, Requirement, ShapeKind, Spec, Type};

pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let input = ident(&format!("{}Input", op.name));
    let builder = ident(&format!("{}InputBuilder", op.name));
    let output = ident(&format!("{}Output", op.name));
    let error_code = ident(&format!("{}ErrorCode", op.name));
    let request = ident(&format!("{}Request", op.name));
    let method = ident(&op.rust_name);
    let action = lit(&op.name);
    let url = lit(&op.documentation);
    let token = match op.idempotency_token {
        Some(i) => {
            let wire = lit(&op.params[i].wire);
            quote!(::std::option::Option::Some(#wire))
        }
        None => quote!(::std::option::Option::None),
    };
    let idempotent = op.idempotent;
    let setters = op.params.iter().map(|p| {
        let field = ident(&p.rust);
        let d = doc(&format!(
            "Sets `{}`. {}\n\nSee [`{}Input::{}`].",
            p.wire,
            first_sentence(&p.description),
            op.name,
            p.rust
        ));
        let arg = setter_arg(cx, op, p);
        quote! {
            #d
            pub fn #field(self, value: #arg) -> Self {
                self.map_input(|builder| builder.#field(value))
            }
        }
    });
    let errors: Vec<String> = op
        .errors
        .iter()
        .map(|e| format!("- `{}` (HTTP {}): {}", e.code, e.http_status, e.message))
        .collect();
    let method_doc = doc(&format!(
        "`{name}`: {summary}\n\n\
         Set parameters on the returned [`{name}Request`], then `.send().await` (or `.dry_run()`).\n\
         RAM action `{ram}`{token}.\n\n\
         # Errors\n\n\
         `send()` returns [`Error`](crate::Error): a validation error before anything is sent when\n\
         a parameter is missing or invalid, or the service's error{errors}\n\n\
         Every code it can return, the common gateway codes included, is a variant of\n\
         [`{name}ErrorCode`]: `error.code_as::<{name}ErrorCode>()`.\n\n\
         Reference: <{url}>",
        name = op.name,
        summary = op.summary,
        ram = op.ram_action,
        token = op
            .idempotency_token
            .map(|i| format!("; retried safely with one `{}` per call", op.params[i].wire))
            .unwrap_or_default(),
        errors = if errors.is_empty() {
            ".".to_owned()
        } else {
            format!(", including:\n{}", errors.join("\n"))
        },
        url = op.documentation,
    ));
    let paged = paged(cx, op);
    let waiters = op.waiters.iter().map(|w| waiter(cx, op, w));
    let request_doc = doc(&format!(
        "A `{}` call being built: the parameter setters, then `send()`.",
        op.name
    ));
    quote! {
        impl #rt::Operation for #input {
            type Builder = #builder;
            type Output = #output;
            type ErrorCode = #error_code;
            const ACTION: &'static str = #action;
            const DOCUMENTATION: &'static str = #url;
            const IDEMPOTENCY_TOKEN: ::std::option::Option<&'static str> = #token;
            const IDEMPOTENT: bool = #idempotent;

            fn from_builder(builder: Self::Builder) -> Self {
                builder.build()
            }

            fn validate(&self, context: &crate::ValidationContext) -> ::std::result::Result<(), #rt::ValidationError> {
                #input::validate(self, context)
            }

            fn to_wire_params(&self) -> ::std::vec::Vec<#rt::WireParam> {
                #input::to_wire_params(self)
            }
        }

        #request_doc
        pub type #request<'c> = #rt::RequestBuilder<'c, #input>;

        impl #rt::Client {
            #method_doc
            pub fn #method(&self) -> #request<'_> {
                #rt::RequestBuilder::new(self)
            }
        }

        impl<'c> #rt::RequestBuilder<'c, #input> {
            #(#setters)*
        }

        #paged

        #(#waiters)*
    }
}

/// A waiter's unit type, its `impl Waiter` (how to ask for the object and read its item's state,
/// message and progress, by the spec's names; `check` has resolved them) and the client method.
fn waiter(cx: &Cx<'_>, op: &Operation, w: &crate::model::Waiter) -> TokenStream {
    let rt = &cx.rt;
    let input = ident(&format!("{}Input", op.name));
    let ty = ident(&format!("{}Waiter", w.name));
    let method = ident(&format!("wait_until_{}", crate::names::snake_case(&w.name)));
    let Some(param) = op.params.iter().find(|p| p.wire == w.input) else {
        return TokenStream::new();
    };
    let set_id = ident(&param.rust);
    // The path to the list, owned: a top-level field (always optional), then members.
    let mut fields: &[crate::model::Field] = &op.response;
    let mut owned = quote!(output);
    let mut item = None;
    for (i, step) in w.items.split('.').enumerate() {
        let Some(f) = fields.iter().find(|f| f.wire == step) else {
            return TokenStream::new();
        };
        let field = ident(&f.rust);
        owned = if i == 0 {
            quote!(#owned.#field)
        } else if f.required {
            quote!(#owned.map(|v| v.#field))
        } else {
            quote!(#owned.and_then(|v| v.#field))
        };
        fields = &[];
        if let Type::Shape(s) = f.ty {
            match &op.shape(s).kind {
                ShapeKind::Structure { members } => fields = members,
                ShapeKind::List { member, .. } => {
                    item = Some(*member);
                }
                ShapeKind::Enum { .. } => {}
            }
        }
    }
    let Some(item) = item else {
        return TokenStream::new();
    };
    let Type::Shape(item_shape) = item else {
        return TokenStream::new();
    };
    let ShapeKind::Structure { members } = &op.shape(item_shape).kind else {
        return TokenStream::new();
    };
    let item_ty = cx.rust_type(op, item);
    let member = |wire: &str| members.iter().find(|m| m.wire == wire);
    let Some(status) = member(&w.status) else {
        return TokenStream::new();
    };
    let status_field = ident(&status.rust);
    let status_text = match status.ty {
        Type::String => quote!(v.clone()),
        _ => quote!(v.as_str().to_owned()),
    };
    let read_status = if status.required {
        quote!({ let v = &item.#status_field; ::std::option::Option::Some(#status_text) })
    } else {
        quote!(item.#status_field.as_ref().map(|v| #status_text))
    };
    let read_message = match w.message.as_deref().and_then(member) {
        Some(m) => {
            let field = ident(&m.rust);
            if m.required {
                quote!(::std::option::Option::Some(item.#field.clone()))
            } else {
                quote!(item.#field.clone())
            }
        }
        None => quote!({
            let _ = item;
            ::std::option::Option::None
        }),
    };
    let progress = w.progress.iter().filter_map(|wire| {
        let m = member(wire)?;
        let field = ident(&m.rust);
        let name = lit(wire);
        Some(if m.required {
            quote!((#name, ::std::option::Option::Some(<i64>::from(item.#field))))
        } else {
            quote!((#name, item.#field.map(<i64>::from)))
        })
    });
    let strs = |values: &[String]| {
        let values = values.iter().map(|v| lit(v));
        quote!(&[#(#values),*])
    };
    let opt = |text: &Option<String>| match text {
        Some(t) => {
            let t = lit(t);
            quote!(::std::option::Option::Some(#t))
        }
        None => quote!(::std::option::Option::None),
    };
    let explain = match &w.explain {
        Some((operation, param)) => {
            let (operation, param) = (lit(operation), lit(param));
            quote!(::std::option::Option::Some(#rt::WaiterExplain { operation: #operation, input: #param }))
        }
        None => quote!(::std::option::Option::None),
    };
    let (name, operation, id_wire, items, status_wire) = (
        lit(&w.name),
        lit(&op.name),
        lit(&w.input),
        lit(&w.items),
        lit(&w.status),
    );
    let (success, failure, progress_names) =
        (strs(&w.success), strs(&w.failure), strs(&w.progress));
    let message = opt(&w.message);
    let (delay, max_delay, timeout) = (
        proc_macro2::Literal::u64_unsuffixed(w.delay_ms),
        proc_macro2::Literal::u64_unsuffixed(w.max_delay_ms),
        proc_macro2::Literal::u64_unsuffixed(w.timeout_ms),
    );
    let states = |values: &[String]| {
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let type_doc = doc(&format!(
        "The waiter `{}` of `{}`: {}",
        w.name, op.name, w.description
    ));
    let method_doc = doc(&format!(
        "Waits until `{status}` of the object whose `{id}` is `id` is {success} (then returns \
         its item), polling `{op}`.\n\n{description}\n\n\
         By default the first wait between polls is {delay} ms, doubling up to {max_delay} ms \
         (with jitter), for at most {timeout} ms; set them, and a progress callback, on the \
         returned [`Wait`]({rt_doc}::Wait), then `.send().await`.\n\n\
         # Errors\n\n\
         [`Error::WaiterFailed`](crate::Error::WaiterFailed) when it is {failure}{explain}; \
         [`Error::WaiterNotFound`](crate::Error::WaiterNotFound) when `{op}` lists no such \
         object; [`Error::WaiterTimeout`](crate::Error::WaiterTimeout); or the error of a poll.",
        status = w.status,
        id = w.input,
        success = states(&w.success),
        failure = states(&w.failure),
        op = op.name,
        description = w.description,
        delay = w.delay_ms,
        max_delay = w.max_delay_ms,
        timeout = w.timeout_ms,
        rt_doc = "crate::waiter",
        explain = w
            .explain
            .as_ref()
            .map(|(o, _)| format!(", with `{o}`'s answer"))
            .unwrap_or_default(),
    ));
    quote! {
        #type_doc
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct #ty;

        impl #rt::Waiter for #ty {
            type Input = #input;
            type Item = #item_ty;
            const SPEC: &'static #rt::WaiterSpec = &#rt::WaiterSpec {
                name: #name,
                operation: #operation,
                input: #id_wire,
                items: #items,
                status: #status_wire,
                success: #success,
                failure: #failure,
                message: #message,
                progress: #progress_names,
                explain: #explain,
                delay: ::std::time::Duration::from_millis(#delay),
                max_delay: ::std::time::Duration::from_millis(#max_delay),
                timeout: ::std::time::Duration::from_millis(#timeout),
            };

            fn request(id: &str) -> <#input as #rt::Operation>::Builder {
                #input::builder().#set_id(id)
            }

            fn item(output: <#input as #rt::Operation>::Output) -> ::std::option::Option<Self::Item> {
                #owned.and_then(|items| items.into_iter().next())
            }

            fn status(item: &Self::Item) -> ::std::option::Option<::std::string::String> {
                #read_status
            }

            fn message(item: &Self::Item) -> ::std::option::Option<::std::string::String> {
                #read_message
            }

            fn progress(item: &Self::Item) -> ::std::vec::Vec<(&'static str, ::std::option::Option<i64>)> {
                ::std::vec![#(#progress),*]
            }
        }

        impl #rt::Client {
            #method_doc
            pub fn #method(&self, id: impl ::std::convert::Into<::std::string::String>) -> #rt::Wait<'_, #ty> {
                #rt::Wait::new(self, id)
            }
        }
    }
}

/// `impl Paged` for an operation with `pagination`: how a paginator sets the page number and
/// reads a page's totals and items, from the spec's field names (`check` has walked the path).
fn paged(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let Some(p) = &op.pagination else {
        return TokenStream::new();
    };
    let rt = &cx.rt;
    let input = ident(&format!("{}Input", op.name));
    let param = |wire: &str| op.params.iter().find(|param| param.wire == wire);
    let (Some(number), Some(size)) = (param(&p.page_number), param(&p.page_size)) else {
        return TokenStream::new();
    };
    let number_field = ident(&number.rust);
    let size_field = ident(&size.rust);
    let set_number = match number.ty {
        Type::Int32 => {
            quote!(builder.#number_field(<i32>::try_from(page).unwrap_or(<i32>::MAX)))
        }
        _ => quote!(builder.#number_field(page)),
    };
    // Without the field, the function ignores its argument (named `_output`, so it says so).
    let total = |wire: &Option<String>| match wire
        .as_ref()
        .and_then(|w| op.response.iter().find(|f| &f.wire == w))
    {
        Some(f) => {
            let field = ident(&f.rust);
            (quote!(output), quote!(output.#field.map(<i64>::from)))
        }
        None => (quote!(_output), quote!(::std::option::Option::None)),
    };
    let ((pages_arg, total_pages), (items_arg, total_items)) =
        (total(&p.total_pages), total(&p.total_items));
    // The path: a top-level field (always optional), then structure members (plain when required).
    let mut fields: &[crate::model::Field] = &op.response;
    let mut borrowed = quote!(output);
    let mut owned = quote!(output);
    let mut item = None;
    for (i, step) in p.items.split('.').enumerate() {
        let Some(f) = fields.iter().find(|f| f.wire == step) else {
            return TokenStream::new();
        };
        let field = ident(&f.rust);
        if i == 0 {
            borrowed = quote!(#borrowed.#field.as_ref());
            owned = quote!(#owned.#field);
        } else if f.required {
            borrowed = quote!(#borrowed.map(|v| &v.#field));
            owned = quote!(#owned.map(|v| v.#field));
        } else {
            borrowed = quote!(#borrowed.and_then(|v| v.#field.as_ref()));
            owned = quote!(#owned.and_then(|v| v.#field));
        }
        match f.ty {
            Type::Shape(s) => match &op.shape(s).kind {
                ShapeKind::Structure { members } => fields = members,
                ShapeKind::List { member, .. } => {
                    fields = &[];
                    item = Some(cx.rust_type(op, *member));
                }
                _ => fields = &[],
            },
            _ => fields = &[],
        }
    }
    let Some(item) = item else {
        return TokenStream::new();
    };
    let pagination = pagination_literal(cx, p);
    let (number_wire, size_wire, items_path) = (&p.page_number, &p.page_size, &p.items);
    let d = doc(&format!(
        "Pages by `{number_wire}` (from {}), `{size_wire}` items a page; the items are `{items_path}`.",
        p.first_page
    ));
    quote! {
        #d
        impl #rt::Paged for #input {
            type Item = #item;
            const PAGINATION: &'static #rt::Pagination = &#pagination;

            fn with_page_number(builder: Self::Builder, page: i64) -> Self::Builder {
                #set_number
            }

            fn first_page_asked(&self) -> ::std::option::Option<i64> {
                self.#number_field.map(<i64>::from)
            }

            fn page_size_asked(&self) -> ::std::option::Option<i64> {
                self.#size_field.map(<i64>::from)
            }

            fn total_pages(#pages_arg: &Self::Output) -> ::std::option::Option<i64> {
                #total_pages
            }

            fn total_items(#items_arg: &Self::Output) -> ::std::option::Option<i64> {
                #total_items
            }

            fn item_count(output: &Self::Output) -> usize {
                #borrowed.map_or(0, |items| items.len())
            }

            fn into_items(output: Self::Output) -> ::std::vec::Vec<Self::Item> {
                #owned.unwrap_or_default()
            }
        }
    }
}

fn setter_arg(cx: &Cx<'_>, op: &Operation, p: &Param) -> TokenStream {
    match p.ty {
        Type::Shape(s) => match &op.shape(s).kind {
            ShapeKind::List { member, .. } => {
                let member = cx.rust_type(op, *member);
                quote!(impl ::std::iter::IntoIterator<Item = #member>)
            }
            _ => {
                let ty = cx.rust_type(op, p.ty);
                quote!(impl ::std::convert::Into<#ty>)
            }
        },
        _ => {
            let ty = cx.rust_type(op, p.ty);
            quote!(impl ::std::convert::Into<#ty>)
        }
    }
}

/// `OPERATIONS`: every operation's facts, for code that works from names (the CLI, the emulator).
pub(crate) fn registry(cx: &Cx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let ops = cx.spec.operations.iter().map(|op| {
        let input = ident(&format!("{}Input", op.name));
        let output = ident(&format!("{}Output", op.name));
        let error_code = ident(&format!("{}ErrorCode", op.name));
        let (name, command, summary, url) = (lit(&op.name), lit(&op.command), lit(&op.summary), lit(&op.documentation));
        let (ram_action, idempotent) = (lit(&op.ram_action), op.idempotent);
        let token = match op.idempotency_token {
            Some(i) => {
                let wire = lit(&op.params[i].wire);
                quote!(::std::option::Option::Some(#wire))
            }
            None => quote!(::std::option::Option::None),
        };
        // Each row points at the input's `PARAMS` row for the facts it shares with the
        // validator (wire name, kind, requirement, bounds, unit, sensitivity).
        let params = op.params.iter().enumerate().map(|(i, p)| {
            let index = proc_macro2::Literal::usize_unsuffixed(i);
            let flag = lit(&p.flag);
            let description = lit(&p.description);
            let example = match &p.example {
                Some(e) => {
                    let e = lit(e);
                    quote!(::std::option::Option::Some(#e))
                }
                None => quote!(::std::option::Option::None),
            };
            let context = context_facts(cx.spec, p).into_iter().map(lit);
            quote! {
                #rt::ParamMeta {
                    spec: &#input::PARAMS[#index],
                    flag: #flag,
                    description: #description,
                    example: #example,
                    context: &[#(#context),*],
                }
            }
        });
        let example = match &op.example {
            Some(e) => {
                let e = lit(e);
                quote!(::std::option::Option::Some(#e))
            }
            None => quote!(::std::option::Option::None),
        };
        // The one copy of the facts is the paginator's, where the input is paged.
        let pagination = match &op.pagination {
            Some(_) => quote!(::std::option::Option::Some(<#input as #rt::Paged>::PAGINATION)),
            None => quote!(::std::option::Option::None),
        };
        quote! {
            #rt::OperationMeta {
                name: #name,
                command: #command,
                summary: #summary,
                documentation: #url,
                ram_action: #ram_action,
                idempotency_token: #token,
                idempotent: #idempotent,
                params: &[#(#params),*],
                example: #example,
                pagination: #pagination,
                prepare: |params, context| {
                    let (input, parsed) = #input::from_wire_params_partial(params.iter().map(|(name, value)| (name.as_str(), value.as_str())));
                    #rt::ValidationError::combine(parsed, input.validate(context))?;
                    ::std::result::Result::Ok(input.to_wire_params())
                },
                retryable_code: #rt::retryable_code::<#error_code>,
                decode_output: |body| {
                    let output = <#output as #rt::serde::Deserialize>::deserialize(body)?;
                    #rt::serde_json::to_value(output)
                },
            }
        }
    });
    let waiters = cx.spec.operations.iter().flat_map(|op| {
        op.waiters.iter().map(|w| {
            let ty = ident(&format!("{}Waiter", w.name));
            quote!(<#ty as #rt::Waiter>::SPEC)
        })
    });
    quote! {
        /// Every waiter of the spec, in operation order, for code that works from names
        /// (`Client::wait_until`).
        pub const WAITERS: &[&#rt::WaiterSpec] = &[#(#waiters),*];

        /// Every operation of the spec, in file-name order, with its parameters' facts.
        pub const OPERATIONS: &[#rt::OperationMeta] = &[#(#ops),*];

        /// The operation whose wire name is `action`, if the spec has it.
        pub fn operation(action: &str) -> ::std::option::Option<&'static #rt::OperationMeta> {
            OPERATIONS.iter().find(|op| op.name == action)
        }
    }
}

/// The `Pagination` value of a spec's `pagination`.
fn pagination_literal(cx: &Cx<'_>, p: &crate::model::Pagination) -> TokenStream {
    let rt = &cx.rt;
    let opt = |text: &Option<String>| match text {
        Some(t) => {
            let t = lit(t);
            quote!(::std::option::Option::Some(#t))
        }
        None => quote!(::std::option::Option::None),
    };
    let (number, size, items) = (lit(&p.page_number), lit(&p.page_size), lit(&p.items));
    let first = proc_macro2::Literal::i64_unsuffixed(p.first_page);
    let (pages, total, note) = (opt(&p.total_pages), opt(&p.total_items), opt(&p.note));
    quote!(#rt::Pagination {
        page_number: #number,
        page_size: #size,
        first_page: #first,
        total_pages: #pages,
        total_items: #total,
        items: #items,
        note: #note,
    })
}

/// The names of the context facts a parameter's requirement and prohibition test, in the order
/// they name them, each once: what the CLI needs to know which rules a fact's flag decides.
fn context_facts<'s>(spec: &'s Spec, p: &Param) -> Vec<&'s str> {
    fn walk<'s>(spec: &'s Spec, condition: &Condition, out: &mut Vec<&'s str>) {
        match condition {
            Condition::Param { .. } | Condition::Bool { .. } | Condition::Present { .. } => {}
            Condition::Context { fact, .. } => {
                let name = spec.service.context[*fact].name.as_str();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            Condition::All(all) | Condition::Any(all) => {
                all.iter().for_each(|c| walk(spec, c, out));
            }
            Condition::Not(inner) => walk(spec, inner, out),
        }
    }
    let mut out = Vec::new();
    if let Requirement::When { condition, .. } = &p.required {
        walk(spec, condition, &mut out);
    }
    if let Some(rule) = &p.forbidden {
        walk(spec, &rule.condition, &mut out);
    }
    out
}
