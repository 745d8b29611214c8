CREATE TABLE `search_documents` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`source_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`user_id` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`chat_id` char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`role` varchar(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`body` mediumtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	`written_at` datetime(3) NOT NULL,
	CONSTRAINT `search_documents_id` PRIMARY KEY(`id`),
	CONSTRAINT `search_documents_source_uq` UNIQUE(`source_id`)
);
--> statement-breakpoint
CREATE TABLE `search_grams` (
	`user_key` int unsigned NOT NULL,
	`gram` int unsigned NOT NULL,
	`document_id` bigint unsigned NOT NULL,
	CONSTRAINT `search_grams_pk` PRIMARY KEY(`user_key`,`gram`,`document_id`)
);
--> statement-breakpoint
ALTER TABLE `search_documents` ADD CONSTRAINT `search_documents_chat_fk` FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `search_grams` ADD CONSTRAINT `search_grams_document_fk` FOREIGN KEY (`document_id`) REFERENCES `search_documents`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `search_documents_user_idx` ON `search_documents` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `search_documents_chat_idx` ON `search_documents` (`chat_id`);--> statement-breakpoint
CREATE INDEX `search_grams_document_idx` ON `search_grams` (`document_id`);