DROP INDEX `messages_status_chat_idx` ON `messages`;--> statement-breakpoint
ALTER TABLE `messages` ADD `owner` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
ALTER TABLE `messages` ADD `lease_expires_at` datetime(3);--> statement-breakpoint
CREATE INDEX `messages_status_lease_idx` ON `messages` (`status`,`lease_expires_at`);