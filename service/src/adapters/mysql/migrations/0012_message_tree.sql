ALTER TABLE `chats` ADD `active_leaf_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
ALTER TABLE `messages` ADD `parent_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
ALTER TABLE `messages` ADD `depth` int unsigned NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_chat_parent_seq_idx` ON `messages` (`chat_id`,`parent_id`,`seq`);