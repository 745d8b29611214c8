import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDatabaseUrl } from "./index.js";

test("reads every part, decoding user and password", () => {
  assert.deepEqual(parseDatabaseUrl("mysql://r%40ot:p%3Ass@db.example:3307/parley_web"), {
    host: "db.example",
    port: 3307,
    user: "r@ot",
    password: "p:ss",
    database: "parley_web",
  });
});

test("defaults the port, allows no password, unwraps IPv6 literals", () => {
  assert.deepEqual(parseDatabaseUrl("mysql://root@[::1]/parley"), {
    host: "::1",
    port: 3306,
    user: "root",
    password: "",
    database: "parley",
  });
});

test("refuses other shapes, naming the setting and never echoing the URL", () => {
  for (const url of [
    "postgres://u:secret@h/db",
    "mysql://h/db",
    "mysql://u:secret@h/",
    "mysql://u:secret@h/a;b",
    "nonsense",
  ]) {
    assert.throws(
      () => parseDatabaseUrl(url, "WEB_DATABASE_URL"),
      (error) =>
        error.message.startsWith("WEB_DATABASE_URL must look like") && !error.message.includes("secret"),
    );
  }
});
