//! Paginators: every page of a list operation, as a stream of pages or of items, following the
//! spec's `pagination` (page number parameter, first page, totals, where the items are).
//!
//! ```no_run
//! # async fn run(client: dbs_api::Client) -> Result<(), dbs_api::Error> {
//! use futures_util::TryStreamExt as _;
//! let plans: Vec<_> = client
//!     .describe_backup_plan_list()
//!     .page_size(30)
//!     .into_paginator()
//!     .items()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```

use std::fmt;

use futures_core::Stream;
use futures_util::{StreamExt as _, TryStreamExt as _, stream};

use crate::client::{CallOptions, Client, page_request};
use crate::error::Error;
use crate::operation::{Operation, Pagination};

/// The most pages a paginator fetches unless told otherwise ([`Paginator::max_pages`]): a server
/// that keeps announcing more pages cannot make it loop for ever.
pub const DEFAULT_MAX_PAGES: u32 = 1_000;

/// A paged operation's input: generated for each operation whose spec has `pagination`.
pub trait Paged: Operation {
    /// One element of the list of items.
    type Item: Send + 'static;
    /// How the operation pages.
    const PAGINATION: &'static Pagination;

    /// Sets the page number parameter on a builder.
    fn with_page_number(builder: Self::Builder, page: i64) -> Self::Builder;
    /// The page number parameter, when set: the first page to fetch.
    fn first_page_asked(&self) -> Option<i64>;
    /// The page size parameter, when set.
    fn page_size_asked(&self) -> Option<i64>;
    /// The number of pages a page announces, when the spec has that field and the page has it.
    fn total_pages(output: &Self::Output) -> Option<i64>;
    /// The number of items a page announces, when the spec has that field and the page has it.
    fn total_items(output: &Self::Output) -> Option<i64>;
    /// The number of items on a page.
    fn item_count(output: &Self::Output) -> usize;
    /// The items of a page, in the order the service gave them.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

/// Where a walk through the pages is, and when it ends; shared by [`Paginator`] and
/// [`Client::call_all_pages`].
#[derive(Clone, Debug)]
pub(crate) struct PageCursor {
    first: i64,
    next: i64,
    fetched: u32,
    items_seen: u64,
    max_pages: u32,
    done: bool,
}

impl PageCursor {
    /// A walk from `start` (the caller's page number) or the spec's first page.
    pub(crate) fn new(pagination: &Pagination, start: Option<i64>, max_pages: u32) -> Self {
        Self {
            first: pagination.first_page,
            next: start.unwrap_or(pagination.first_page),
            fetched: 0,
            items_seen: 0,
            max_pages,
            done: false,
        }
    }

    /// The page number to fetch next; `None` once the last page is in; an error when the cap
    /// is reached before the pages ended.
    pub(crate) fn next_page(&mut self, action: &'static str) -> Option<Result<i64, Error>> {
        if self.done {
            return None;
        }
        if self.fetched >= self.max_pages {
            self.done = true;
            return Some(Err(Error::TooManyPages {
                action,
                pages: self.fetched,
            }));
        }
        Some(Ok(self.next))
    }

    /// Notes a page: its item count, the totals it announced and the page size asked for.
    pub(crate) fn record(
        &mut self,
        items: usize,
        page_size: Option<i64>,
        total_pages: Option<i64>,
        total_items: Option<i64>,
    ) {
        self.fetched += 1;
        self.items_seen += items as u64;
        self.next = self.next.saturating_add(1);
        let pages_done = self.next.saturating_sub(self.first);
        self.done = items == 0
            || match (total_pages, total_items, page_size) {
                (Some(pages), _, _) => pages_done >= pages,
                (None, Some(total), Some(size)) => pages_done.saturating_mul(size) >= total,
                (None, Some(total), None) => self.items_seen >= u64::try_from(total).unwrap_or(0),
                // No totals: a short page is the last.
                (None, None, Some(size)) => (items as u64) < u64::try_from(size).unwrap_or(0),
                (None, None, None) => false,
            };
    }
}

/// Every page of a paged call: from `client.<operation>()...into_paginator()`.
///
/// Each page goes through the client's pipeline (validation, signing, retries) with the call's
/// options. The walk starts at the page number set on the call, or the spec's first page, and
/// ends after the page the announced total says is last (or, without totals, after a short or
/// empty page), and after at most [`Paginator::max_pages`] pages.
pub struct Paginator<I: Paged> {
    client: Client,
    builder: I::Builder,
    options: CallOptions,
    max_pages: u32,
}

impl<I: Paged> fmt::Debug for Paginator<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("action", &I::ACTION)
            .field("input", &self.builder)
            .field("max_pages", &self.max_pages)
            .finish()
    }
}

