/** Settings from `.env` in the working directory (or the repository root), when there is one. */
export function loadDotEnv(): void {
  for (const path of [".env", "../.env"]) {
    try {
      process.loadEnvFile(path);
      return;
    } catch {
      // No such file: the environment alone configures Parley.
    }
  }
}
