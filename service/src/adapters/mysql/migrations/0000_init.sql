CREATE TABLE `chats` (
	`id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`title` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	`model` varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `chats_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`chat_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`seq` int unsigned NOT NULL,
	`role` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`content` mediumtext CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	`token_count` int unsigned NOT NULL,
	`status` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`finish_reason` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`prompt_tokens` int unsigned,
	`completion_tokens` int unsigned,
	`total_tokens` int unsigned,
	`error` varchar(500) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `messages_id` PRIMARY KEY(`id`),
	CONSTRAINT `messages_chat_seq_uq` UNIQUE(`chat_id`,`seq`)
);
--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_chat_fk` FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `chats_user_activity_idx` ON `chats` (`user_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `messages_status_chat_idx` ON `messages` (`status`,`chat_id`);