import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bearerAuth, testServerUrl } from "./index.js";

describe("testServerUrl", () => {
  it("drops the database name and keeps the credentials", () => {
    assert.equal(
      testServerUrl("mysql://app:s3cret@db.internal:3307/parley"),
      "mysql://app:s3cret@db.internal:3307",
    );
  });

  it("keeps a user without a password, and no credentials when there are none", () => {
    assert.equal(testServerUrl("mysql://root@127.0.0.1:3306"), "mysql://root@127.0.0.1:3306");
    assert.equal(testServerUrl("mysql://127.0.0.1/x"), "mysql://127.0.0.1");
  });

  it("keeps percent-encoded credentials encoded", () => {
    assert.equal(testServerUrl("mysql://a%40b:p%2Fw@host/db"), "mysql://a%40b:p%2Fw@host");
  });

  it("reads TEST_DATABASE_URL, else the CI's local root", () => {
    const saved = process.env.TEST_DATABASE_URL;
    try {
      process.env.TEST_DATABASE_URL = "mysql://ci@mariadb:3306/ignored";
      assert.equal(testServerUrl(), "mysql://ci@mariadb:3306");
      delete process.env.TEST_DATABASE_URL;
      assert.equal(testServerUrl(), "mysql://root@127.0.0.1:3306");
    } finally {
      if (saved === undefined) delete process.env.TEST_DATABASE_URL;
      else process.env.TEST_DATABASE_URL = saved;
    }
  });
});

describe("bearerAuth", () => {
  it("sets the authorization header and passes the request on", async () => {
    const request = { header: new Map() };
    const response = await bearerAuth("t0ken")(async (sent) => ({ sent }))(request);
    assert.equal(request.header.get("authorization"), "Bearer t0ken");
    assert.equal(response.sent, request);
  });
});
