// `node --import` this file to have the process print a line `async-context <what>` on stderr whenever
// anything enters an AsyncLocalStorage or enables an async hook: both make Node run hooks on every
// promise from then on. The request-log test checks that the service, tracing off, never does.
import asyncHooks from "node:async_hooks";
import { syncBuiltinESMExports } from "node:module";

const report = (what) => process.stderr.write(`async-context ${what}\n`);
const { AsyncLocalStorage } = asyncHooks;
for (const method of ["run", "enterWith"]) {
  const original = AsyncLocalStorage.prototype[method];
  AsyncLocalStorage.prototype[method] = function (...args) {
    report(`AsyncLocalStorage.${method}`);
    return original.apply(this, args);
  };
}
const createHook = asyncHooks.createHook;
asyncHooks.createHook = (callbacks) => {
  const hook = createHook(callbacks);
  const enable = hook.enable.bind(hook);
  hook.enable = () => {
    report("createHook().enable");
    return enable();
  };
  return hook;
};
// ES modules importing `createHook` by name see the wrapped one too.
syncBuiltinESMExports();
