//! Row objects in the shape of `@libsql/client` rows: indexes and `length`
//! non-enumerable, column names enumerable (the first column of a duplicated name wins).
//! Shared by local results (built from SQLite's buffers) and remote ones (from Hrana).

use napi::sys::{self, napi_value, PropertyAttributes};

use super::raw::Js;

/// Property descriptors shared by every row of one result; only the values change per row.
pub struct RowShape {
    /// The `columns` array of the result.
    pub columns: napi_value,
    /// The `columnTypes` array of the result.
    pub column_types: napi_value,
    descriptors: Vec<sys::napi_property_descriptor>,
    /// For each descriptor: the column whose value it carries (`usize::MAX` for `length`).
    sources: Vec<usize>,
}

impl RowShape {
    /// `cols` gives each column's name (`None`: no named property) and declared type.
    pub fn new<'a>(js: Js, cols: impl ExactSizeIterator<Item = (Option<&'a str>, &'a str)>) -> napi::Result<Self> {
        let n = cols.len();
        let columns = js.array(n)?;
        let column_types = js.array(n)?;
        let mut names: Vec<&str> = Vec::with_capacity(n);
        let mut descriptors = Vec::with_capacity(1 + 2 * n);
        let mut sources = Vec::with_capacity(2 * n);
        // Indexes first, then `length`, then names: the same own-key order as defining them
        // interleaved (elements always come first), with all element definitions together.
        let mut named = Vec::with_capacity(n);
        for (i, (name, decltype)) in cols.enumerate() {
            let name_v = js.key(name.unwrap_or("").as_bytes())?;
            js.set_element(columns, i as u32, name_v)?;
            js.set_element(column_types, i as u32, js.string(decltype.as_bytes())?)?;
            descriptors.push(descriptor(js.key(i.to_string().as_bytes())?, std::ptr::null_mut(), PropertyAttributes::default));
            sources.push(i);
            let Some(name) = name else { continue };
            // A name that looks like an index ("0") would collide with the index itself.
            if !names.contains(&name) && !is_index_below(name, n) {
                names.push(name);
                named.push((name_v, i));
            }
        }
        descriptors.push(descriptor(js.key(b"length")?, js.double(n as f64)?, PropertyAttributes::default));
        sources.push(usize::MAX);
        let attrs = PropertyAttributes::writable | PropertyAttributes::enumerable | PropertyAttributes::configurable;
        for (name_v, i) in named {
            descriptors.push(descriptor(name_v, std::ptr::null_mut(), attrs));
            sources.push(i);
        }
        Ok(Self { columns, column_types, descriptors, sources })
    }

    /// One row object from its column values (in column order).
    pub fn row(&mut self, js: Js, values: &[napi_value]) -> napi::Result<napi_value> {
        for (d, &src) in self.descriptors.iter_mut().zip(&self.sources) {
            if src != usize::MAX {
                d.value = values[src];
            }
        }
        let row = js.object()?;
        js.define_properties(row, &self.descriptors)?;
        Ok(row)
    }
}

/// Whether `name` is the canonical form of an index the row already has.
fn is_index_below(name: &str, cols: usize) -> bool {
    name.parse::<usize>().is_ok_and(|n| n < cols && n.to_string() == name)
}

fn descriptor(name: napi_value, value: napi_value, attributes: i32) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name: std::ptr::null(),
        name,
        method: None,
        getter: None,
        setter: None,
        value,
        attributes,
        data: std::ptr::null_mut(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_index_below;

    #[test]
    fn only_canonical_indexes_collide_with_row_positions() {
        assert!(is_index_below("0", 2));
        assert!(is_index_below("1", 2));
        assert!(!is_index_below("2", 2));
        assert!(!is_index_below("01", 2));
        assert!(!is_index_below("1.0", 2));
        assert!(!is_index_below("-0", 2));
        assert!(!is_index_below("name", 2));
    }
}
