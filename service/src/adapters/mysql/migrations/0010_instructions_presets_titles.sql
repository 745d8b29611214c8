CREATE TABLE `presets` (
	`id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`name` varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	`instructions` text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
	`instructions_tokens` int unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `presets_id` PRIMARY KEY(`id`),
	CONSTRAINT `presets_user_name_uq` UNIQUE(`user_id`,`name`)
);
--> statement-breakpoint
ALTER TABLE `chats` ADD `instructions` text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;--> statement-breakpoint
ALTER TABLE `chats` ADD `instructions_tokens` int unsigned;--> statement-breakpoint
ALTER TABLE `chats` ADD `title_source` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;