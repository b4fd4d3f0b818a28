//! Context facts fetched from the service: a [`ValidationContext`] for one object (a backup
//! plan), read from each fact's `source` with one call of each source operation, so the rules
//! that depend on the facts are checked before a request is sent.
//!
//! ```no_run
//! # async fn run(client: dbs_api::Client) -> Result<(), dbs_api::Error> {
//! let context = client.validation_context_for("dbs1hvb0ww1234").await?;
//! let answer = client
//!     .create_restore_task()
//!     .backup_plan_id("dbs1hvb0ww1234")
//!     .validation_context(context)
//!     .send()
//!     .await;
//! # let _ = answer; Ok(()) }
//! ```

use crate::client::Client;
use crate::error::Error;
use crate::{CONTEXT_FACTS, ValidationContext};

impl Client {
    /// The context facts of the object `id` (a `BackupPlanId`), fetched from the service: for
    /// every fact whose spec names a `source_key`, its `source` operation is called with `id`
    /// (once per operation, however many facts it gives) and the fact read from the source path
    /// of the answer's first item. A fact the answer lacks stays unknown (its rules are skipped).
    ///
    /// # Errors
    ///
    /// The error of a source call; [`Error::ContextNotFound`] when the answer lists no object.
    pub async fn validation_context_for(&self, id: &str) -> Result<ValidationContext, Error> {
        let mut context = ValidationContext::new();
        let mut answers: Vec<(&str, &str, serde_json::Value)> = Vec::new();
        for fact in CONTEXT_FACTS {
            let Some(key) = fact.source_key else {
                continue;
            };
            let (name, path) = fact.source.split_once('.').unwrap_or((fact.source, ""));
            let known = answers.iter().position(|(n, k, _)| *n == name && *k == key);
            let index = match known {
                Some(index) => index,
                None => {
                    let operation = crate::operation(name).ok_or_else(|| {
                        Error::Config(format!("the source of {} names no operation", fact.name))
                    })?;
                    let params = [(key.to_owned(), id.to_owned())];
                    let answer = self.call(operation, &params, None).await?;
                    answers.push((name, key, answer));
                    answers.len() - 1
                }
            };
            match read(&answers[index].2, path) {
                Read::Value(value) => (fact.set)(&mut context, value),
                Read::Missing => {}
                Read::NoObject => {
                    return Err(Error::ContextNotFound {
                        fact_source: fact.source,
                        id: id.to_owned(),
                    });
                }
            }
        }
        Ok(context)
    }
}

/// What a source path found in an answer.
#[derive(Debug, PartialEq, Eq)]
enum Read<'a> {
    /// The fact's text.
    Value(&'a str),
    /// The object is there without the fact.
    Missing,
    /// A list on the way is empty or absent: no object.
    NoObject,
}

/// The text at the dotted `path` of `answer`, lists read through their first item.
fn read<'a>(answer: &'a serde_json::Value, path: &str) -> Read<'a> {
    let mut value = answer;
    let mut steps = path.split('.').peekable();
    while let Some(step) = steps.next() {
        match value.get(step) {
            Some(serde_json::Value::Array(items)) => match items.first() {
                Some(first) => value = first,
                None => return Read::NoObject,
            },
            Some(next) => value = next,
            // A container on the way to the list is missing: no object; the last step: no fact.
            None if steps.peek().is_some() => return Read::NoObject,
            None => return Read::Missing,
        }
    }
    value.as_str().map_or(Read::Missing, Read::Value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_path_reads_through_the_first_item_of_a_list() {
        let answer = json!({"Items": {"Detail": [{"Kind": "MySQL"}, {"Kind": "Redis"}]}});
        assert_eq!(read(&answer, "Items.Detail.Kind"), Read::Value("MySQL"));
        let answer = json!({"Items": {"Detail": [{"Other": 1}]}});
        assert_eq!(read(&answer, "Items.Detail.Kind"), Read::Missing);
        let answer = json!({"Items": {"Detail": []}});
        assert_eq!(read(&answer, "Items.Detail.Kind"), Read::NoObject);
        let answer = json!({"RequestId": "x"});
        assert_eq!(read(&answer, "Items.Detail.Kind"), Read::NoObject);
    }
}
