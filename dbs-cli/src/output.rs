//! How an answer is printed: `--query EXPR` (JMESPath) first, then `--output json` (pretty JSON,
//! the default) or `--output table [--columns A,B]`. The answer given here is already redacted;
//! every character a server could use to drive the terminal is escaped in either form.

use std::fmt::Write as _;

use serde_json::Value;

use crate::report::{Failure, terminal_safe_json};

/// `--output json`.
pub(crate) const JSON: &str = "json";
/// `--output table`.
pub(crate) const TABLE: &str = "table";

/// What the output flags asked for.
#[derive(Debug, Default)]
pub(crate) struct Format {
    /// The JMESPath expression of `--query`, checked to compile.
    query: Option<String>,
    /// `--output table`, with the columns of `--columns` (empty: every scalar field).
    table: Option<Vec<String>>,
}

impl Format {
    /// The format of the flags; a query that does not compile is a usage error (nothing sent).
    pub(crate) fn new(
        output: Option<&str>,
        columns: Option<&str>,
        query: Option<&str>,
    ) -> Result<Self, Failure> {
        if let Some(expr) = query {
            jmespath::compile(expr)
                .map_err(|e| Failure::usage(format!("--query {expr:?}: {e}")))?;
        }
        let table = match output.unwrap_or(JSON) {
            TABLE => Some(
                columns
                    .map(|text| {
                        text.split(',')
                            .map(|c| c.trim().to_owned())
                            .filter(|c| !c.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            JSON if columns.is_some() => {
                return Err(Failure::usage("--columns needs --output table"));
            }
            JSON => None,
            other => {
                return Err(Failure::usage(format!(
                    "--output {other:?}: expected json or table"
                )));
            }
        };
        Ok(Self {
            query: query.map(str::to_owned),
            table,
        })
    }

    /// The text to print for an answer; `items` is the dotted path of a paged operation's list
    /// (`Items.BackupPlanDetail`), whose elements are a table's rows.
    pub(crate) fn render(&self, answer: Value, items: Option<&str>) -> Result<String, Failure> {
        let (value, items) = match &self.query {
            Some(expr) => (search(expr, &answer)?, None),
            None => (answer, items),
        };
        let mut text = match &self.table {
            Some(columns) => table(&value, items, columns),
            None => serde_json::to_string_pretty(&value)
                .map(|json| terminal_safe_json(&json))
                .map_err(|e| Failure::sent(format!("cannot print the response: {e}")))?,
        };
        text.push('\n');
        Ok(text)
    }
}

/// The result of a JMESPath expression over the answer, as JSON.
fn search(expr: &str, answer: &Value) -> Result<Value, Failure> {
    let compiled =
        jmespath::compile(expr).map_err(|e| Failure::usage(format!("--query {expr:?}: {e}")))?;
    let found = compiled
        .search(answer)
        .map_err(|e| Failure::sent(format!("--query {expr:?}: {e}")))?;
    serde_json::to_value(&*found)
        .map_err(|e| Failure::sent(format!("--query {expr:?}: cannot print the result: {e}")))
}

/// The rows of a table: the list at `items` when there is one, an array's elements, or the
/// value itself as one row.
fn rows<'v>(value: &'v Value, items: Option<&str>) -> Vec<&'v Value> {
    let listed = items.and_then(|path| path.split('.').try_fold(value, |v, step| v.get(step)));
    match listed.unwrap_or(value) {
        Value::Array(list) => list.iter().collect(),
        one => vec![one],
    }
}

/// A plain text table: a header of column names, a rule, one line per row, columns padded to
/// their widest cell. Without `--columns`, the columns are the scalar fields of the rows, in
/// the order they first appear; rows that are not objects have one column, `Value`.
fn table(value: &Value, items: Option<&str>, columns: &[String]) -> String {
    let rows = rows(value, items);
    let objects = rows.iter().any(|row| row.is_object());
    let columns: Vec<String> = if !columns.is_empty() {
        columns.to_vec()
    } else if objects {
        let mut names: Vec<String> = Vec::new();
        for row in &rows {
            if let Value::Object(fields) = row {
                for (name, field) in fields {
                    if !field.is_object() && !field.is_array() && !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
        }
        names
    } else {
        vec!["Value".to_owned()]
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|name| match row {
                    Value::Object(fields) => fields.get(name).map(cell).unwrap_or_default(),
                    other if !objects => cell(other),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    let header: Vec<String> = columns.iter().map(|c| safe(c)).collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            cells
                .iter()
                .map(|row| row[i].chars().count())
                .chain(std::iter::once(header[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        let mut text = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let _ = write!(text, "{cell:<width$}", width = widths[i]);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut out, &header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut out, &rule);
    for row in &cells {
        line(&mut out, row);
    }
    out.pop();
    out
}

/// One cell: a string as it is, other scalars as JSON, structures as compact JSON; escaped.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => safe(text),
        other => safe(&other.to_string()),
    }
}

/// Text with every character a terminal could act on (controls, tabs and line breaks included,
/// which would break the table) written as `\u{..}`.
fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || dbs_api::Redactor::is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(output: &str, columns: Option<&str>, query: Option<&str>, answer: Value) -> String {
        Format::new(Some(output), columns, query)
            .expect("valid flags")
            .render(answer, Some("Items.Row"))
            .expect("a printable answer")
    }

    #[test]
    fn a_table_of_the_list_items_with_the_columns_asked() {
        let answer = json!({"TotalPages": 1, "Items": {"Row": [
            {"Id": "a", "Size": 10, "Nested": {"x": 1}},
            {"Id": "bbbb", "Ok": true}
        ]}});
        assert_eq!(
            render(TABLE, Some("Id,Size,Ok"), None, answer.clone()),
            "Id    Size  Ok\n----  ----  ----\na     10\nbbbb        true\n"
        );
        // Without --columns: the rows' scalar fields, in order of first appearance.
        assert_eq!(
            render(TABLE, None, None, answer),
            "Id    Size  Ok\n----  ----  ----\na     10\nbbbb        true\n"
        );
    }

    #[test]
    fn a_table_of_a_non_list_answer_is_one_row_of_its_top_level() {
        let answer = json!({"RequestId": "r-1", "Success": true, "Nested": {"A": 1}});
        assert_eq!(
            render(TABLE, None, None, answer),
            "RequestId  Success\n---------  -------\nr-1        true\n"
        );
    }

    #[test]
    fn cells_cannot_drive_the_terminal_or_break_the_table() {
        let answer = json!({"Items": {"Row": [{"Id": "a\u{1b}[2Jb\nc\u{202e}"}]}});
        let text = render(TABLE, None, None, answer);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text:?}"
        );
        assert!(text.contains("a\\u{1b}[2Jb\\u{a}c\\u{202e}"), "{text:?}");
    }

    #[test]
    fn a_query_selects_before_printing() {
        let answer = json!({"Items": {"Row": [{"Id": "a", "N": 1}, {"Id": "b", "N": 2}]}});
        assert_eq!(
            render(JSON, None, Some("Items.Row[].Id"), answer.clone()),
            "[\n  \"a\",\n  \"b\"\n]\n"
        );
        assert_eq!(
            render(TABLE, None, Some("Items.Row[?N > `1`]"), answer),
            "Id  N\n--  -\nb   2\n"
        );
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        let code = |r: Result<Format, Failure>| r.expect_err("a usage error").code;
        assert_eq!(
            code(Format::new(None, None, Some("Items[?"))),
            crate::report::EXIT_NOT_SENT
        );
        assert_eq!(
            code(Format::new(Some(JSON), Some("Id"), None)),
            crate::report::EXIT_NOT_SENT
        );
        assert_eq!(
            code(Format::new(Some("yaml"), None, None)),
            crate::report::EXIT_NOT_SENT
        );
    }
}
