//! The client: configuration, the request pipeline and the fluent request builders.

use crate::operation::Operation;

/// A DBS client.
#[derive(Clone, Debug, Default)]
pub struct Client {}

/// A call being built: the operation's parameters and per-call options.
#[derive(Debug)]
pub struct RequestBuilder<'c, I: Operation> {
    client: &'c Client,
    builder: I::Builder,
}

impl<'c, I: Operation> RequestBuilder<'c, I> {
    #[doc(hidden)]
    pub fn new(client: &'c Client) -> Self {
        Self { client, builder: I::Builder::default() }
    }

    #[doc(hidden)]
    pub fn map_input(mut self, f: impl FnOnce(I::Builder) -> I::Builder) -> Self {
        self.builder = f(self.builder);
        self
    }
}
