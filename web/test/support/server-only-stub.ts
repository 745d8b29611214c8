// Outside Next, `server-only` has nothing to guard: tests import server modules directly.
export {};
