//! Reading a parsed TOML table key by key with the key path at hand, so that every unknown,
//! missing, mistyped or impossible value is reported as `networks[1].ack_delay_s.min: ...`.
//! (toml's serde errors give a line and column only, not the path.)

use toml::{Table, Value};

/// Why a value was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub path: String,
    pub message: String,
}

pub type Read<T> = std::result::Result<T, Bad>;

pub fn bad<T>(path: &str, message: impl Into<String>) -> Read<T> {
    Err(Bad {
        path: path.to_string(),
        message: message.into(),
    })
}

/// A table being read: each key taken once; `finish` refuses the keys nobody took.
pub struct Reader<'a> {
    table: &'a Table,
    path: String,
    taken: Vec<&'static str>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

impl<'a> Reader<'a> {
    pub fn new(table: &'a Table, path: impl Into<String>) -> Self {
        Reader {
            table,
            path: path.into(),
            taken: Vec::new(),
        }
    }

    pub fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value at `key`, if present.
    pub fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        self.taken.push(key);
        self.table.get(key)
    }

    fn required(&mut self, key: &'static str) -> Read<&'a Value> {
        let path = self.path_of(key);
        match self.value(key) {
            Some(value) => Ok(value),
            None => bad(&path, "missing"),
        }
    }

    pub fn f64(&mut self, key: &'static str) -> Read<f64> {
        let value = self.required(key)?;
        number(value, &self.path_of(key))
    }

    pub fn opt_f64(&mut self, key: &'static str) -> Read<Option<f64>> {
        let path = self.path_of(key);
        self.value(key).map(|v| number(v, &path)).transpose()
    }

    pub fn u64(&mut self, key: &'static str) -> Read<u64> {
        let value = self.required(key)?;
        unsigned(value, &self.path_of(key))
    }

    pub fn opt_u64(&mut self, key: &'static str) -> Read<Option<u64>> {
        let path = self.path_of(key);
        self.value(key).map(|v| unsigned(v, &path)).transpose()
    }

    pub fn string(&mut self, key: &'static str) -> Read<&'a str> {
        let value = self.required(key)?;
        text(value, &self.path_of(key))
    }

    pub fn opt_string(&mut self, key: &'static str) -> Read<Option<&'a str>> {
        let path = self.path_of(key);
        self.value(key).map(|v| text(v, &path)).transpose()
    }

    pub fn table(&mut self, key: &'static str) -> Read<Reader<'a>> {
        let path = self.path_of(key);
        let value = self.required(key)?;
        table(value, path)
    }

    pub fn opt_table(&mut self, key: &'static str) -> Read<Option<Reader<'a>>> {
        let path = self.path_of(key);
        self.value(key).map(|v| table(v, path)).transpose()
    }

    /// An array of tables (`[[key]]` or `key = [{...}]`); absent reads as empty.
    pub fn tables(&mut self, key: &'static str) -> Read<Vec<Reader<'a>>> {
        let path = self.path_of(key);
        match self.value(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| table(item, format!("{path}[{i}]")))
                .collect(),
            Some(other) => bad(
                &path,
                format!("expected an array of tables, found {}", type_name(other)),
            ),
        }
    }

    /// Refuses the keys that were not taken.
    pub fn finish(self) -> Read<()> {
        let mut unknown: Vec<&String> = self
            .table
            .keys()
            .filter(|k| !self.taken.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(key) => {
                let mut known = self.taken.clone();
                known.sort();
                known.dedup();
                bad(
                    &join(&self.path, key),
                    format!("unknown key (known here: {})", known.join(", ")),
                )
            }
        }
    }
}

pub fn number(value: &Value, path: &str) -> Read<f64> {
    match value {
        Value::Float(x) if x.is_finite() => Ok(*x),
        Value::Float(_) => bad(path, "expected a finite number"),
        Value::Integer(i) => Ok(*i as f64),
        other => bad(
            path,
            format!("expected a number, found {}", type_name(other)),
        ),
    }
}

pub fn unsigned(value: &Value, path: &str) -> Read<u64> {
    match value {
        Value::Integer(i) if *i >= 0 => Ok(*i as u64),
        Value::Integer(i) => bad(path, format!("expected a non-negative integer, found {i}")),
        other => bad(
            path,
            format!(
                "expected a non-negative integer, found {}",
                type_name(other)
            ),
        ),
    }
}

fn text<'a>(value: &'a Value, path: &str) -> Read<&'a str> {
    match value {
        Value::String(s) => Ok(s),
        other => bad(
            path,
            format!("expected a string, found {}", type_name(other)),
        ),
    }
}

fn table(value: &Value, path: String) -> Read<Reader<'_>> {
    match value {
        Value::Table(t) => Ok(Reader::new(t, path)),
        other => bad(
            &path,
            format!("expected a table, found {}", type_name(other)),
        ),
    }
}

/// Replaces the value at a key path (`a.b`, `networks[1].p_refuse`) in `root`, for `sweep`.
pub fn set_path(root: &mut Table, path: &str, value: Value) -> Read<()> {
    let mut table = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => {
                let Some(n) = rest.strip_suffix(']').and_then(|n| n.parse::<usize>().ok()) else {
                    return bad(path, format!("`{part}` is no key or key[index]"));
                };
                (name, Some(n))
            }
            None => (*part, None),
        };
        let last = i + 1 == parts.len();
        match (index, last) {
            (None, true) => {
                table.insert(name.to_string(), value);
                return Ok(());
            }
            (None, false) => {
                let entry = table
                    .entry(name.to_string())
                    .or_insert_with(|| Value::Table(Table::new()));
                match entry {
                    Value::Table(t) => table = t,
                    _ => return bad(path, format!("`{name}` is no table")),
                }
            }
            (Some(n), _) => {
                let Some(Value::Array(items)) = table.get_mut(name) else {
                    return bad(path, format!("`{name}` is no array"));
                };
                let len = items.len();
                let Some(item) = items.get_mut(n) else {
                    return bad(path, format!("`{name}` has {len} entries, no [{n}]"));
                };
                if last {
                    *item = value;
                    return Ok(());
                }
                match item {
                    Value::Table(t) => table = t,
                    _ => return bad(path, format!("`{name}[{n}]` is no table")),
                }
            }
        }
    }
    bad(path, "an empty key path")
}
