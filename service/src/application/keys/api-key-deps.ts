/** What the API key use cases need. */
import type { Clock, IdGenerator } from "../ports.js";
import type { ApiKeyStore } from "./api-key-store.js";

export interface ApiKeyDeps {
  store: ApiKeyStore;
  clock: Clock;
  newId: IdGenerator;
  /** Drops a revoked key from this process's verification cache at once (other replicas wait it out). */
  forget?: (keyId: string) => void;
}