impl<I: Paged> Paginator<I> {
    pub(crate) fn new(client: Client, builder: I::Builder, options: CallOptions) -> Self {
        Self {
            client,
            builder,
            options,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// The most pages to fetch (default [`DEFAULT_MAX_PAGES`]). When the service announces more,
    /// the stream ends with [`Error::TooManyPages`] after yielding them.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// The pages, one output per call; an error ends the stream.
    pub fn send(self) -> impl Stream<Item = Result<I::Output, Error>> + Send + 'static {
        let input = I::from_builder(self.builder.clone());
        let cursor = PageCursor::new(I::PAGINATION, input.first_page_asked(), self.max_pages);
        let size = input.page_size_asked();
        let state = (self, cursor);
        stream::unfold(Some(state), move |state| async move {
            let (paginator, mut cursor) = state?;
            let page = match cursor.next_page(I::ACTION)? {
                Ok(page) => page,
                Err(e) => return Some((Err(e), None)),
            };
            let builder = I::with_page_number(paginator.builder.clone(), page);
            let answer =
                page_request::<I>(&paginator.client, builder, paginator.options.clone()).await;
            match answer {
                Ok(output) => {
                    cursor.record(
                        I::item_count(&output),
                        size,
                        I::total_pages(&output),
                        I::total_items(&output),
                    );
                    Some((Ok(output), Some((paginator, cursor))))
                }
                Err(e) => Some((Err(e), None)),
            }
        })
    }

    /// The items of every page, in order; an error ends the stream.
    pub fn items(self) -> impl Stream<Item = Result<I::Item, Error>> + Send + 'static {
        self.send()
            .map_ok(|page| stream::iter(I::into_items(page).into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

/// The JSON value at a dotted path of field names (`Items.BackupPlanDetail`), to change it.
pub(crate) fn at_path_mut<'v>(
    value: &'v mut serde_json::Value,
    path: &str,
) -> Option<&'v mut serde_json::Value> {
    path.split('.').try_fold(value, |v, step| v.get_mut(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGING: Pagination = Pagination {
        page_number: "PageNum",
        page_size: "PageSize",
        first_page: 0,
        total_pages: Some("TotalPages"),
        total_items: Some("TotalElements"),
        items: "Items.X",
        note: None,
    };

    fn walk(
        mut cursor: PageCursor,
        pages: &[(usize, Option<i64>, Option<i64>)],
        size: Option<i64>,
    ) -> Vec<i64> {
        let mut asked = Vec::new();
        for &(items, total_pages, total_items) in pages {
            match cursor.next_page("X") {
                Some(Ok(page)) => asked.push(page),
                _ => break,
            }
            cursor.record(items, size, total_pages, total_items);
        }
        asked
    }

    #[test]
    fn total_pages_ends_the_walk() {
        let cursor = PageCursor::new(&PAGING, None, 100);
        let pages = [
            (10, Some(3), None),
            (10, Some(3), None),
            (5, Some(3), None),
            (5, Some(3), None),
        ];
        assert_eq!(walk(cursor, &pages, Some(10)), [0, 1, 2]);
    }

    #[test]
    fn without_totals_a_short_or_empty_page_is_the_last() {
        let cursor = PageCursor::new(&PAGING, Some(1), 100);
        let pages = [(10, None, None), (9, None, None), (10, None, None)];
        assert_eq!(walk(cursor.clone(), &pages, Some(10)), [1, 2]);
        let pages = [(10, None, None), (0, None, None), (10, None, None)];
        assert_eq!(walk(cursor, &pages, None), [1, 2]);
    }

    #[test]
    fn total_items_ends_the_walk() {
        let cursor = PageCursor::new(&PAGING, None, 100);
        let pages = [
            (10, None, Some(20)),
            (10, None, Some(20)),
            (10, None, Some(20)),
        ];
        assert_eq!(walk(cursor, &pages, Some(10)), [0, 1]);
    }

    #[test]
    fn the_cap_is_an_error() {
        let mut cursor = PageCursor::new(&PAGING, None, 2);
        for _ in 0..2 {
            assert!(matches!(cursor.next_page("X"), Some(Ok(_))));
            cursor.record(10, Some(10), Some(i64::MAX), None);
        }
        assert!(matches!(
            cursor.next_page("X"),
            Some(Err(Error::TooManyPages { pages: 2, .. }))
        ));
        assert!(cursor.next_page("X").is_none());
    }
}
