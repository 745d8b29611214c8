CREATE TABLE `whatsapp_messages` (
	`message_sid` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`sender` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`kind` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`status` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`chat_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`reply_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`parts_sent` int unsigned NOT NULL,
	`error_code` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`error` varchar(500) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `whatsapp_messages_message_sid` PRIMARY KEY(`message_sid`)
);
--> statement-breakpoint
CREATE TABLE `whatsapp_senders` (
	`sender` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`chat_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `whatsapp_senders_sender` PRIMARY KEY(`sender`)
);
--> statement-breakpoint
ALTER TABLE `whatsapp_senders` ADD CONSTRAINT `whatsapp_senders_chat_fk` FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `whatsapp_messages_status_sender_idx` ON `whatsapp_messages` (`status`,`sender`);