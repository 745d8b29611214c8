CREATE TABLE `chat_imports` (
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`source` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`source_chat_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`chat_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `chat_imports_pk` PRIMARY KEY(`user_id`,`source`,`source_chat_id`)
);
--> statement-breakpoint
ALTER TABLE `chat_imports` ADD CONSTRAINT `chat_imports_chat_fk` FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON DELETE cascade ON UPDATE no action;