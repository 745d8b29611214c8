CREATE TABLE `user_limits` (
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`concurrent_replies` int unsigned,
	`messages_per_minute` int unsigned,
	`daily_tokens` bigint unsigned,
	`monthly_tokens` bigint unsigned,
	`monthly_cost_micros` bigint unsigned,
	`blocked` boolean NOT NULL DEFAULT false,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `user_limits_user_id` PRIMARY KEY(`user_id`)
);
--> statement-breakpoint
CREATE TABLE `whatsapp_limit_notices` (
	`sender` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`reason` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`period` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `whatsapp_limit_notices_pk` PRIMARY KEY(`sender`,`reason`,`period`)
);
