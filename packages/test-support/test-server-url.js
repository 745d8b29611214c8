/** @type {import("./index.d.ts").testServerUrl} */
export function testServerUrl(url = process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306") {
  const parsed = new URL(url);
  const credentials = parsed.username
    ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ""}@`
    : "";
  return `${parsed.protocol}//${credentials}${parsed.host}`;
}
