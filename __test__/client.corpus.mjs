// The differential corpus: each case runs on a fresh database and returns what it observed.
// The same case runs against our client and against @libsql/client; both must agree.

const big = 2n ** 62n + 7n;
const schema = `
  create table person(id integer primary key, name text not null unique, age integer, score real, data blob, meta text);
  create table pet(id integer primary key, owner integer references person(id), kind text check (kind in ('cat','dog')));
  insert into person(name, age, score) values ('ann', 31, 1.5), ('bob', 42, null), ('cy', null, -0.25);
`;

const seed = async (c) => c.executeMultiple(schema);
const one = (sql, args) => async (c) => c.execute(args === undefined ? sql : { sql, args });
const seeded = (sql, args) => async (c) => {
  await seed(c);
  return c.execute(args === undefined ? sql : { sql, args });
};

export const corpus = [
  // literals and types
  ["integer literal", one("select 1 as n")],
  ["negative and zero", one("select -5 a, 0 b, -0.0 c")],
  ["real literals", one("select 1.0 a, 1.5 b, 1e300 c, -2.5e-10 d")],
  ["text literal", one("select 'hello' as greeting")],
  ["empty text", one("select '' as e")],
  ["null literal", one("select null as n")],
  ["blob literal", one("select x'00ff10' as b, zeroblob(3) z, x'' as empty")],
  ["typeof each kind", one("select typeof(1), typeof(1.5), typeof('x'), typeof(x'01'), typeof(null)")],
  ["unicode text", one("select 'héllo 🌍 日本語' as u, length('🌍') as l")],
  ["unicode column name", one('select 1 as "naïve 🌍"')],
  ["duplicate column names", one("select 1 as a, 2 as a, 3 as b")],
  ["index-like column name", one('select 5 as "0", 6 as "1"')],
  ["index-like and duplicate names mixed", one('select 1 as a, 2 as "0", 3 as b, 4 as a, 5 as "9"')],
  ["max int64 fails in number mode", one("select 9223372036854775807 as m")],
  ["2^53 boundary", one("select 9007199254740991 as ok")],
  ["just past 2^53", one("select 9007199254740992 as over")],
  ["expression column names", one("select 1 + 1, upper('a'), ?", [3])],
  // arguments
  ["positional args", one("select ? a, ? b, ? c", [1, "two", null])],
  ["numbered args", one("select ?2 a, ?1 b", [1, 2])],
  ["too few args", one("select ?, ?", [1])],
  ["too many args", one("select ?", [1, 2, 3])],
  ["named colon", one("select :a as a, :b as b", { a: 1, b: "x" })],
  ["named at", one("select @a as a", { a: 7 })],
  ["named dollar", one("select $a as a", { a: 8 })],
  ["named prefixed keys", one("select :a, @b, $c", { ":a": 1, "@b": 2, $c: 3 })],
  ["named missing is null", one("select :a, :b", { a: 1 })],
  ["named extra ignored", one("select :a", { a: 1, zzz: 2 })],
  ["number binds as real", one("select typeof(?) t, ? v", [5, 5])],
  ["float arg", one("select ? v", [0.1 + 0.2])],
  ["bigint arg", one("select typeof(?) t, ? v", [5n, 12n])],
  ["bigint beyond 2^53 in number mode", one("select ? v", [big])],
  ["bigint out of int64", one("select ?", [2n ** 64n])],
  ["negative bigint", one("select ? v", [-42n])],
  ["boolean args", one("select typeof(?) t, ? a, ? b", [true, true, false])],
  ["date arg", one("select typeof(?) t, ? v", [new Date(0), new Date(86_400_000)])],
  ["Uint8Array arg", one("select typeof(?) t, hex(?) h", [new Uint8Array([1, 2]), new Uint8Array([1, 2])])],
  ["ArrayBuffer arg", one("select hex(?) h", [new Uint8Array([9, 8, 7]).buffer])],
  ["Buffer arg round trip", one("select ? b", [Buffer.from("abc")])],
  ["empty blob arg", one("select typeof(?) t, length(?) l", [new Uint8Array(0), new Uint8Array(0)])],
  ["undefined arg", one("select ?", [undefined])],
  ["NaN arg", one("select ?", [NaN])],
  ["Infinity arg", one("select ?", [Infinity])],
  ["object arg", one("select ?", [{}])],
  ["long text arg", one("select length(?) l", ["x".repeat(100_000)])],
  ["text arg with NUL", one("select length(?) l, ? v", ["a\u0000b", "a\u0000b"])],
  // writes
  ["insert", seeded("insert into person(name) values (?)", ["dee"])],
  ["insert returning", seeded("insert into person(name, age) values (?, ?) returning id, name, age", ["eve", 5])],
  ["update count", seeded("update person set age = coalesce(age, 0) + 1")],
  ["update none", seeded("update person set age = 1 where id = 999")],
  ["delete", seeded("delete from person where age > 40")],
  ["delete returning", seeded("delete from person where name = 'cy' returning *")],
  ["create table result", one("create table z(a)")],
  ["select typed columns", seeded("select * from person order by id")],
  ["select empty result", seeded("select * from person where 0")],
  ["join and aggregate", seeded("select p.name, count(x.id) as pets from person p left join pet x on x.owner = p.id group by p.id order by p.name")],
  ["store and read blob", async (c) => {
    await seed(c);
    await c.execute({ sql: "update person set data = ? where name = 'ann'", args: [new Uint8Array([0, 1, 254, 255])] });
    return c.execute("select data, typeof(data) from person where name = 'ann'");
  }],
  ["text into integer column", seeded("insert into person(name, age) values ('t', ?) returning age, typeof(age)", ["12"])],
  ["number into text column", seeded("insert into person(name, meta) values ('m', ?) returning meta", [5])],
  // errors
  ["syntax error", one("selec 1")],
  ["no such table", one("select * from nope")],
  ["no such column", seeded("select nope from person")],
  ["unique violation", seeded("insert into person(name) values ('ann')")],
  ["not null violation", seeded("insert into person(name) values (null)")],
  ["primary key violation", seeded("insert into person(id, name) values (1, 'zed')")],
  ["check violation", seeded("insert into pet(kind) values ('cow')")],
  ["foreign key violation", async (c) => {
    await seed(c);
    await c.execute("pragma foreign_keys = on");
    return c.execute("insert into pet(owner, kind) values (99, 'cat')");
  }],
  ["empty statement", one("")],
  ["only a comment", one("-- nothing here")],
  ["multiple statements run the first", async (c) => [await c.execute("create table a(x); create table b(y)"), await c.execute("select name from sqlite_master order by name")]],
  ["trailing semicolon", one("select 1;")],
  // batches
  ["batch of writes", async (c) => c.batch(["create table t(x)", { sql: "insert into t values (?)", args: [1] }, ["insert into t values (?)", [2]], "select * from t"])],
  ["batch write mode", async (c) => c.batch(["create table t(x)", "insert into t values (1)"], "write")],
  ["batch read mode", async (c) => { await seed(c); return c.batch(["select count(*) from person"], "read"); }],
  ["batch failure is atomic", async (c) => {
    await seed(c);
    let err;
    try { await c.batch(["insert into person(name) values ('new')", "insert into person(name) values ('ann')"]); } catch (e) { err = e; }
    return [err && { code: err.code, idx: err.statementIndex }, await c.execute("select count(*) n from person")];
  }],
  ["batch syntax error index", async (c) => c.batch(["select 1", "select 2", "selec 3"])],
  ["empty batch", async (c) => c.batch([])],
  ["batch with named args", async (c) => c.batch([{ sql: "select :x as x", args: { x: "y" } }])],
  // transactions
  ["transaction commit", async (c) => {
    await seed(c);
    const tx = await c.transaction("write");
    await tx.execute("insert into person(name) values ('tx')");
    const inside = await tx.execute("select count(*) n from person");
    await tx.commit();
    return [inside, tx.closed, await c.execute("select count(*) n from person")];
  }],
  ["transaction rollback", async (c) => {
    await seed(c);
    const tx = await c.transaction();
    await tx.execute("delete from person");
    await tx.rollback();
    return [tx.closed, await c.execute("select count(*) n from person")];
  }],
  ["transaction batch and error keeps tx open", async (c) => {
    await seed(c);
    const tx = await c.transaction("deferred");
    const r = await tx.batch(["insert into person(name) values ('q')", "select count(*) from person"]);
    let err;
    try { await tx.execute("insert into person(name) values ('ann')"); } catch (e) { err = e.code; }
    const stillOpen = !tx.closed;
    await tx.commit();
    return [r, err, stillOpen, await c.execute("select count(*) n from person")];
  }],
  ["use after commit", async (c) => {
    const tx = await c.transaction("write");
    await tx.commit();
    return tx.execute("select 1");
  }],
  ["read transaction rejects writes", async (c) => {
    await seed(c);
    const tx = await c.transaction("read");
    try { return await tx.execute("insert into person(name) values ('r')"); } finally { tx.close(); }
  }],
  ["executeMultiple", async (c) => [await c.executeMultiple("create table m(x); insert into m values (1); insert into m values (2);"), await c.execute("select * from m")]],
  ["executeMultiple stops at error", async (c) => {
    await c.executeMultiple("create table m(x)");
    let err;
    try { await c.executeMultiple("insert into m values (1); selec; insert into m values (2)"); } catch (e) { err = e; }
    return [err && err.code, await c.execute("select * from m")];
  }],
  ["migrate", async (c) => c.migrate([{ sql: "create table g(x)" }, { sql: "insert into g values (?)", args: [1] }])],
  ["closed client", async (c) => { c.close(); return c.execute("select 1"); }],
];

/**
 * Where we differ on purpose, each with the reason; the function turns the reference's
 * outcome into ours.
 */
export const deviations = {
  // A value of the wrong type is a TypeError (still an Error), not a plain Error.
  "object arg": (expected) => ({ error: { ...expected.error, kind: "TypeError" } }),
  // @libsql/client reads TEXT as a C string and loses everything after a NUL; we keep it.
  "text arg with NUL": (expected) => JSON.parse(JSON.stringify(expected).replaceAll('"a"', '"a\\u0000b"')),
};

/** Cases that read integers in other modes. */
export const intModeCorpus = [
  ["bigint mode", "bigint", one("select 1 a, 9223372036854775807 b, -3 c, 1.5 d, ? e, ? f", [true, 7n])],
  ["string mode", "string", one("select 1 a, 9223372036854775807 b, -3 c, 1.5 d, ? e", [true])],
  ["number mode", "number", one("select 1 a, 2.0 b", [])],
];
