ALTER TABLE `messages` ADD `chain_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
CREATE INDEX `messages_chat_chain_seq_idx` ON `messages` (`chat_id`,`chain_id`,`seq`);