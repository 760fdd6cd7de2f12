//! Shared helpers for the property tests: a seeded xorshift PRNG and random schema configs.

#![allow(dead_code)]

/// xorshift64* — tiny, deterministic, good enough to explore schema space.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Number of cases: `$ENV` if set, else `default`.
pub fn cases(env: &str, default: u64) -> u64 {
    std::env::var(env).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A generated column, kept as plain data so it can be mutated and rendered to config JSON.
#[derive(Clone, Debug)]
pub struct GenColumn {
    pub name: String,
    pub kind: &'static str,
    pub optional: bool,
    pub unique: bool,
    pub pk: bool,
    pub deprecated: bool,
    pub default: Option<String>,
    pub references: Option<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct GenTable {
    pub name: String,
    pub columns: Vec<GenColumn>,
    pub indexes: Vec<(Vec<String>, bool, Option<String>)>,
    pub fks: Vec<(Vec<String>, String, Vec<String>)>,
    pub deprecated: bool,
}

pub const KINDS: [&str; 5] = ["boolean", "number", "text", "date", "json"];

pub fn default_for(rng: &mut Rng, kind: &str) -> Option<String> {
    if !rng.chance(30) {
        return None;
    }
    Some(match kind {
        "boolean" => (if rng.chance(50) { "true" } else { "false" }).to_string(),
        "number" => format!("{}", rng.below(5) as i64 - 2),
        "text" => (if rng.chance(80) { "\"d'x\"" } else { "{\"sql\":\"'s'\"}" }).to_string(),
        "date" => (if rng.chance(50) { "\"2024-01-01T00:00:00.000Z\"" } else { "{\"__serializedSQL\":true,\"sql\":\"CURRENT_TIMESTAMP\"}" }).to_string(),
        _ => "{\"a\":[1,\"b\"]}".to_string(),
    })
}

pub fn gen_column(rng: &mut Rng, name: String) -> GenColumn {
    let kind = *rng.pick(&KINDS);
    GenColumn {
        name,
        kind,
        optional: rng.chance(40),
        unique: rng.chance(15),
        pk: false,
        deprecated: false,
        default: default_for(rng, kind),
        references: None,
    }
}

pub fn gen_schema(rng: &mut Rng) -> Vec<GenTable> {
    let n = 1 + rng.below(3) as usize;
    let mut tables: Vec<GenTable> = Vec::new();
    for t in 0..n {
        let mut columns = Vec::new();
        for c in 0..rng.below(5) {
            columns.push(gen_column(rng, format!("c{c}")));
        }
        if !columns.is_empty() && rng.chance(35) {
            let i = rng.below(columns.len() as u64) as usize;
            let c = &mut columns[i];
            c.kind = if rng.chance(60) { "number" } else { "text" };
            c.pk = true;
            c.optional = false;
            c.default = None;
        }
        tables.push(GenTable { name: format!("T{t}"), columns, indexes: Vec::new(), fks: Vec::new(), deprecated: false });
    }
    for t in 0..tables.len() {
        add_references(rng, &mut tables, t);
        add_index(rng, &mut tables[t]);
    }
    tables
}

/// Keys a column may reference: primary keys and unique columns of other tables.
fn parent_keys(tables: &[GenTable], not: usize) -> Vec<(String, String, &'static str)> {
    let mut out = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        if i == not {
            continue;
        }
        for c in &t.columns {
            if (c.pk || c.unique) && (c.kind == "number" || c.kind == "text") && !c.deprecated {
                out.push((t.name.clone(), c.name.clone(), c.kind));
            }
        }
    }
    out
}

pub fn add_references(rng: &mut Rng, tables: &mut [GenTable], t: usize) {
    let keys = parent_keys(tables, t);
    if keys.is_empty() {
        return;
    }
    for c in 0..tables[t].columns.len() {
        if !rng.chance(25) {
            continue;
        }
        let (pt, pc, kind) = rng.pick(&keys).clone();
        let col = &mut tables[t].columns[c];
        if col.kind == kind && !col.pk {
            col.references = Some((pt.clone(), pc.clone()));
            if rng.chance(30) && col.references.is_some() {
                // Same constraint as a table-level foreign key instead.
                col.references = None;
                let name = col.name.clone();
                tables[t].fks.push((vec![name], pt, vec![pc]));
            }
        }
    }
}

pub fn add_index(rng: &mut Rng, t: &mut GenTable) {
    if t.columns.is_empty() || !rng.chance(35) {
        return;
    }
    let a = rng.pick(&t.columns).name.clone();
    let mut on = vec![a.clone()];
    if rng.chance(30) {
        let b = rng.pick(&t.columns).name.clone();
        if b != a {
            on.push(b);
        }
    }
    let name = if rng.chance(50) { Some(format!("{}_ix{}", t.name, rng.below(3))) } else { None };
    let unique = rng.chance(30);
    let resolved = name.clone().unwrap_or_else(|| {
        let mut s = on.clone();
        s.sort();
        format!("{}_{}_idx", t.name, s.join("_"))
    });
    let taken = t.indexes.iter().any(|(o, _, n)| {
        n.clone().unwrap_or_else(|| {
            let mut s = o.clone();
            s.sort();
            format!("{}_{}_idx", t.name, s.join("_"))
        }) == resolved
    });
    if !taken {
        t.indexes.push((on, unique, name));
    }
}

/// Renders generated tables as the config JSON `loadSchema` takes.
pub fn to_config(tables: &[GenTable]) -> String {
    let mut out = String::from("{\"tables\":{");
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{}\":{{\"columns\":{{", t.name));
        for (j, c) in t.columns.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let mut s = format!("\"optional\":{},\"unique\":{},\"deprecated\":{}", c.optional, c.unique, c.deprecated);
            if c.pk {
                s = format!("\"primaryKey\":true,\"unique\":{},\"deprecated\":{}", c.unique, c.deprecated);
            }
            if let Some(d) = &c.default {
                s.push_str(&format!(",\"default\":{d}"));
            }
            if let Some((rt, rc)) = &c.references {
                s.push_str(&format!(",\"references\":{{\"table\":\"{rt}\",\"column\":\"{rc}\"}}"));
            }
            out.push_str(&format!("\"{}\":{{\"type\":\"{}\",\"schema\":{{{s}}}}}", c.name, c.kind));
        }
        out.push_str("},\"indexes\":[");
        for (j, (on, unique, name)) in t.indexes.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let on: Vec<String> = on.iter().map(|c| format!("\"{c}\"")).collect();
            out.push_str(&format!("{{\"on\":[{}],\"unique\":{unique}", on.join(",")));
            if let Some(n) = name {
                out.push_str(&format!(",\"name\":\"{n}\""));
            }
            out.push('}');
        }
        out.push_str("],\"foreignKeys\":[");
        for (j, (cols, rt, rcs)) in t.fks.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            let cols: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
            let refs: Vec<String> = rcs.iter().map(|c| format!("{{\"table\":\"{rt}\",\"column\":\"{c}\"}}")).collect();
            out.push_str(&format!("{{\"columns\":[{}],\"references\":[{}]}}", cols.join(","), refs.join(",")));
        }
        out.push_str(&format!("],\"deprecated\":{}}}", t.deprecated));
    }
    out.push_str("}}");
    out
}

