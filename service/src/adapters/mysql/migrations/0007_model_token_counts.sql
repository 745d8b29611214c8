CREATE TABLE `message_token_counts` (
	`message_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`encoding` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`token_count` int unsigned NOT NULL,
	CONSTRAINT `message_token_counts_pk` PRIMARY KEY(`message_id`,`encoding`)
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `token_encoding` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;--> statement-breakpoint
ALTER TABLE `message_token_counts` ADD CONSTRAINT `message_token_counts_message_fk` FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON DELETE cascade ON UPDATE no action;