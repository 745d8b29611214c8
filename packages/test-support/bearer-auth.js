/** @type {import("./index.d.ts").bearerAuth} */
export function bearerAuth(token) {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}