/// A random change of `old`: tables and columns added, dropped (sometimes deprecated first),
/// options toggled, kinds changed, indexes and references added or removed.
pub fn mutate(rng: &mut Rng, old: &[GenTable]) -> Vec<GenTable> {
    let mut new: Vec<GenTable> = old.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        match rng.below(12) {
            0 if new.len() > 1 => {
                let i = rng.below(new.len() as u64) as usize;
                new.remove(i);
            }
            1 if new.len() < 4 => {
                let mut t = GenTable { name: format!("N{}", rng.below(100)), columns: Vec::new(), indexes: Vec::new(), fks: Vec::new(), deprecated: false };
                for c in 0..1 + rng.below(3) {
                    t.columns.push(gen_column(rng, format!("c{c}")));
                }
                if new.iter().all(|o| o.name != t.name) {
                    new.push(t);
                }
            }
            _ if new.is_empty() => {}
            k => {
                let ti = rng.below(new.len() as u64) as usize;
                let t = &mut new[ti];
                match k {
                    2 => {
                        let name = format!("c{}", 5 + rng.below(4));
                        if t.columns.iter().all(|c| c.name != name) {
                            t.columns.push(gen_column(rng, name));
                        }
                    }
                    3 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        t.columns.remove(i);
                    }
                    4 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        let c = &mut t.columns[i];
                        if !c.pk {
                            c.optional = !c.optional;
                        }
                    }
                    5 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        t.columns[i].unique = !t.columns[i].unique;
                    }
                    6 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        let c = &mut t.columns[i];
                        c.kind = *rng.pick(&KINDS);
                        c.default = default_for(rng, c.kind);
                        if c.pk && c.kind != "number" && c.kind != "text" {
                            c.pk = false;
                        }
                        if c.pk {
                            c.default = None;
                        }
                    }
                    7 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        let had = t.columns[i].pk;
                        for c in t.columns.iter_mut() {
                            c.pk = false;
                        }
                        let c = &mut t.columns[i];
                        if !had && (c.kind == "number" || c.kind == "text") {
                            c.pk = true;
                            c.optional = false;
                            c.default = None;
                        }
                    }
                    8 => {
                        if rng.chance(50) || t.indexes.is_empty() {
                            add_index(rng, t);
                        } else {
                            let i = rng.below(t.indexes.len() as u64) as usize;
                            t.indexes.remove(i);
                        }
                    }
                    9 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        let kind = t.columns[i].kind;
                        t.columns[i].default = default_for(rng, kind);
                        if t.columns[i].pk {
                            t.columns[i].default = None;
                        }
                    }
                    10 if !t.columns.is_empty() => {
                        let i = rng.below(t.columns.len() as u64) as usize;
                        t.columns[i].deprecated = !t.columns[i].deprecated;
                    }
                    _ => {
                        if rng.chance(50) {
                            for c in t.columns.iter_mut() {
                                c.references = None;
                            }
                            t.fks.clear();
                        } else {
                            add_references(rng, &mut new, ti);
                        }
                    }
                }
            }
        }
    }
    repair(&mut new);
    new
}

/// Drops whatever the mutation left dangling (references, indexes and keys to removed columns)
/// so the new schema is valid more often than not.
pub fn repair(tables: &mut [GenTable]) {
    let snapshot: Vec<GenTable> = tables.to_vec();
    let is_key = |t: &str, c: &str, kind: &str| {
        snapshot.iter().any(|x| x.name == t && x.columns.iter().any(|y| y.name == c && (y.pk || y.unique) && y.kind == kind))
    };
    for t in tables.iter_mut() {
        let names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        for c in t.columns.iter_mut() {
            if let Some((rt, rc)) = &c.references {
                if !is_key(rt, rc, c.kind) || c.pk {
                    c.references = None;
                }
            }
        }
        t.indexes.retain(|(on, _, _)| on.iter().all(|c| names.contains(c)));
        let cols = t.columns.clone();
        t.fks.retain(|(cs, rt, rcs)| {
            cs.iter().zip(rcs).all(|(c, r)| cols.iter().any(|x| x.name == *c && is_key(rt, r, x.kind)))
        });
    }
}
