import { describe } from "vitest";
import { chatRepositoryContract } from "./chat-repository-contract.js";
import { createInMemoryChatRepository } from "./in-memory-chat-repository.js";

// The fake the use-case tests rely on keeps the same contract as the MySQL adapter.
describe("the ChatRepository contract, in memory", () => {
  chatRepositoryContract(async () => ({ repository: createInMemoryChatRepository(), close: async () => {} }));
});
