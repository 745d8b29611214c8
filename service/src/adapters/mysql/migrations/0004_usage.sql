CREATE TABLE `usage_daily` (
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`day` date NOT NULL,
	`kind` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`prompt_tokens` bigint unsigned NOT NULL,
	`completion_tokens` bigint unsigned NOT NULL,
	`replies` int unsigned NOT NULL,
	`estimated_replies` int unsigned NOT NULL,
	`cost_micros` bigint unsigned NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `usage_daily_pk` PRIMARY KEY(`user_id`,`day`,`kind`)
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `usage_source` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
ALTER TABLE `messages` ADD `cost_micros` bigint unsigned;--> statement-breakpoint
ALTER TABLE `messages` ADD `fitted_prompt_tokens` int unsigned;