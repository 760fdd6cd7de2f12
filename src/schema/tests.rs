//! Loading, validation paths and snapshot bytes.

use super::*;

fn problems(config: &str) -> Vec<(String, String)> {
    match load_config(config) {
        Ok(_) => Vec::new(),
        Err(p) => p.list.into_iter().map(|p| (p.path, p.message)).collect(),
    }
}

fn has(list: &[(String, String)], path: &str, word: &str) -> bool {
    list.iter().any(|(p, m)| p == path && m.contains(word))
}

#[test]
fn snapshot_matches_upstream_key_order() {
    let l = load_config(r#"{"tables":{
        "User":{"columns":{
            "id":{"type":"number","schema":{"primaryKey":true}},
            "name":{"type":"text","schema":{"label":"Name","multiline":true}},
            "role":{"type":"text","schema":{"enum":["admin","user"],"default":"user"}},
            "active":{"type":"boolean","schema":{"default":true}},
            "at":{"type":"date","schema":{"default":{"__serializedSQL":true,"sql":"CURRENT_TIMESTAMP"}}}}},
        "Comment":{"columns":{
            "authorId":{"type":"number","schema":{"references":{"table":"User","column":"id"}}},
            "meta":{"type":"json","schema":{"optional":true,"default":{"a":[1,2.5]}}}},
          "indexes":[{"on":["meta","authorId"],"unique":true}],
          "foreignKeys":[{"columns":"authorId","references":{"table":"User","column":"id"}}]}}}"#).unwrap();
    let user_id = r#"{"type":"number","schema":{"unique":false,"deprecated":false,"name":"id","collection":"User","primaryKey":true}}"#;
    let expected = format!(concat!(
        r#"{{"version":"2024-03-12","schema":{{"User":{{"columns":{{"id":{user_id},"#,
        r#""name":{{"type":"text","schema":{{"label":"Name","unique":false,"deprecated":false,"name":"name","collection":"User","multiline":true,"primaryKey":false,"optional":false}}}},"#,
        r#""role":{{"type":"text","schema":{{"unique":false,"deprecated":false,"name":"role","collection":"User","default":"user","enum":["admin","user"],"primaryKey":false,"optional":false}}}},"#,
        r#""active":{{"type":"boolean","schema":{{"optional":false,"unique":false,"deprecated":false,"name":"active","collection":"User","default":true}}}},"#,
        r#""at":{{"type":"date","schema":{{"optional":false,"unique":false,"deprecated":false,"name":"at","collection":"User","default":{{"__serializedSQL":true,"sql":"CURRENT_TIMESTAMP"}}}}}}}},"deprecated":false,"indexes":{{}}}},"#,
        r#""Comment":{{"columns":{{"authorId":{{"type":"number","schema":{{"unique":false,"deprecated":false,"name":"authorId","collection":"Comment","primaryKey":false,"optional":false,"references":{user_id}}}}},"#,
        r#""meta":{{"type":"json","schema":{{"optional":true,"unique":false,"deprecated":false,"name":"meta","collection":"Comment","default":{{"a":[1,2.5]}}}}}}}},"#,
        r#""indexes":{{"Comment_authorId_meta_idx":{{"on":["authorId","meta"],"unique":true}}}},"#,
        r#""foreignKeys":[{{"columns":"authorId","references":{user_id}}}],"deprecated":false}}}}}}"#),
        user_id = user_id);
    assert_eq!(l.snapshot_json, expected);
    assert_eq!(l.hash.len(), 16);
    // A snapshot reads back to the same schema and bytes.
    let again = load_snapshot(&l.snapshot_json, true).unwrap();
    assert_eq!(snapshot::to_snapshot_json(&again), expected);
    assert_eq!(again, l.schema);
}

#[test]
fn reports_every_problem_with_its_path() {
    let list = problems(r#"{"tables":{
        "Comment":{"columns":{
            "authorId":{"type":"number","schema":{"references":{"table":"Author","column":"id"}}},
            "postId":{"type":"number","schema":{"references":{"table":"Post","column":"slug"}}},
            "id":{"type":"text","schema":{"primaryKey":true,"optional":true,"default":"x"}},
            "id2":{"type":"number","schema":{"primaryKey":true}},
            "kind":{"type":"text","schema":{"enum":["a"],"default":"b"}},
            "empty":{"type":"text","schema":{"enum":[]}},
            "n":{"type":"number","schema":{"default":"1"}},
            "d":{"type":"date","schema":{"default":{"sql":"1); DROP TABLE x"}}},
            "weird":{"type":"blob"}},
          "indexes":[{"on":["nope"]}],
          "foreignKeys":[{"columns":["postId","authorId"],"references":[{"table":"Post","column":"slug"}]}]},
        "Post":{"columns":{"slug":{"type":"text","schema":{"unique":true}}}},
        "post":{"columns":{}},
        "my table":{"columns":{}}},
      "integrations":[{"name":"blog","tables":{"Post":{"columns":{}}}}]}"#);
    let c = "tables.Comment.columns";
    assert!(has(&list, &format!("{c}.authorId.references"), "unknown table \"Author\""), "{list:#?}");
    assert!(has(&list, &format!("{c}.postId.references"), "number column cannot reference Post.slug"));
    assert!(has(&list, &format!("{c}.id.optional"), "cannot be optional"));
    assert!(has(&list, &format!("{c}.id.default"), "cannot have a default"));
    assert!(has(&list, &format!("{c}.id2.primaryKey"), "only one primary key"));
    assert!(has(&list, &format!("{c}.kind.default"), "not one of the enum values"));
    assert!(has(&list, &format!("{c}.empty.enum"), "at least one value"));
    assert!(has(&list, &format!("{c}.n.default"), "must be a number"));
    assert!(has(&list, &format!("{c}.d.default"), "SQL default"));
    assert!(has(&list, &format!("{c}.weird.type"), "unknown column type"));
    assert!(has(&list, "tables.Comment.indexes.Comment_nope_idx.on[0]", "unknown column \"nope\""));
    assert!(has(&list, "tables.Comment.foreignKeys[0]", "same length"));
    assert!(has(&list, "tables.post", "case-insensitive"));
    assert!(has(&list, "tables[\"my table\"]", "JavaScript identifier"));
    assert!(has(&list, "integrations[0].tables.Post", "your db config already defines it"));
}

#[test]
fn hidden_id_and_integration_owners() {
    let l = load_config(r#"{"tables":{"A":{"columns":{"x":{"type":"text"}}}},"integrations":[{"name":"i","tables":{"B":{"columns":{"a":{"type":"text","schema":{"references":{"table":"A","column":"x"}}}}}}}]}"#).unwrap();
    assert!(l.schema.tables[0].has_hidden_id());
    assert_eq!(l.schema.tables[1].owner.as_deref(), Some("i"));
    let list = problems(r#"{"tables":{"A":{"columns":{"_id":{"type":"number"}}}}}"#);
    assert!(has(&list, "tables.A.columns._id", "hidden primary key"));
    let list = problems(r#"{"tables":{"A":{"columns":{"a":{"type":"number","schema":{"references":{"table":"A","column":"a"}}}}}}}"#);
    assert!(has(&list, "tables.A.columns.a.references", "cycle"));
}

#[test]
fn malformed_input_is_a_problem_not_a_panic() {
    for bad in ["", "[]", "{\"tables\":5}", "{\"tables\":{\"A\":null}}", "{\"tables\":{\"A\":{\"columns\":{\"x\":{\"type\":\"text\",\"schema\":[]}}}}}"] {
        assert!(load_config(bad).is_err(), "{bad}");
    }
    assert!(load_snapshot("{\"version\":\"1999\",\"schema\":{}}", false).is_err());
}
